"""`idmevents_register` (PostgreSQL's one-statement registration) writes the honorific too."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine.postgres import PostgresEngine
from piccolo.table import Table

ID = "2026-12-05T00:02:10:000000"
VERSION = "1.38.0"
DESCRIPTION = "idmevents_register writes registration.honorific"

HONORIFIC = (
    (
        "accessibility_needs, list_consent, status,",
        "accessibility_needs, list_consent, honorific, status,",
    ),
    (
        "coalesce((p_values->>'list_consent')::boolean, false), v_status,",
        "coalesce((p_values->>'list_consent')::boolean, false),\n"
        "        coalesce(p_values->>'honorific', ''), v_status,",
    ),
)


class RawTable(Table):
    pass


def _on_postgres() -> bool:
    return isinstance(RawTable._meta.db, PostgresEngine)


def _previous_function() -> str:
    """The function as the held-seats migration wrote it (read by path: the migrations folder
    need not be importable as a package)."""
    import importlib.util
    from pathlib import Path

    path = Path(__file__).with_name("idmevents_2026_12_04t19_37_10_000000_delegations_held.py")
    spec = importlib.util.spec_from_file_location("_idmevents_register_2026_12_04", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module._function_with_held_check()


def _function_with_honorific() -> str:
    function = _previous_function()
    for old, new in HONORIFIC:
        if old not in function:  # pragma: no cover - the earlier migration never changes
            raise RuntimeError(f"idmevents_register: {old!r} not found")
        function = function.replace(old, new, 1)
    return function


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="idmevents", description=DESCRIPTION)

    async def create_function():
        if _on_postgres():
            await RawTable.raw(_function_with_honorific())

    async def restore_function():
        if _on_postgres():
            await RawTable.raw(_previous_function())

    manager.add_raw(create_function)
    manager.add_raw_backwards(restore_function)
    return manager
