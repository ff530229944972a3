"""Finding people fast: an index of names, addresses, organizations and badge codes.

The desk and check-in search for words in a registration's given and family names, email,
organization and badge check-in id, without regard to accents or case ("muller" finds Müller).
Each engine indexes that with its own tools:

- PostgreSQL: `idmevents_search_text(...)` folds the five columns to lower case without accents
  (the `unaccent` extension), and a trigram GIN index (`pg_trgm`) on it answers
  `LIKE '%word%'`: any part of a word is found. Both extensions are "trusted": the database's
  owner may create them.
- SQLite: an FTS5 table over the same columns, kept by triggers, tokenized with
  `unicode61 remove_diacritics 2`: words are found by their beginning ("mül", "mull", "muller").
"""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine.postgres import PostgresEngine
from piccolo.table import Table

ID = "2026-12-04T19:56:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "search index of registrations: pg_trgm + unaccent, or SQLite FTS5"

COLUMNS = "given_name, family_name, email, organization, checkin_id"

POSTGRES = [
    "CREATE EXTENSION IF NOT EXISTS pg_trgm",
    "CREATE EXTENSION IF NOT EXISTS unaccent",
    # IMMUTABLE so that an index may use it: the dictionary is named, not found on search_path.
    """CREATE OR REPLACE FUNCTION idmevents_search_text(
        given_name text, family_name text, email text, organization text, checkin_id text
    ) RETURNS text LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $body$
        SELECT lower(public.unaccent('public.unaccent'::regdictionary,
            concat_ws(' ', given_name, family_name, email, organization, checkin_id)))
    $body$""",
    f"""CREATE INDEX IF NOT EXISTS registration_search ON registration
        USING gin (idmevents_search_text({COLUMNS}) gin_trgm_ops)""",
]
POSTGRES_BACKWARDS = [
    "DROP INDEX IF EXISTS registration_search",
    "DROP FUNCTION IF EXISTS idmevents_search_text(text, text, text, text, text)",
]

_NEW = "new.id, new.given_name, new.family_name, new.email, new.organization, new.checkin_id"
_OLD = "old.id, old.given_name, old.family_name, old.email, old.organization, old.checkin_id"
SQLITE = [
    f"""CREATE VIRTUAL TABLE IF NOT EXISTS registration_search USING fts5(
        {COLUMNS}, content='registration', content_rowid='id',
        tokenize='unicode61 remove_diacritics 2')""",
    f"""CREATE TRIGGER IF NOT EXISTS registration_search_insert AFTER INSERT ON registration
        BEGIN
            INSERT INTO registration_search(rowid, {COLUMNS}) VALUES ({_NEW});
        END""",
    f"""CREATE TRIGGER IF NOT EXISTS registration_search_delete AFTER DELETE ON registration
        BEGIN
            INSERT INTO registration_search(registration_search, rowid, {COLUMNS})
                VALUES ('delete', {_OLD});
        END""",
    f"""CREATE TRIGGER IF NOT EXISTS registration_search_update
        AFTER UPDATE OF {COLUMNS} ON registration
        BEGIN
            INSERT INTO registration_search(registration_search, rowid, {COLUMNS})
                VALUES ('delete', {_OLD});
            INSERT INTO registration_search(rowid, {COLUMNS}) VALUES ({_NEW});
        END""",
    "INSERT INTO registration_search(registration_search) VALUES ('rebuild')",
]
SQLITE_BACKWARDS = [
    "DROP TRIGGER IF EXISTS registration_search_insert",
    "DROP TRIGGER IF EXISTS registration_search_delete",
    "DROP TRIGGER IF EXISTS registration_search_update",
    "DROP TABLE IF EXISTS registration_search",
]


class RawTable(Table):
    pass


def _on_postgres() -> bool:
    return isinstance(RawTable._meta.db, PostgresEngine)


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="idmevents", description=DESCRIPTION)

    async def create_index():
        for statement in POSTGRES if _on_postgres() else SQLITE:
            await RawTable.raw(statement)

    async def drop_index():
        for statement in POSTGRES_BACKWARDS if _on_postgres() else SQLITE_BACKWARDS:
            await RawTable.raw(statement)

    manager.add_raw(create_index)
    manager.add_raw_backwards(drop_index)
    return manager
