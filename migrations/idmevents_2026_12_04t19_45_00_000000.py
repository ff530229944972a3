"""The job table: long work (badge batches, exports) queued for the worker, with progress.

Written by hand, one `add_column` per column like Piccolo's own output, so that it runs on SQLite
and PostgreSQL alike (the table is new: no ALTER of an existing one).
"""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.columns.base import OnDelete, OnUpdate
from piccolo.columns.column_types import (
    Boolean,
    ForeignKey,
    Integer,
    Serial,
    Text,
    Timestamptz,
    Varchar,
)
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.columns.indexes import IndexMethod
from piccolo.table import Table

ID = "2026-12-04T19:45:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "job: long work run by the worker, with progress, cancel and a result file"


class Meeting(Table, tablename="meeting", schema=None):
    id = Serial(primary_key=True, db_column_name="id")


class User(Table, tablename="app_user", schema=None):
    id = Serial(primary_key=True, db_column_name="id")


def _params(**extra):
    return {
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


def _foreign_key(references, on_delete):
    return _params(
        references=references,
        on_delete=on_delete,
        on_update=OnUpdate.cascade,
        target_column=None,
        null=True,
        index=True,
        default=None,
    )


COLUMNS = [
    ("kind", Varchar, _params(length=40, default="")),
    ("meeting", ForeignKey, _foreign_key(Meeting, OnDelete.cascade)),
    ("created_by", ForeignKey, _foreign_key(User, OnDelete.set_null)),
    ("params", Text, _params(default="{}")),
    ("status", Varchar, _params(length=20, default="queued", index=True)),
    ("done", Integer, _params(default=0)),
    ("total", Integer, _params(default=0)),
    ("cancel_requested", Boolean, _params(default=False)),
    ("result_path", Varchar, _params(length=500, default="")),
    ("result_name", Varchar, _params(length=200, default="")),
    ("result_type", Varchar, _params(length=100, default="")),
    ("summary", Text, _params(default="")),
    ("error", Text, _params(default="")),
    ("created_at", Timestamptz, _params(default=TimestamptzNow())),
    ("started_at", Timestamptz, _params(null=True, default=None)),
    ("finished_at", Timestamptz, _params(null=True, default=None)),
    ("claimed_until", Timestamptz, _params(null=True, default=None)),
    ("attempts", Integer, _params(default=0)),
]


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="idmevents", description=DESCRIPTION)
    manager.add_table(class_name="Job", tablename="job", schema=None, columns=None)
    for name, column_class, params in COLUMNS:
        manager.add_column(
            table_class_name="Job",
            tablename="job",
            column_name=name,
            db_column_name=name,
            column_class_name=column_class.__name__,
            column_class=column_class,
            params=params,
            schema=None,
        )
    return manager
