"""The test database: this run's own PostgreSQL database, made and dropped, and every table emptied."""

from __future__ import annotations

import asyncio
import os

import pytest


def create_postgres_database() -> str:
    """A fresh database for this run on IDMEVENTS_TEST_POSTGRES_URL's server; returns its URL."""
    import asyncpg

    server = os.environ.get("IDMEVENTS_TEST_POSTGRES_URL")
    if not server:
        raise pytest.UsageError("IDMEVENTS_TEST_ENGINE=postgres needs IDMEVENTS_TEST_POSTGRES_URL")
    name = f"idmevents_test_{os.getpid()}"

    async def create() -> None:
        connection = await asyncpg.connect(server)
        try:
            await connection.execute(f'DROP DATABASE IF EXISTS "{name}"')
            await connection.execute(f'CREATE DATABASE "{name}"')
            # A commit need not wait for its WAL record to reach the disk: a test database
            # outlives no crash, and what other connections see does not change.
            await connection.execute(f'ALTER DATABASE "{name}" SET synchronous_commit = off')
        finally:
            await connection.close()

    asyncio.run(create())
    base, _, _ = server.rpartition("/")
    return f"{base}/{name}"


def drop_postgres_database() -> None:
    """Drop this run's PostgreSQL database, so that runs do not pile up databases."""
    import asyncpg

    name = os.environ["IDMEVENTS_DATABASE_URL"].rpartition("/")[2]

    async def drop() -> None:
        connection = await asyncpg.connect(os.environ["IDMEVENTS_TEST_POSTGRES_URL"])
        try:
            await connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        finally:
            await connection.close()

    asyncio.run(drop())


async def truncate_all() -> None:
    """Empty every table in one round trip (children before parents, so foreign keys never object).

    DELETE on a handful of small tables is far cheaper than TRUNCATE, which rewrites files on
    PostgreSQL (about a second per test); sequences restart so ids are the same on both engines.
    On SQLite the DELETEs share one transaction: one commit, not one per table.
    """
    # Imported here: this module is loaded before the environment idmevents reads is set.
    from idmevents.db import all_tables, is_sqlite

    names = [table._meta.tablename for table in reversed(all_tables())]
    url = os.environ["IDMEVENTS_DATABASE_URL"]
    if is_sqlite():
        import sqlite3

        connection = sqlite3.connect(url.removeprefix("sqlite:///"), timeout=60)
        try:
            connection.executescript(
                "BEGIN IMMEDIATE;" + "".join(f'DELETE FROM "{name}";' for name in names) + "COMMIT;"
            )
        finally:
            connection.close()
    else:
        import asyncpg

        script = "".join(
            f'DELETE FROM "{name}"; ALTER SEQUENCE "{name}_id_seq" RESTART;' for name in names
        )
        connection = await asyncpg.connect(url)
        try:
            await connection.execute(script)
        finally:
            await connection.close()
