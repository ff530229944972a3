"""A meeting's seats counted as they change, so that registering does not count them (PostgreSQL).

`idmevents_register` (the one-statement registration) decided each newcomer's seat by counting
the meeting's registrations by status under the meeting lock: at 50,000 registrations a scan of
the meeting's rows, 17 ms idle, and every registration into that meeting waited for the one
before it, so a burst went at about 36 a second (bench/README.md, "At 50,000").

Now `registration_tally` keeps, per meeting, how many registrations are confirmed, waitlisted,
and waitlisted with a number (those ranked on the waiting list), kept exact by triggers on
`registration` in the very transactions that change them:

- INSERT and DELETE: statement-level triggers over the transition table, so that an import
  chunk (`db.insert_many`, one statement) or a meeting's cascade changes the tally once per
  meeting, not once per row (a row updated thousands of times in one transaction slows down:
  each version stays until the transaction ends);
- UPDATE OF status, meeting, waitlist_seq: a row-level trigger, only when the row's part of the
  tally changes (a badge printed or a name corrected never reaches it).

The function reads the tally row (one index lookup) and takes the next waiting-list number from
the new index on (meeting, waitlist_seq): max() is the index's last entry. That index serves
both engines (the Python path's `_next_waitlist_seq` reads the same max).

Locks: the triggers lock the meeting's tally row, always after the meeting row, because every
path that changes a registration's status locks the meeting first (services/_locks.py); the
meeting lock already serialises them, so the tally row adds no waiting. Changes to several
meetings in one statement touch their tally rows in meeting order.

The function also declines, under the lock, a meeting that is no longer the plain case it knows
(hybrid or online, or confirming addresses first): `services.register` checked the meeting it
had read before the lock, and an organizer may have changed it since. And it writes the client's
network (desk/bursts.py) with the row: `services.register` wrote it by a second UPDATE just
after, one more round trip and row version per registration.

SQLite is unchanged: its Python path counts (a write transaction there serialises everything).
"""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine.postgres import PostgresEngine
from piccolo.table import Table

ID = "2026-12-05T01:00:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "registration_tally kept by triggers; idmevents_register reads it instead of counting"

# Both engines: the waiting list's numbers in order, per meeting (the next number is the last).
INDEX = "registration_meeting_waitlist"
CREATE_INDEX = f"CREATE INDEX IF NOT EXISTS {INDEX} ON registration (meeting, waitlist_seq)"

# A registration's part of its meeting's tally, as SQL over a row `r`.
_PARTS = {
    "confirmed": "CASE WHEN {r}.status = 'confirmed' THEN 1 ELSE 0 END",
    "waitlisted": "CASE WHEN {r}.status = 'waitlisted' THEN 1 ELSE 0 END",
    "waitlisted_ranked": (
        "CASE WHEN {r}.status = 'waitlisted' AND {r}.waitlist_seq IS NOT NULL THEN 1 ELSE 0 END"
    ),
}
COUNTED = "('confirmed', 'waitlisted')"  # the statuses the tally counts; the others are not in it


def _sums(row: str) -> str:
    return ",\n               ".join(
        f"sum({part.format(r=row)})::integer AS {name}" for name, part in _PARTS.items()
    )


_COLUMNS = ", ".join(_PARTS)
_ADD_EXCLUDED = ",\n        ".join(f"{name} = t.{name} + excluded.{name}" for name in _PARTS)
_SUBTRACT_D = ",\n            ".join(f"{name} = {name} - d.{name}" for name in _PARTS)
# An updated row: its old part taken away from the old meeting, its new part given to the new.
_OLD_PART = ", ".join(f"-{part.format(r='OLD')}" for part in _PARTS.values())
_NEW_PART = ", ".join(part.format(r="NEW") for part in _PARTS.values())
_UPDATE_DELTAS = f"(OLD.meeting, {_OLD_PART}),\n                (NEW.meeting, {_NEW_PART})"

POSTGRES = [
    # fillfactor: room on the page for the row's next versions (HOT updates, no index entry).
    """CREATE TABLE IF NOT EXISTS registration_tally (
        meeting integer PRIMARY KEY REFERENCES meeting (id) ON DELETE CASCADE,
        confirmed integer NOT NULL DEFAULT 0,
        waitlisted integer NOT NULL DEFAULT 0,
        waitlisted_ranked integer NOT NULL DEFAULT 0
    ) WITH (fillfactor = 50)""",
    f"""CREATE OR REPLACE FUNCTION idmevents_tally_inserted() RETURNS trigger
    LANGUAGE plpgsql AS $body$
BEGIN
    -- Upserted: a meeting whose registrations were all pending or ended has no row yet.
    INSERT INTO registration_tally AS t (meeting, {_COLUMNS})
        SELECT n.meeting,
               {_sums("n")}
          FROM tally_new n
         WHERE n.status IN {COUNTED}
         GROUP BY n.meeting
         ORDER BY n.meeting
    ON CONFLICT (meeting) DO UPDATE SET
        {_ADD_EXCLUDED};
    RETURN NULL;
END
$body$""",
    f"""CREATE OR REPLACE FUNCTION idmevents_tally_deleted() RETURNS trigger
    LANGUAGE plpgsql AS $body$
DECLARE
    d record;
BEGIN
    -- No row to update: the meeting itself is being deleted (its tally row went with it).
    FOR d IN
        SELECT o.meeting,
               {_sums("o")}
          FROM tally_old o
         WHERE o.status IN {COUNTED}
         GROUP BY o.meeting
         ORDER BY o.meeting
    LOOP
        UPDATE registration_tally SET
            {_SUBTRACT_D}
         WHERE meeting = d.meeting;
    END LOOP;
    RETURN NULL;
END
$body$""",
    f"""CREATE OR REPLACE FUNCTION idmevents_tally_updated() RETURNS trigger
    LANGUAGE plpgsql AS $body$
BEGIN
    -- The old row's part out, the new row's in: one row when it stays in its meeting (nothing
    -- in the app moves a registration to another meeting; if it did, both in meeting order).
    INSERT INTO registration_tally AS t (meeting, {_COLUMNS})
        SELECT v.meeting, {", ".join(f"sum(v.{name})::integer" for name in _PARTS)}
          FROM (VALUES
                {_UPDATE_DELTAS}
          ) AS v (meeting, {_COLUMNS})
         GROUP BY v.meeting
         ORDER BY v.meeting
    ON CONFLICT (meeting) DO UPDATE SET
        {_ADD_EXCLUDED};
    RETURN NULL;
END
$body$""",
    "DROP TRIGGER IF EXISTS registration_tally_inserted ON registration",
    """CREATE TRIGGER registration_tally_inserted AFTER INSERT ON registration
    REFERENCING NEW TABLE AS tally_new
    FOR EACH STATEMENT EXECUTE FUNCTION idmevents_tally_inserted()""",
    "DROP TRIGGER IF EXISTS registration_tally_deleted ON registration",
    """CREATE TRIGGER registration_tally_deleted AFTER DELETE ON registration
    REFERENCING OLD TABLE AS tally_old
    FOR EACH STATEMENT EXECUTE FUNCTION idmevents_tally_deleted()""",
    "DROP TRIGGER IF EXISTS registration_tally_updated ON registration",
    f"""CREATE TRIGGER registration_tally_updated
    AFTER UPDATE OF status, meeting, waitlist_seq ON registration
    FOR EACH ROW
    WHEN (
        (OLD.status IN {COUNTED} OR NEW.status IN {COUNTED})
        AND (
            OLD.status IS DISTINCT FROM NEW.status
            OR OLD.meeting IS DISTINCT FROM NEW.meeting
            OR (OLD.waitlist_seq IS NULL) <> (NEW.waitlist_seq IS NULL)
        )
    )
    EXECUTE FUNCTION idmevents_tally_updated()""",
    # The triggers above took a SHARE ROW EXCLUSIVE lock on `registration` that lasts until this
    # migration commits: no registration changes between this count and the triggers' first
    # change, so the tally starts exact.
    "DELETE FROM registration_tally",
    f"""INSERT INTO registration_tally (meeting, {_COLUMNS})
        SELECT r.meeting,
               {_sums("r")}
          FROM registration r
         WHERE r.status IN {COUNTED}
         GROUP BY r.meeting""",
]

POSTGRES_BACKWARDS = [
    "DROP TRIGGER IF EXISTS registration_tally_inserted ON registration",
    "DROP TRIGGER IF EXISTS registration_tally_deleted ON registration",
    "DROP TRIGGER IF EXISTS registration_tally_updated ON registration",
    "DROP FUNCTION IF EXISTS idmevents_tally_inserted()",
    "DROP FUNCTION IF EXISTS idmevents_tally_deleted()",
    "DROP FUNCTION IF EXISTS idmevents_tally_updated()",
    "DROP TABLE IF EXISTS registration_tally",
]

# What changes in `idmevents_register` (as migration 2026-12-05T00:02:10 left it).
COUNT_BEFORE = """\
        SELECT count(*) FILTER (WHERE r.status = 'confirmed'),
               count(*) FILTER (WHERE r.status = 'waitlisted'),
               count(*) FILTER (WHERE r.status = 'waitlisted' AND r.waitlist_seq IS NOT NULL),
               max(r.waitlist_seq)
            INTO v_confirmed, v_waiting, v_ranked, v_top
            FROM registration r WHERE r.meeting = p_meeting;
"""
COUNT_AFTER = """\
        -- Kept by the registration_tally triggers; no row: nobody confirmed or waiting yet.
        SELECT t.confirmed, t.waitlisted, t.waitlisted_ranked
            INTO v_confirmed, v_waiting, v_ranked
            FROM registration_tally t WHERE t.meeting = p_meeting;
        v_confirmed := coalesce(v_confirmed, 0);
        v_waiting := coalesce(v_waiting, 0);
        v_ranked := coalesce(v_ranked, 0);
"""
SEQ_BEFORE = """\
            v_seq := coalesce(v_top, 0) + 1;
"""
SEQ_AFTER = """\
            -- The last entry of the index on (meeting, waitlist_seq).
            SELECT max(r.waitlist_seq) INTO v_top FROM registration r WHERE r.meeting = p_meeting;
            v_seq := coalesce(v_top, 0) + 1;
"""
PLAIN_ANCHOR = "    IF (m.held_seats_release_at IS NULL OR p_now < m.held_seats_release_at)\n"
PLAIN_CHECK = """\
    -- `services.register` sent a plain meeting (one pool of seats, in the room, no address to
    -- confirm) as it read it before the lock; still so now, or the Python path decides.
    IF coalesce(nullif(m.mode, ''), 'in_person') <> 'in_person'
        OR coalesce(m.confirm_email_first, false)
    THEN
        RETURN QUERY SELECT 'not-plain'::text, NULL::integer, NULL::text, NULL::integer, NULL::integer;
        RETURN;
    END IF;
"""
# The client's network (desk/bursts.py) written with the row, not by a second UPDATE after it.
NETWORK = (
    (
        "accessibility_needs, list_consent, honorific, status,",
        "accessibility_needs, list_consent, honorific, client_network, status,",
    ),
    (
        "coalesce(p_values->>'honorific', ''), v_status,",
        "coalesce(p_values->>'honorific', ''),\n"
        "        coalesce(p_values->>'client_network', ''), v_status,",
    ),
)
CHANGES = (
    (COUNT_BEFORE, COUNT_AFTER),
    (SEQ_BEFORE, SEQ_AFTER),
    (PLAIN_ANCHOR, PLAIN_CHECK + PLAIN_ANCHOR),
    *NETWORK,
)


class RawTable(Table):
    pass


def _on_postgres() -> bool:
    return isinstance(RawTable._meta.db, PostgresEngine)


def _previous_function() -> str:
    """The function as the honorific migration wrote it (read by path: the migrations folder
    need not be importable as a package)."""
    import importlib.util
    from pathlib import Path

    path = Path(__file__).with_name("idmevents_2026_12_05t00_02_10_000000_register_honorific.py")
    spec = importlib.util.spec_from_file_location("_idmevents_register_2026_12_05_honorific", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module._function_with_honorific()


def _function_with_tally() -> str:
    function = _previous_function()
    for old, new in CHANGES:
        if function.count(old) != 1:  # pragma: no cover - the earlier migrations never change
            raise RuntimeError(f"idmevents_register: {old!r} not found once")
        function = function.replace(old, new, 1)
    return function


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="idmevents", description=DESCRIPTION)

    async def create():
        await RawTable.raw(CREATE_INDEX)
        if _on_postgres():
            for statement in POSTGRES:
                await RawTable.raw(statement)
            await RawTable.raw(_function_with_tally())

    async def drop():
        if _on_postgres():
            await RawTable.raw(_previous_function())
            for statement in POSTGRES_BACKWARDS:
                await RawTable.raw(statement)
        await RawTable.raw(f"DROP INDEX IF EXISTS {INDEX}")

    manager.add_raw(create)
    manager.add_raw_backwards(drop)
    return manager
