"""Participants' honorific (H.E., Ambassador, Dr…): one `registration.honorific` column for
everyone, printed on badges and lists.

Delegates named by a focal point kept theirs in `delegate.honorific`: the next migration copies it
into their registration and drops that column, so that one field serves every participant.
"""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.columns import Varchar
from piccolo.columns.indexes import IndexMethod

ID = "2026-12-05T00:02:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "registration.honorific"


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="idmevents", description=DESCRIPTION)
    manager.add_column(
        table_class_name="Registration",
        tablename="registration",
        column_name="honorific",
        db_column_name="honorific",
        column_class_name="Varchar",
        column_class=Varchar,
        params={
            "length": 50,
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
