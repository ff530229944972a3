"""Backup and restore of the embedded SQLite database, consistent while the app serves.

Both go through SQLite's online backup API: a backup copies a snapshot page by page while
writers go on; a restore copies the backup into the live file under SQLite's own locks, so
processes that have it open see either the old database or the restored one, never a mix.
PostgreSQL has its own tools (pg_dump, pg_restore: deploy/README.md).
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

from idmevents.settings import create_private_file

# The table Piccolo records applied migrations in: a file without it is not one of ours.
MIGRATIONS_TABLE = "migration"


class BackupError(Exception):
    """A backup or restore that cannot be done; the message says why, for the operator."""


def _connect(path: Path) -> sqlite3.Connection:
    return sqlite3.connect(path, timeout=60)


def backup(database: Path, target: Path) -> dict[str, int]:
    """Copy `database` into a new file `target`; returns the row count of every table."""
    if target.exists():
        raise BackupError(f"{target} exists already: choose a new file name")
    if not database.exists():
        raise BackupError(f"there is no database at {database}")
    create_private_file(target)
    source = _connect(database)
    copy = _connect(target)
    try:
        source.backup(copy)
        copy.execute("PRAGMA journal_mode=DELETE")  # one self-contained file
        return table_counts(copy)
    finally:
        copy.close()
        source.close()


def check_backup(path: Path) -> dict[str, int]:
    """The row counts of a backup file, after checking that it is whole and is ours."""
    if not path.is_file():
        raise BackupError(f"there is no backup at {path}")
    try:
        connection = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        try:
            result = connection.execute("PRAGMA integrity_check").fetchone()[0]
            if result != "ok":
                raise BackupError(f"{path} is damaged: {result}")
            counts = table_counts(connection)
        finally:
            connection.close()
    except sqlite3.DatabaseError as exc:
        raise BackupError(f"{path} is not an SQLite database: {exc}") from None
    if MIGRATIONS_TABLE not in counts:
        raise BackupError(f"{path} is not an idmevents database (no {MIGRATIONS_TABLE} table)")
    return counts


def restore(source: Path, database: Path) -> dict[str, int]:
    """Replace the content of `database` with the backup `source`; returns its row counts."""
    counts = check_backup(source)
    create_private_file(database)
    backup_file = sqlite3.connect(f"file:{source}?mode=ro", uri=True)
    live = _connect(database)
    try:
        backup_file.backup(live)
    finally:
        live.close()
        backup_file.close()
    return counts


def table_counts(connection: sqlite3.Connection) -> dict[str, int]:
    names = [
        row[0]
        for row in connection.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
        )
    ]
    return {
        name: connection.execute(f'SELECT COUNT(*) FROM "{name}"').fetchone()[0]
        for name in sorted(names)
    }
