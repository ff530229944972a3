"""Reminders: each meeting's schedule, and the record that makes each one go out once per person.

`meeting.reminders` holds signed ISO 8601 offsets (default 7 days and 1 day before the start),
`meeting.reminders_enabled` switches them off, `meeting.follow_up_url` is the link a follow-up
after the end gives. `reminder_delivery` has one row per (registration, offset), made UNIQUE by an
index: the worker writes it in the transaction that queues the email, so two workers, a restart or
an edited schedule never send the same reminder twice.
"""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.columns import JSON, Boolean, ForeignKey, OnDelete, Timestamptz, Varchar
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.columns.indexes import IndexMethod
from piccolo.table import Table

ID = "2026-12-04T19:51:07:150015"
VERSION = "1.38.0"
DESCRIPTION = "meeting reminders and reminder_delivery (one reminder per person and offset)"


class RawTable(Table):
    pass


class MeetingRef(Table, tablename="meeting"):
    pass


class RegistrationRef(Table, tablename="registration"):
    pass


# The table as this migration makes it (not imported from the app: the app's table may change).
class ReminderDelivery(Table, tablename="reminder_delivery"):
    meeting = ForeignKey(references=MeetingRef, null=False, on_delete=OnDelete.cascade, index=True)
    registration = ForeignKey(references=RegistrationRef, null=False, on_delete=OnDelete.cascade)
    reminder_offset = Varchar(length=40)
    status = Varchar(length=20)
    message_id = Varchar(length=250, default="")
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


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="idmevents", description=DESCRIPTION)

    manager.add_column(
        table_class_name="Meeting",
        tablename="meeting",
        column_name="reminders",
        db_column_name="reminders",
        column_class_name="JSON",
        column_class=JSON,
        params=_params('["-P7D", "-P1D"]'),
        schema=None,
    )
    manager.add_column(
        table_class_name="Meeting",
        tablename="meeting",
        column_name="reminders_enabled",
        db_column_name="reminders_enabled",
        column_class_name="Boolean",
        column_class=Boolean,
        params=_params(True),
        schema=None,
    )
    manager.add_column(
        table_class_name="Meeting",
        tablename="meeting",
        column_name="follow_up_url",
        db_column_name="follow_up_url",
        column_class_name="Varchar",
        column_class=Varchar,
        params=_params("", length=500),
        schema=None,
    )

    async def create_table():
        await ReminderDelivery.create_table(if_not_exists=True)
        await RawTable.raw(
            "CREATE UNIQUE INDEX reminder_delivery_once "
            "ON reminder_delivery (registration, reminder_offset)"
        )

    async def drop_table():
        await RawTable.raw("DROP INDEX IF EXISTS reminder_delivery_once")
        await RawTable.raw("DROP TABLE IF EXISTS reminder_delivery")

    manager.add_raw(create_table)
    manager.add_raw_backwards(drop_table)
    return manager
