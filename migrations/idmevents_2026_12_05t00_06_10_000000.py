"""Finding people fast at tens of thousands (PostgreSQL): the folded text stored, indexed as is.

The trigram index of `2026-12-04T19:56` was built on the expression
`idmevents_search_text(...)`: every row it proposes is rechecked by computing the expression
again (`unaccent` on five columns, some 20 µs a row), and a query the planner answers by scanning
the meeting's rows computes it for each of them: about 1 s a search at 50,000 registrations. The
folded text is now a stored generated column, `registration.search_text` (computed on insert and
update by PostgreSQL itself, never written by the app, unknown to its tables), and the trigram
index is on that column: rechecks and scans compare plain text. SQLite keeps its FTS5 table.
"""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine.postgres import PostgresEngine
from piccolo.table import Table

ID = "2026-12-05T00:06:10:000000"
VERSION = "1.38.0"
DESCRIPTION = "registration.search_text: the folded search text stored and trigram-indexed"

COLUMNS = "given_name, family_name, email, organization, checkin_id"

POSTGRES = [
    f"""ALTER TABLE registration ADD COLUMN IF NOT EXISTS search_text text
        GENERATED ALWAYS AS (idmevents_search_text({COLUMNS})) STORED""",
    """CREATE INDEX IF NOT EXISTS registration_search_text ON registration
        USING gin (search_text gin_trgm_ops)""",
    "DROP INDEX IF EXISTS registration_search",
    "ANALYZE registration",
]
POSTGRES_BACKWARDS = [
    f"""CREATE INDEX IF NOT EXISTS registration_search ON registration
        USING gin (idmevents_search_text({COLUMNS}) gin_trgm_ops)""",
    "DROP INDEX IF EXISTS registration_search_text",
    "ALTER TABLE registration DROP COLUMN IF EXISTS search_text",
]


class RawTable(Table):
    pass


def _on_postgres() -> bool:
    return isinstance(RawTable._meta.db, PostgresEngine)


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="idmevents", description=DESCRIPTION)

    async def create():
        if _on_postgres():
            for statement in POSTGRES:
                await RawTable.raw(statement)

    async def drop():
        if _on_postgres():
            for statement in POSTGRES_BACKWARDS:
                await RawTable.raw(statement)

    manager.add_raw(create)
    manager.add_raw_backwards(drop)
    return manager
