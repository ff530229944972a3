"""Seat squatting, second guard: "confirm your address first", per meeting.

`meeting.confirm_email_first` (off for every existing meeting) and `meeting.confirm_within_hours`
(24): in such a meeting a new registration takes its seat or waiting-list place at once but holds
it only until `registration.unconfirmed_until`, unless the person follows the link in their email;
the worker releases what is still unconfirmed then (registrations/confirmation.py). NULL: the
address is confirmed, or needed no confirmation.
"""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.columns import Boolean, Integer, Timestamptz
from piccolo.columns.indexes import IndexMethod

ID = "2026-12-05T00:01:10:000000"
VERSION = "1.38.0"
DESCRIPTION = "confirm your address first: meeting setting, registration deadline"


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
    ("Meeting", "meeting", "confirm_email_first", Boolean, _params(False)),
    ("Meeting", "meeting", "confirm_within_hours", Integer, _params(24)),
    (
        "Registration",
        "registration",
        "unconfirmed_until",
        Timestamptz,
        _params(None) | {"null": True, "index": True},
    ),
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
