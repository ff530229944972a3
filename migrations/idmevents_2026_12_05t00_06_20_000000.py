"""The desk's list by date, a page at a time: an index in the list's order.

The desk's default order is by registration date (newest first), a page of 25–100 at a time. With
no index in that order, every page sorted the meeting's rows: 70 ms at 50,000 registrations. With
(meeting, created_at, id) the database reads the page's rows off the index: 0.1 ms (EXPLAIN
ANALYZE, bench/README.md, issue 16). Both engines.
"""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.table import Table

ID = "2026-12-05T00:06:20:000000"
VERSION = "1.38.0"
DESCRIPTION = "index registration (meeting, created_at, id): the desk's pages by date"


class RawTable(Table):
    pass


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="idmevents", description=DESCRIPTION)

    async def create():
        await RawTable.raw(
            "CREATE INDEX IF NOT EXISTS registration_meeting_created "
            "ON registration (meeting, created_at, id)"
        )

    async def drop():
        await RawTable.raw("DROP INDEX IF EXISTS registration_meeting_created")

    manager.add_raw(create)
    manager.add_raw_backwards(drop)
    return manager
