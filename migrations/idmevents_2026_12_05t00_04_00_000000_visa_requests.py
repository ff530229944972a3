"""Visa invitation letters end to end: the participants' requests (`visa_request`, one per
registration, with the passport details the letter prints; erased with the meeting's personal
data) and each meeting's letterhead (`letterhead`)."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.columns.base import OnDelete, OnUpdate
from piccolo.columns.column_types import Date, ForeignKey, Serial, Text, Timestamptz, Varchar
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.columns.indexes import IndexMethod
from piccolo.table import Table

ID = "2026-12-05T00:04:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "Visa letter requests and the meetings' letterheads"


def _stub(name: str, tablename: str) -> type[Table]:
    return type(
        name,
        (Table,),
        {"id": Serial(null=False, primary_key=True, db_column_name="id")},
        tablename=tablename,
    )


Meeting = _stub("Meeting", "meeting")
Registration = _stub("Registration", "registration")


def _params(**given):
    params = {
        "null": False,
        "primary_key": False,
        "unique": False,
        "index": False,
        "index_method": IndexMethod.btree,
        "choices": None,
        "db_column_name": None,
        "secret": False,
    }
    return params | given


def _fk(references, on_delete, **given):
    return _params(
        references=references,
        on_delete=on_delete,
        on_update=OnUpdate.cascade,
        target_column=None,
        **given,
    )


COLUMNS = {
    ("VisaRequest", "visa_request"): [
        ("registration", ForeignKey, _fk(Registration, OnDelete.cascade, unique=True)),
        ("status", Varchar, _params(length=20, default="pending")),
        ("passport_name", Varchar, _params(length=200, default="")),
        ("nationality", Varchar, _params(length=2, default="")),
        ("birth_date", Date, _params(default=None, null=True)),
        ("passport_number", Varchar, _params(length=20, default="")),
        ("passport_expiry", Date, _params(default=None, null=True)),
        ("arrival", Date, _params(default=None, null=True)),
        ("departure", Date, _params(default=None, null=True)),
        ("purpose", Text, _params(default="")),
        ("decline_reason", Text, _params(default="")),
        ("letter_code", Varchar, _params(length=32, default="")),
        ("created_at", Timestamptz, _params(default=TimestamptzNow())),
        ("decided_at", Timestamptz, _params(default=None, null=True)),
    ],
    ("Letterhead", "letterhead"): [
        ("meeting", ForeignKey, _fk(Meeting, OnDelete.cascade, unique=True)),
        ("organization", Varchar, _params(length=300, default="")),
        ("address", Text, _params(default="")),
        ("signatory_name", Varchar, _params(length=200, default="")),
        ("signatory_title", Varchar, _params(length=200, default="")),
        ("logo", Text, _params(default="")),
        ("updated_at", Timestamptz, _params(default=TimestamptzNow())),
    ],
}


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="idmevents", description=DESCRIPTION)
    for (class_name, tablename), columns in COLUMNS.items():
        manager.add_table(class_name=class_name, tablename=tablename, schema=None, columns=None)
        for name, column_class, params in columns:
            manager.add_column(
                table_class_name=class_name,
                tablename=tablename,
                column_name=name,
                db_column_name=name,
                column_class_name=column_class.__name__,
                column_class=column_class,
                params=params,
                schema=None,
            )
    return manager
