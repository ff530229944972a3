"""Interpretation: the languages each session is interpreted into, and the meeting's default.

`meeting.interpretation` and `meeting_session.interpretation` hold language codes joined by commas
("ar,zh,en,fr,ru,es"); empty, as every existing meeting and session starts, says nothing about
interpretation.
"""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.columns import Varchar
from piccolo.columns.indexes import IndexMethod

ID = "2026-12-05T00:05:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "interpretation languages of meetings and sessions"

PARAMS = {
    "default": "",
    "null": False,
    "primary_key": False,
    "unique": False,
    "index": False,
    "index_method": IndexMethod.btree,
    "choices": None,
    "db_column_name": None,
    "secret": False,
    "length": 200,
}


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="idmevents", description=DESCRIPTION)
    for class_name, tablename in (("Meeting", "meeting"), ("MeetingSession", "meeting_session")):
        manager.add_column(
            table_class_name=class_name,
            tablename=tablename,
            column_name="interpretation",
            db_column_name="interpretation",
            column_class_name="Varchar",
            column_class=Varchar,
            params=PARAMS,
            schema=None,
        )
    return manager
