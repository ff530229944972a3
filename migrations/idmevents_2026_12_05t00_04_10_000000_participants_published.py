"""The list of participants may be published: `meeting.participants_list_published` (off for
every existing meeting)."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.columns import Boolean
from piccolo.columns.indexes import IndexMethod

ID = "2026-12-05T00:04:10:000000"
VERSION = "1.38.0"
DESCRIPTION = "meeting.participants_list_published"


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="idmevents", description=DESCRIPTION)
    manager.add_column(
        table_class_name="Meeting",
        tablename="meeting",
        column_name="participants_list_published",
        db_column_name="participants_list_published",
        column_class_name="Boolean",
        column_class=Boolean,
        params={
            "default": False,
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
