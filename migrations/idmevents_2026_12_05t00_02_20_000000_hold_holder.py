"""Whom held seats are kept for: `seat_hold.country` (a State) and `seat_hold.organization`
(copied from each hold's delegation by the next migration), so that the desk, exports, badges
and check-in name a delegate's delegation (registrations and badges sit below delegations)."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.columns import Varchar
from piccolo.columns.indexes import IndexMethod

ID = "2026-12-05T00:02:20:000000"
VERSION = "1.38.0"
DESCRIPTION = "seat_hold.country and seat_hold.organization: whom the seats are kept for"


def _params(default, length):
    return {
        "length": length,
        "default": default,
        "null": False,
        "primary_key": False,
        "unique": False,
        "index": False,
        "index_method": IndexMethod.btree,
        "choices": None,
        "db_column_name": None,
        "secret": False,
    }


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="idmevents", description=DESCRIPTION)
    for column, length in (("country", 2), ("organization", 300)):
        manager.add_column(
            table_class_name="SeatHold",
            tablename="seat_hold",
            column_name=column,
            db_column_name=column,
            column_class_name="Varchar",
            column_class=Varchar,
            params=_params("", length),
            schema=None,
        )
    return manager
