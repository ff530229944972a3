"""Agenda-change notices as jobs: `notice_delivery`, the record that emails each person once.

Pressing "Notify participants" queues a job; the job queues the emails in batches, each batch with
its `notice_delivery` rows, one per (job, registration), made UNIQUE by an index: a job taken over
after its worker died skips everyone a batch already reached.
"""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.columns import ForeignKey, OnDelete, Timestamptz, Varchar
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.table import Table

ID = "2026-12-05T00:06:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "notice_delivery (one agenda-change notice per job and person)"


class RawTable(Table):
    pass


class JobRef(Table, tablename="job"):
    pass


class RegistrationRef(Table, tablename="registration"):
    pass


# The table as this migration makes it (not imported from the app: the app's table may change).
class NoticeDelivery(Table, tablename="notice_delivery"):
    job = ForeignKey(references=JobRef, null=False, on_delete=OnDelete.cascade)
    registration = ForeignKey(references=RegistrationRef, null=False, on_delete=OnDelete.cascade)
    message_id = Varchar(length=250, default="")
    created_at = Timestamptz(default=TimestamptzNow())


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="idmevents", description=DESCRIPTION)

    async def create_table():
        await NoticeDelivery.create_table(if_not_exists=True)
        await RawTable.raw(
            "CREATE UNIQUE INDEX notice_delivery_once ON notice_delivery (job, registration)"
        )

    async def drop_table():
        await RawTable.raw("DROP INDEX IF EXISTS notice_delivery_once")
        await RawTable.raw("DROP TABLE IF EXISTS notice_delivery")

    manager.add_raw(create_table)
    manager.add_raw_backwards(drop_table)
    return manager
