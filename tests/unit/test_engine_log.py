"""What Piccolo says about the database when an engine starts."""

import logging
import sqlite3

from piccolo.engine.sqlite import SQLiteEngine

import idmevents.piccolo_conf  # noqa: F401  (installs the log filter)


def test_the_sqlite_version_is_logged_whole_not_as_a_float(tmp_path, caplog):
    with caplog.at_level(logging.INFO):
        SQLiteEngine(path=str(tmp_path / "version.sqlite3"))
    said = [
        record.getMessage() for record in caplog.records if "sqlite" in record.getMessage().lower()
    ]
    assert said == [f"Running SQLite {sqlite3.sqlite_version}"]
