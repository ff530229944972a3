"""A meeting's delegations and the delegates their focal points named."""

from piccolo.columns import ForeignKey, Integer, OnDelete, Text, Timestamptz, Varchar
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.table import Table

from idmevents.meetings.tables import Meeting
from idmevents.registrations.tables import Registration, SeatHold


class Delegation(Table, tablename="delegation"):
    """A State (`country`, an ISO code from `idmevents.states`) or an organization (`organization`)
    invited to a meeting, its focal point, its quota of seats (kept in `seat_hold`) and its head.

    `token` is the focal point's private nomination link (None: revoked); it is valid only while
    `token_email` is still the focal point's address, so changing the address kills the old link.
    A browser uses the link once the focal point typed the one-time code emailed to that address
    (`access_code`: its keyed hash, `access_code_sent_at`, `access_code_attempts`): a forwarded
    link is of no use to anyone else. `language`: the focal point's emails' language.
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
    language = Varchar(length=5, default="en")
    access_code = Varchar(length=64, default="")
    access_code_sent_at = Timestamptz(null=True, default=None)
    access_code_attempts = Integer(default=0)
    created_at = Timestamptz(default=TimestamptzNow())
    updated_at = Timestamptz(default=TimestamptzNow())


class FocalPointMail(Table, tablename="focal_point_mail"):
    """An email to a delegation's focal point: `kind` invitation | reminder | new-link.

    UNIQUE (delegation, kind, action), an index made in its migration: `action` names the send
    (the organizer's send action, "deadline" for the reminder), so a double click, a retried
    request or a second worker inserts nothing and sends nothing twice.
    """

    delegation = ForeignKey(
        references=Delegation, null=False, on_delete=OnDelete.cascade, index=True
    )
    kind = Varchar(length=20)
    action = Varchar(length=64)
    to_address = Varchar(length=320)
    message_id = Varchar(length=250, default="")
    created_at = Timestamptz(default=TimestamptzNow())


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


class Letterhead(Table, tablename="letterhead"):
    """What a meeting's visa letters are printed on: the organization, its address lines, who
    signs, and an optional logo (a PNG or JPEG kept as a `data:` URI, size-limited on upload).
    A meeting without one prints on the default letterhead (`visa_letters.DEFAULT_LETTERHEAD`)."""

    meeting = ForeignKey(references=Meeting, null=False, on_delete=OnDelete.cascade, unique=True)
    organization = Varchar(length=300, default="")
    address = Text(default="")  # one line per line of the address
    signatory_name = Varchar(length=200, default="")
    signatory_title = Varchar(length=200, default="")
    logo = Text(default="")
    updated_at = Timestamptz(default=TimestamptzNow())
