"""Attendance modes: meetings in person, online or hybrid, and their links.

`meeting.mode` (in_person | online | hybrid), `meeting.capacity_online` (a hybrid meeting's online
places; `capacity` is then the room's), `meeting.webcast_url` and `meeting_session.webcast_url`
(public), `meeting.remote_url` (for registered online participants only), and
`registration.attendance` (in_person | online). Every existing meeting stays in person, every
existing registration in the room.
"""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.columns import Integer, Varchar
from piccolo.columns.indexes import IndexMethod

ID = "2026-12-04T19:58:31:150015"
VERSION = "1.38.0"
DESCRIPTION = "attendance modes: meeting mode, online capacity, webcast and remote links"


def _params(default, **more):
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
        **more,
    }


COLUMNS = [
    ("Meeting", "meeting", "mode", Varchar, _params("in_person", length=20)),
    ("Meeting", "meeting", "capacity_online", Integer, _params(None) | {"null": True}),
    ("Meeting", "meeting", "webcast_url", Varchar, _params("", length=500)),
    ("Meeting", "meeting", "remote_url", Varchar, _params("", length=500)),
    ("MeetingSession", "meeting_session", "webcast_url", Varchar, _params("", length=500)),
    ("Registration", "registration", "attendance", Varchar, _params("in_person", length=20)),
]


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="idmevents", description=DESCRIPTION)
    for class_name, tablename, column, column_class, params in COLUMNS:
        manager.add_column(
            table_class_name=class_name,
            tablename=tablename,
            column_name=column,
            db_column_name=column,
            column_class_name=column_class.__name__,
            column_class=column_class,
            params=params,
            schema=None,
        )
    return manager
