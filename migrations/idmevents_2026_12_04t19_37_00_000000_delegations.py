"""Delegations: seats held per meeting (registrations' `seat_hold`), the meeting's release date,
the `delegation` and `delegate` tables. The next migration adds their indexes and teaches
`idmevents_register` about held seats (Piccolo runs a migration's raw SQL before its tables)."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.columns.base import OnDelete, OnUpdate
from piccolo.columns.column_types import Boolean, ForeignKey, Integer, Serial, Timestamptz, Varchar
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.columns.indexes import IndexMethod
from piccolo.table import Table

ID = "2026-12-04T19:37:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "Delegations, their quotas held as seats, and the release date of held seats"


def _stub(name: str, tablename: str) -> type[Table]:
    return type(
        name,
        (Table,),
        {"id": Serial(null=False, primary_key=True, db_column_name="id")},
        tablename=tablename,
    )


Meeting = _stub("Meeting", "meeting")
Registration = _stub("Registration", "registration")
SeatHold = _stub("SeatHold", "seat_hold")
Delegation = _stub("Delegation", "delegation")


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
    ("SeatHold", "seat_hold"): [
        ("meeting", ForeignKey, _fk(Meeting, OnDelete.cascade, index=True)),
        ("seats", Integer, _params(default=0)),
        ("created_at", Timestamptz, _params(default=TimestamptzNow())),
    ],
    ("Delegation", "delegation"): [
        ("meeting", ForeignKey, _fk(Meeting, OnDelete.cascade, index=True)),
        ("country", Varchar, _params(length=2, default="")),
        ("organization", Varchar, _params(length=300, default="")),
        ("focal_point_name", Varchar, _params(length=200, default="")),
        ("focal_point_email", Varchar, _params(length=320, default="")),
        ("focal_point_mission", Varchar, _params(length=300, default="")),
        ("quota", Integer, _params(default=0)),
        ("seat_hold", ForeignKey, _fk(SeatHold, OnDelete.set_null, null=True)),
        ("token", Varchar, _params(length=64, default=None, null=True, unique=True)),
        ("token_email", Varchar, _params(length=320, default="")),
        ("head", ForeignKey, _fk(Registration, OnDelete.set_null, null=True)),
        ("created_at", Timestamptz, _params(default=TimestamptzNow())),
        ("updated_at", Timestamptz, _params(default=TimestamptzNow())),
    ],
    ("Delegate", "delegate"): [
        ("delegation", ForeignKey, _fk(Delegation, OnDelete.cascade, index=True)),
        ("registration", ForeignKey, _fk(Registration, OnDelete.cascade, unique=True)),
        ("honorific", Varchar, _params(length=50, default="")),
        ("created_at", Timestamptz, _params(default=TimestamptzNow())),
    ],
    ("VisaLetter", "visa_letter"): [
        ("registration", ForeignKey, _fk(Registration, OnDelete.cascade, index=True)),
        ("code", Varchar, _params(length=32, default="", unique=True)),
        ("created_at", Timestamptz, _params(default=TimestamptzNow())),
    ],
}


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="idmevents", description=DESCRIPTION)
    manager.add_column(
        table_class_name="Meeting",
        tablename="meeting",
        column_name="held_seats_release_at",
        db_column_name="held_seats_release_at",
        column_class_name="Timestamptz",
        column_class=Timestamptz,
        params=_params(default=None, null=True),
        schema=None,
    )
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
    manager.add_column(
        table_class_name="Registration",
        tablename="registration",
        column_name="seat_hold",
        db_column_name="seat_hold",
        column_class_name="ForeignKey",
        column_class=ForeignKey,
        params=_fk(SeatHold, OnDelete.set_null, null=True, index=True),
        schema=None,
    )

    manager.add_column(
        table_class_name="Registration",
        tablename="registration",
        column_name="list_consent",
        db_column_name="list_consent",
        column_class_name="Boolean",
        column_class=Boolean,
        params=_params(default=False),
        schema=None,
    )
    return manager
