"""A meeting's delegations and the delegates their focal points named."""

from piccolo.columns import ForeignKey, Integer, OnDelete, Timestamptz, Varchar
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.table import Table

from idmevents.meetings.tables import Meeting
from idmevents.registrations.tables import Registration, SeatHold


class Delegation(Table, tablename="delegation"):
    """A State (`country`, an ISO code from `idmevents.states`) or an organization (`organization`)
    invited to a meeting, its focal point, its quota of seats (kept in `seat_hold`) and its head.

    `token` is the focal point's private nomination link (None: revoked); it is valid only while
    `token_email` is still the focal point's address, so changing the address kills the old link.
    UNIQUE (meeting, country) for States: a unique index made in its migration.
    """

    meeting = ForeignKey(references=Meeting, null=False, on_delete=OnDelete.cascade, index=True)
    country = Varchar(length=2, default="")
    organization = Varchar(length=300, default="")
    focal_point_name = Varchar(length=200, default="")
    focal_point_email = Varchar(length=320, default="")
    focal_point_mission = Varchar(length=300, default="")
    quota = Integer(default=0)
    seat_hold = ForeignKey(references=SeatHold, null=True, on_delete=OnDelete.set_null)
    token = Varchar(length=64, null=True, default=None, unique=True)
    token_email = Varchar(length=320, default="")
    head = ForeignKey(references=Registration, null=True, on_delete=OnDelete.set_null)
    created_at = Timestamptz(default=TimestamptzNow())
    updated_at = Timestamptz(default=TimestamptzNow())


class Delegate(Table, tablename="delegate"):
    """A person a focal point named: their registration (which holds their honorific, as
    everyone's does) in the delegation."""

    delegation = ForeignKey(
        references=Delegation, null=False, on_delete=OnDelete.cascade, index=True
    )
    registration = ForeignKey(
        references=Registration, null=False, on_delete=OnDelete.cascade, unique=True
    )
    created_at = Timestamptz(default=TimestamptzNow())


class VisaLetter(Table, tablename="visa_letter"):
    """A visa invitation letter issued for a registration; `code` is printed on it and verified at
    /verify/{code}, which says only the name, the meeting and whether the letter is still valid
    (it is not once the registration is no longer confirmed: cancelled or replaced)."""

    registration = ForeignKey(
        references=Registration, null=False, on_delete=OnDelete.cascade, index=True
    )
    code = Varchar(length=32, unique=True)
    created_at = Timestamptz(default=TimestamptzNow())
