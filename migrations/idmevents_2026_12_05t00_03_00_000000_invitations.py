"""Invitations: focal points' emails and their one-time access codes, invitation-only categories.

`delegation.language` (the focal point's emails' language), `delegation.access_code`,
`access_code_sent_at`, `access_code_attempts` (a nomination link works in a browser once the
focal point typed the code emailed to their address); `focal_point_mail` (one row per email to a
focal point, UNIQUE per delegation, kind and send action: nothing is sent twice);
`meeting.invitation_categories` and `meeting.nomination_deadline`; `invitation` (an organizer's
invitation to register in an invitation-only category, bound to one address, UNIQUE per meeting
and address).
"""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.columns import JSON, ForeignKey, Integer, OnDelete, Timestamptz, Varchar
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.columns.indexes import IndexMethod
from piccolo.table import Table

ID = "2026-12-05T00:03:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "focal points' emails and access codes; invitation-only categories and invitations"


class RawTable(Table):
    pass


class MeetingRef(Table, tablename="meeting"):
    pass


class RegistrationRef(Table, tablename="registration"):
    pass


class DelegationRef(Table, tablename="delegation"):
    pass


# The tables as this migration makes them (not imported from the app: the app's tables may change).
class FocalPointMail(Table, tablename="focal_point_mail"):
    delegation = ForeignKey(
        references=DelegationRef, null=False, on_delete=OnDelete.cascade, index=True
    )
    kind = Varchar(length=20)
    action = Varchar(length=64)
    to_address = Varchar(length=320)
    message_id = Varchar(length=250, default="")
    created_at = Timestamptz(default=TimestamptzNow())


class Invitation(Table, tablename="invitation"):
    meeting = ForeignKey(references=MeetingRef, null=False, on_delete=OnDelete.cascade, index=True)
    email = Varchar(length=320)
    email_key = Varchar(length=320)
    category = Varchar(length=30)
    given_name = Varchar(length=200, default="")
    family_name = Varchar(length=200, default="")
    language = Varchar(length=5, default="en")
    token = Varchar(length=64, unique=True)
    registration = ForeignKey(references=RegistrationRef, null=True, on_delete=OnDelete.set_null)
    used_at = Timestamptz(null=True, default=None)
    created_at = Timestamptz(default=TimestamptzNow())


def _params(default, **more):
    return {
        "default": default,
        "null": False,
        "primary_key": False,
        "unique": False,
        "index": False,
        "index_method": IndexMethod.btree,
        "choices": None,
        "db_column_name": None,
        "secret": False,
        **more,
    }


COLUMNS = [
    ("Delegation", "delegation", "language", Varchar, _params("en", length=5)),
    ("Delegation", "delegation", "access_code", Varchar, _params("", length=64)),
    ("Delegation", "delegation", "access_code_sent_at", Timestamptz, _params(None, null=True)),
    ("Delegation", "delegation", "access_code_attempts", Integer, _params(0)),
    ("Meeting", "meeting", "invitation_categories", JSON, _params("[]")),
    ("Meeting", "meeting", "nomination_deadline", Timestamptz, _params(None, null=True)),
]


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="idmevents", description=DESCRIPTION)
    for class_name, tablename, column, column_class, params in COLUMNS:
        manager.add_column(
            table_class_name=class_name,
            tablename=tablename,
            column_name=column,
            db_column_name=column,
            column_class_name=column_class.__name__,
            column_class=column_class,
            params=params,
            schema=None,
        )

    async def create_tables():
        await FocalPointMail.create_table(if_not_exists=True)
        await Invitation.create_table(if_not_exists=True)
        await RawTable.raw(
            "CREATE UNIQUE INDEX focal_point_mail_once "
            "ON focal_point_mail (delegation, kind, action)"
        )
        await RawTable.raw(
            "CREATE UNIQUE INDEX invitation_meeting_email_key ON invitation (meeting, email_key)"
        )

    async def drop_tables():
        await RawTable.raw("DROP INDEX IF EXISTS invitation_meeting_email_key")
        await RawTable.raw("DROP INDEX IF EXISTS focal_point_mail_once")
        await RawTable.raw("DROP TABLE IF EXISTS invitation")
        await RawTable.raw("DROP TABLE IF EXISTS focal_point_mail")

    manager.add_raw(create_tables)
    manager.add_raw_backwards(drop_tables)
    return manager
