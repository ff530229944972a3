"""Composite uniqueness, as unique indexes: SQLite cannot ALTER TABLE ... ADD CONSTRAINT."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.table import Table

ID = "2026-11-29T02:05:00:000000"
VERSION = "1.38.0"
DESCRIPTION = (
    "unique indexes: one registration per email, one choice per session, one role per panelist"
)

INDEXES = {
    "registration_one_per_email": "registration (meeting, email_key)",
    "session_attendance_one_choice": "session_attendance (registration, meeting_session)",
    "session_panelist_one_role": "session_panelist (meeting_session, panelist)",
}


class RawTable(Table):
    pass


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="idmevents", description=DESCRIPTION)

    async def create_indexes():
        for name, target in INDEXES.items():
            await RawTable.raw(f"CREATE UNIQUE INDEX {name} ON {target}")

    async def drop_indexes():
        for name in INDEXES:
            await RawTable.raw(f"DROP INDEX IF EXISTS {name}")

    manager.add_raw(create_indexes)
    manager.add_raw_backwards(drop_indexes)
    return manager
