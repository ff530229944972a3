"""Piccolo's configuration: the engine chosen from IDMEVENTS_DATABASE_URL, and our one app.

Piccolo binds every table to this engine on first use; `db.py` builds on it.
"""

from __future__ import annotations

import logging
import sqlite3
from typing import TYPE_CHECKING

from piccolo.conf.apps import AppRegistry
from piccolo.engine.postgres import PostgresEngine
from piccolo.engine.sqlite import SQLiteEngine

from idmevents.settings import get_settings

if TYPE_CHECKING:
    from piccolo.engine.base import Engine

    from idmevents.settings import DatabaseSettings

SQLITE_BUSY_TIMEOUT_SECONDS = 60


class _ExactSQLiteVersion(logging.Filter):
    """Piccolo logs the SQLite version as a float, so 3.40 reads "Sqlite version 3.4": say it whole."""

    def filter(self, record: logging.LogRecord) -> bool:
        if str(record.msg).startswith("Running Sqlite version"):
            record.msg, record.args = "Running SQLite %s", (sqlite3.sqlite_version,)
        return True


logging.getLogger("piccolo.engine.base").addFilter(_ExactSQLiteVersion())


def engine_for(database: DatabaseSettings) -> Engine:
    if database.is_sqlite:
        # A long busy timeout: IMMEDIATE transactions queue behind each other instead of failing.
        return SQLiteEngine(path=database.sqlite_path, timeout=SQLITE_BUSY_TIMEOUT_SECONDS)
    if database.url.startswith(("postgresql://", "postgres://")):
        return PostgresEngine(config={"dsn": database.url}, log_queries=False)
    raise ValueError(
        f"IDMEVENTS_DATABASE_URL must start with sqlite:/// or postgresql://, not {database.url!r}"
    )


DB = engine_for(get_settings().database)

APP_REGISTRY = AppRegistry(apps=["idmevents.piccolo_app"])
