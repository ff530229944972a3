"""Seat squatting, first signal: `registration.client_network`, the coarse network a registration
came from (an IPv4 /24 or an IPv6 /48, never the address itself), which the desk's suspicious
bursts group by. Erased with the other personal data (registrations/retention.py). Existing
registrations have none.
"""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.columns import Varchar
from piccolo.columns.indexes import IndexMethod

ID = "2026-12-05T00:01:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "registration.client_network: the coarse network a registration came from"


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="idmevents", description=DESCRIPTION)
    manager.add_column(
        table_class_name="Registration",
        tablename="registration",
        column_name="client_network",
        db_column_name="client_network",
        column_class_name="Varchar",
        column_class=Varchar,
        params={
            "length": 64,
            "default": "",
            "null": False,
            "primary_key": False,
            "unique": False,
            "index": False,
            "index_method": IndexMethod.btree,
            "choices": None,
            "db_column_name": None,
            "secret": False,
        },
        schema=None,
    )
    return manager
