"""The database engine and the one helper that hides how SQLite and PostgreSQL serialise writes."""

from __future__ import annotations

import contextlib
import logging
import socket
import sqlite3
from collections.abc import AsyncIterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

from piccolo.engine.postgres import PostgresEngine
from piccolo.engine.sqlite import SQLiteEngine, TransactionType
from piccolo.query.methods.raw import Raw
from piccolo.querystring import QueryString

from idmevents.errors import NotFound
from idmevents.piccolo_conf import DB
from idmevents.settings import create_private_file
from idmevents.validation import is_row_id

if TYPE_CHECKING:
    from piccolo.columns import Column, ForeignKey
    from piccolo.engine.base import Engine
    from piccolo.query import Select
    from piccolo.table import Table


def engine() -> Engine:
    return DB


def is_sqlite() -> bool:
    return isinstance(engine(), SQLiteEngine)


@contextlib.asynccontextmanager
async def write_transaction() -> AsyncIterator[None]:
    """A transaction in which the rows read with `locked()` cannot change under us.

    SQLite: BEGIN IMMEDIATE takes the database's write lock at once, so two of these run one after
    the other. PostgreSQL: an ordinary transaction; callers lock the rows they decide on with
    `locked()`, which adds FOR UPDATE.
    """
    db = engine()
    if isinstance(db, SQLiteEngine):
        async with db.transaction(transaction_type=TransactionType.immediate):
            yield
    else:
        async with db.transaction():
            yield


def locked(query):
    """Add FOR UPDATE to a select on PostgreSQL; on SQLite the IMMEDIATE transaction already serialises."""
    if is_sqlite():
        return query
    return query.lock_rows()


def through(foreign_key: ForeignKey, *names: str, **renamed: str) -> list[Column]:
    """Columns of the row a foreign key points at, for a select that reads both rows in one query.

    Each column is named in the result by its own name, or as `renamed` says:
    `through(ApiToken.user, "email", id="user_id")` reads the user's email as `email` and id as
    `user_id`. A chain works too: `through(SessionPanelist.meeting_session.meeting, "slug")`.
    """
    columns = {name: name for name in names} | renamed
    return [getattr(foreign_key, name).as_alias(alias) for name, alias in columns.items()]


async def by_id(query: Select, row_id: object, missing: Exception) -> dict:
    """The row of `query` (a select of one table) whose id is `row_id`; raises `missing` when there
    is none, or when `row_id` is not a row id at all (a number the database cannot hold)."""
    if not is_row_id(row_id):
        raise missing
    return await first_found(query.where(query.table.id == row_id), missing)


def joined(foreign_key: Any, *names: str, prefix: str = "") -> list[Any]:
    """Columns of the table `foreign_key` points to, each under its own name (after `prefix`)
    rather than Piccolo's "fk.name": `joined(Registration.meeting, "slug", prefix="meeting_")`."""
    return through(foreign_key, **{name: prefix + name for name in names})


async def first_found(query: Any, missing: str | Exception) -> dict:
    """The first row of `query`; when there is none, raises `missing` (an exception), or
    NotFound(`missing`) for a message."""
    row = await query.first()
    if row is None:
        raise missing if isinstance(missing, Exception) else NotFound(missing)
    return row


async def insert_many(
    table: type[Table],
    rows: list[dict],
    *,
    returning: tuple[str, ...] = (),
    skip_conflicts: bool = False,
) -> list[dict]:
    """Insert `rows` (dicts with the same keys: column names) in one statement; returns the
    `returning` columns of the rows written (with `skip_conflicts`, those a UNIQUE index let in).

    PostgreSQL: one array per column, spread by `unnest`: a thousand rows cost a few parameters,
    not a Piccolo object and a placeholder per value, whose building took longer than the
    database's writing (bulk imports, notices to tens of thousands). SQLite: Piccolo's insert.
    """
    if not rows:
        return []
    if is_sqlite():
        query = table.insert(*(table(**row) for row in rows))
        if skip_conflicts:
            query = query.on_conflict(action="DO NOTHING")
        if returning:
            return await query.returning(*(table._meta.get_column_by_name(n) for n in returning))
        await query
        return []
    names = list(rows[0])
    columns = [table._meta.get_column_by_name(name) for name in names]
    arrays = ", ".join(f"{{}}::{column.column_type}[]" for column in columns)
    quoted = ", ".join(f'"{column._meta.db_column_name}"' for column in columns)
    sql = f'INSERT INTO "{table._meta.tablename}" ({quoted}) SELECT * FROM unnest({arrays})'
    if skip_conflicts:
        sql += " ON CONFLICT DO NOTHING"
    if returning:
        sql += " RETURNING " + ", ".join(f'"{name}"' for name in returning)
    # Raw(...) rather than table.raw(...): a column may be called `raw` (the outbox's is).
    arguments = ([row[name] for row in rows] for name in names)
    return await Raw(table, querystring=QueryString(sql, *arguments)) or []


async def analyze(table: type[Table]) -> None:
    """Refresh the planner's statistics of `table` after a bulk write.

    A table that grew from nothing in one import has no statistics until autovacuum gets to it
    (if it runs at all): PostgreSQL then plans lookups as if it were empty, and answers a 500-key
    `IN` by scanning the meeting's rows. ANALYZE samples the table: some tens of milliseconds.
    """
    await Raw(table, querystring=QueryString(f'ANALYZE "{table._meta.tablename}"'))


async def inserted(table: type[Table], values: dict) -> dict:
    """Insert one row of `table` from `values` (column name: value) and return the values with
    the new row's `id`."""
    rows = await table.insert(table(**values)).returning(table.id)
    return values | {"id": rows[0]["id"]}


def is_unique_violation(exc: BaseException) -> bool:
    """Whether a failed write broke a UNIQUE index (the backstop behind a check that came first)."""
    if isinstance(exc, sqlite3.IntegrityError):
        return "UNIQUE" in str(exc)
    try:
        from asyncpg.exceptions import UniqueViolationError
    except ImportError:  # pragma: no cover - asyncpg comes with piccolo[postgres]
        return False
    return isinstance(exc, UniqueViolationError)


# What an answer says when the database cannot be reached: try again after this many seconds.
OUTAGE_RETRY_AFTER_SECONDS = 30
# SQLite errors that mean the file cannot be used at all ("database is locked" is contention, not
# an outage: it is left to the busy timeout and the ordinary error path).
_SQLITE_OUTAGE_MESSAGES = ("unable to open database file", "disk i/o error", "readonly database")


def _postgres_outage_types() -> tuple[type[BaseException], ...]:
    try:
        from asyncpg import exceptions as pg
    except ImportError:  # pragma: no cover - asyncpg comes with piccolo[postgres]
        return ()
    return (
        pg.PostgresConnectionError,  # class 08: the connection failed or was lost
        pg.CannotConnectNowError,  # the server is starting or shutting down
        pg.AdminShutdownError,  # pg_terminate_backend, a fast shutdown
        pg.CrashShutdownError,
        pg.TooManyConnectionsError,
        pg.InvalidCatalogNameError,  # the database is gone (dropped, renamed)
        pg.ConnectionDoesNotExistError,  # a pooled connection that the server closed
        pg.InterfaceError,  # the client's side of a lost connection
    )


def is_database_outage(exc: BaseException) -> bool:
    """Whether `exc` (or what caused it) means the database cannot be reached right now."""
    seen = 0
    current: BaseException | None = exc
    while current is not None and seen < 5:
        if isinstance(current, ConnectionError | TimeoutError | socket.gaierror):
            return True
        if isinstance(current, _postgres_outage_types()):
            return True
        if isinstance(current, sqlite3.OperationalError) and str(current).lower().startswith(
            _SQLITE_OUTAGE_MESSAGES
        ):
            return True
        current = current.__cause__ or current.__context__
        seen += 1
    return False


# Connections a pool opens at start; the rest open on demand, up to IDMEVENTS_DB_POOL_SIZE.
POOL_MIN_SIZE = 2


async def start_pool(size: int) -> None:
    """This process's PostgreSQL pool: at most `size` connections (0: a connection per query).

    Every process (each `serve` worker, each `idmevents worker`) has its own pool, so the server
    sees up to size × processes connections: keep that under PostgreSQL's max_connections.
    """
    db = engine()
    if isinstance(db, PostgresEngine) and size > 0:
        # asyncpg's own min_size is 10, which it refuses above a smaller max_size.
        await db.start_connection_pool(min_size=min(POOL_MIN_SIZE, size), max_size=size)


async def close_pool() -> None:
    db = engine()
    if isinstance(db, PostgresEngine) and db.pool is not None:
        await db.close_connection_pool()


async def database_answers() -> bool:
    try:
        rows = await engine()._run_in_new_connection("SELECT 1 AS ok")
    except Exception:  # any failure to reach the database means "not healthy"
        return False
    return bool(rows)


async def configure_sqlite(*, create: bool = False) -> None:
    """WAL lets readers go on while one writer holds the lock; set once per database file.

    A missing file is created readable by this account only (participants' personal data): in
    its directory when that exists, and with the directory (0700) when `create` (`migrate`).
    A database that cannot be opened is left for /health to report: the app still starts.
    """
    if is_sqlite():
        path = Path(engine().path)
        try:
            if create or path.parent.is_dir():
                create_private_file(path)
            await engine()._run_in_new_connection("PRAGMA journal_mode=WAL")
        except Exception as exc:  # sqlite3.OperationalError and friends
            logging.getLogger(__name__).warning("could not set WAL mode: %s", exc)


def all_tables() -> list[type[Table]]:
    from idmevents.piccolo_app import TABLES

    return list(TABLES)
