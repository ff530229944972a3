"""meeting.retention_days and meeting.personal_data_erased_at: personal data has a lifetime.

N days (default 180) after a meeting's last day the worker erases what the attendance record does
not need (registrations/retention.py) and marks the meeting with the time it did.
"""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.columns.column_types import Integer, Timestamptz
from piccolo.columns.indexes import IndexMethod

ID = "2026-12-04T19:47:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "meeting.retention_days, meeting.personal_data_erased_at"

COMMON = {
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
    manager.add_column(
        table_class_name="Meeting",
        tablename="meeting",
        column_name="retention_days",
        db_column_name="retention_days",
        column_class_name="Integer",
        column_class=Integer,
        params={"default": 180, "null": False, **COMMON},
        schema=None,
    )
    manager.add_column(
        table_class_name="Meeting",
        tablename="meeting",
        column_name="personal_data_erased_at",
        db_column_name="personal_data_erased_at",
        column_class_name="Timestamptz",
        column_class=Timestamptz,
        params={"default": None, "null": True, **COMMON},
        schema=None,
    )
    return manager
