"""Held seats are kept for their delegation's State or organization: copied into the columns
the previous migration added."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.table import Table

ID = "2026-12-05T00:02:25:000000"
VERSION = "1.38.0"
DESCRIPTION = "seat_hold.country and organization copied from delegations"

COPY = """
    UPDATE seat_hold SET
        country = (SELECT d.country FROM delegation d WHERE d.seat_hold = seat_hold.id),
        organization = (SELECT d.organization FROM delegation d WHERE d.seat_hold = seat_hold.id)
    WHERE EXISTS (SELECT 1 FROM delegation d WHERE d.seat_hold = seat_hold.id)
"""


class RawTable(Table):
    pass


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="idmevents", description=DESCRIPTION)

    async def copy_from_delegations():
        await RawTable.raw(COPY)

    manager.add_raw(copy_from_delegations)
    return manager
