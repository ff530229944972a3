"""Delegations, second step: a State is invited once per meeting (a unique index), and
`idmevents_register` leaves meetings with held seats to the Python path, which subtracts them
under the same lock (see registrations/services/_locks.py `_held_seats`)."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine.postgres import PostgresEngine
from piccolo.table import Table

ID = "2026-12-04T19:37:10:000000"
VERSION = "1.38.0"
DESCRIPTION = "Delegations: one per State and meeting; idmevents_register respects held seats"

# Works on SQLite too. A State is invited once per meeting; organizations have no code.
INDEXES = {
    "delegation_meeting_country_key": "delegation (meeting, country) WHERE country <> ''",
}

# The one-statement path (migration 2026-11-29T06:00:10) answers `held` for a meeting whose
# holds still keep seats: `registrations.services.register` then decides under the lock in Python,
# where `_locks._held_seats` subtracts them. Inserted right after the meeting row is locked.
HELD_CHECK = """
    IF (m.held_seats_release_at IS NULL OR p_now < m.held_seats_release_at)
        AND EXISTS (SELECT 1 FROM seat_hold h WHERE h.meeting = p_meeting)
    THEN
        RETURN QUERY SELECT 'held'::text, NULL::integer, NULL::text, NULL::integer, NULL::integer;
        RETURN;
    END IF;
"""
ANCHOR = "    PERFORM 1 FROM registration r\n"


LIST_CONSENT = (
    ("accessibility_needs, status,", "accessibility_needs, list_consent, status,"),
    (
        "p_values->>'accessibility_needs',\n        v_status,",
        "p_values->>'accessibility_needs',\n"
        "        coalesce((p_values->>'list_consent')::boolean, false), v_status,",
    ),
)


class RawTable(Table):
    pass


def _on_postgres() -> bool:
    return isinstance(RawTable._meta.db, PostgresEngine)


def _previous_function() -> str:
    """The function as the earlier migration wrote it, read from that file (by path: the
    migrations folder need not be importable as a package)."""
    import importlib.util
    from pathlib import Path

    path = Path(__file__).with_name("idmevents_2026_11_29t06_00_10_000000.py")
    spec = importlib.util.spec_from_file_location("_idmevents_register_2026_11_29", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.FUNCTION


def _function_with_held_check() -> str:
    previous = _previous_function()
    if ANCHOR not in previous:  # pragma: no cover - the earlier migration never changes
        raise RuntimeError("idmevents_register: anchor for the held-seats check not found")
    function = previous.replace(ANCHOR, HELD_CHECK + ANCHOR, 1)
    # The consent to appear on the list of participants (added by the previous migration).
    for old, new in LIST_CONSENT:
        if old not in function:  # pragma: no cover - the earlier migration never changes
            raise RuntimeError(f"idmevents_register: {old!r} not found")
        function = function.replace(old, new, 1)
    return function


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="idmevents", description=DESCRIPTION)

    async def create_indexes_and_function():
        for name, target in INDEXES.items():
            await RawTable.raw(f"CREATE UNIQUE INDEX {name} ON {target}")
        if _on_postgres():
            await RawTable.raw(_function_with_held_check())

    async def drop_indexes_and_function():
        for name in INDEXES:
            await RawTable.raw(f"DROP INDEX IF EXISTS {name}")
        if _on_postgres():
            await RawTable.raw(_previous_function())

    manager.add_raw(create_indexes_and_function)
    manager.add_raw_backwards(drop_indexes_and_function)
    return manager
