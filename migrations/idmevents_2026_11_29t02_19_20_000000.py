"""The badge check-in id is unique: a unique index, since SQLite cannot ADD COLUMN ... UNIQUE.

A separate migration because Piccolo runs a migration's raw steps before its column changes.
NULLs (no badge shown or printed yet) do not collide on either engine.
"""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.table import Table

ID = "2026-11-29T02:19:20:000000"
VERSION = "1.38.0"
DESCRIPTION = "unique index on registration.checkin_id"


class RawTable(Table):
    pass


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="idmevents", description=DESCRIPTION)

    async def create_index():
        await RawTable.raw(
            "CREATE UNIQUE INDEX registration_checkin_id ON registration (checkin_id)"
        )

    async def drop_index():
        await RawTable.raw("DROP INDEX IF EXISTS registration_checkin_id")

    manager.add_raw(create_index)
    manager.add_raw_backwards(drop_index)
    return manager
