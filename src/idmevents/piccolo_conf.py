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
# Set on every PostgreSQL connection we open. random_page_cost: the default (4) prices a page read
# as a spinning disk's; our tables live in memory or on SSD, where 1.1 is the usual figure. With 4,
# the planner answers a desk search matching one name in ten by scanning the meeting's 50,000 rows
# (70 ms) rather than by the trigram index (10 ms); see bench/README.md, issue 16.
POSTGRES_SETTINGS = {"random_page_cost": "1.1"}


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
        return PostgresEngine(
            config={"dsn": database.url, "server_settings": POSTGRES_SETTINGS}, log_queries=False
        )
    raise ValueError(
        f"IDMEVENTS_DATABASE_URL must start with sqlite:/// or postgresql://, not {database.url!r}"
    )


DB = engine_for(get_settings().database)

APP_REGISTRY = AppRegistry(apps=["idmevents.piccolo_app"])
