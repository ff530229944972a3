"""Check-ins: at most one per registration, which makes a double scan harmless."""

from piccolo.columns import ForeignKey, OnDelete, Timestamptz, Varchar
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.table import Table

from idmevents.auth.tables import User
from idmevents.registrations.tables import Registration


class CheckIn(Table, tablename="check_in"):
    registration = ForeignKey(
        references=Registration, null=False, on_delete=OnDelete.cascade, unique=True
    )
    checked_in_at = Timestamptz(default=TimestamptzNow())
    checked_in_by = ForeignKey(references=User, null=True, on_delete=OnDelete.set_null)
    desk = Varchar(length=100, default="")
