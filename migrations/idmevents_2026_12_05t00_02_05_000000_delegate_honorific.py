"""Delegates' honorific moves into their registration (`registration.honorific`, added by the
previous migration) and `delegate.honorific` goes: one field serves every participant."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.table import Table

ID = "2026-12-05T00:02:05:000000"
VERSION = "1.38.0"
DESCRIPTION = "delegate.honorific moves into registration.honorific"

COPY = """
    UPDATE registration SET honorific = (
        SELECT d.honorific FROM delegate d WHERE d.registration = registration.id
    )
    WHERE EXISTS (SELECT 1 FROM delegate d WHERE d.registration = registration.id)
"""


class RawTable(Table):
    pass


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="idmevents", description=DESCRIPTION)

    async def copy_delegates_honorific():
        await RawTable.raw(COPY)

    # Raw steps run before the column changes: the honorific is copied, then the column goes.
    manager.add_raw(copy_delegates_honorific)
    manager.drop_column(
        table_class_name="Delegate",
        tablename="delegate",
        column_name="honorific",
        db_column_name="honorific",
        schema=None,
    )
    return manager
