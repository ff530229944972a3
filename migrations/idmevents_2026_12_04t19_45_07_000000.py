"""Meeting content in English, French and Spanish.

`meeting.original_language` names the language of the text columns; `translations` (JSON, on
meeting, room, meeting_session and panelist) holds the other languages:
{"fr": {"title": …}, "es": {…}}. Rows that exist keep their text as the original (English).
"""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.columns.column_types import JSON, Varchar
from piccolo.columns.indexes import IndexMethod

ID = "2026-12-04T19:45:07:000000"
VERSION = "1.38.0"
DESCRIPTION = "meeting.original_language and translations of meeting content"


def _params(default, **extra):
    return {
        "default": default,
        "null": False,
        "primary_key": False,
        "unique": False,
        "index": False,
        "index_method": IndexMethod.btree,
        "choices": None,
        "db_column_name": None,
        "secret": False,
        **extra,
    }


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="idmevents", description=DESCRIPTION)

    manager.add_column(
        table_class_name="Meeting",
        tablename="meeting",
        column_name="original_language",
        db_column_name="original_language",
        column_class_name="Varchar",
        column_class=Varchar,
        params=_params("en", length=8),
        schema=None,
    )
    for class_name, tablename in (
        ("Meeting", "meeting"),
        ("Room", "room"),
        ("MeetingSession", "meeting_session"),
        ("Panelist", "panelist"),
    ):
        manager.add_column(
            table_class_name=class_name,
            tablename=tablename,
            column_name="translations",
            db_column_name="translations",
            column_class_name="JSON",
            column_class=JSON,
            params=_params("{}"),
            schema=None,
        )

    return manager
