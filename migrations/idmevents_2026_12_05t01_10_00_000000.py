"""Sorting by name in the database (PostgreSQL): the folded names stored, indexed with the meeting.

The desk sorts names as people read them: accents and case aside, family name first, then given
name, then the registration's id (`i18n.fold`: NFKD, combining marks dropped, Python's
`str.casefold`). Until now every matching row's names were read and sorted in Python: 434 ms for
the first page of a 50,000-registration meeting. Here PostgreSQL keeps the same folded names in
two stored generated columns, `registration.sort_family` and `registration.sort_given` (computed
on insert and update by PostgreSQL itself, so `idmevents_register` and every other writer need
not know them; unknown to the app's tables, like `search_text`), compared byte by byte
(`COLLATE "C"`: UTF-8's byte order is the code points' order, which is how Python compares
strings), with an index on (meeting, sort_family, sort_given, id): a page by name is a range of
that index, as a page by date is one of (meeting, created_at, id).

`idmevents_sort_fold(text)` is Python's fold written in SQL, not an approximation of it:
- `normalize(…, NFKD)` (PostgreSQL 15 and Python 3.11 both carry Unicode 14);
- the combining marks dropped: the characters whose canonical combining class is not 0, listed
  here from `unicodedata` as a regular expression's ranges;
- Python's case folding: ASCII by `lower(… COLLATE "C")` (which touches A–Z only, whatever the
  database's locale), every other character whose folding is one character by `translate` with
  tables taken from `str.casefold`, one per group of scripts (`SCRIPTS`), and the two whose
  folding is longer (ß and ẞ → "ss") by `replace`. Only characters that can remain after NFKD are
  listed (a precomposed "É" is "E" and a mark by then). `lower()` under the database's locale, or
  `unaccent`, would not do: the first depends on the server's C library, the second folds "Ø" to
  "o" where Python keeps "ø".
A name that is ASCII, before or after its marks are dropped (most: "Müller"), returns early. Cost,
computed when a row is written: 100,000 of the bench's names in 0.17 s (as `search_text` costs);
names in Cyrillic, Greek or CJK about 8 µs each. (One `translate` over all 958 characters cost
70 µs a name: it compares each character with its whole table.)
Applied to one character at a time, both give the same result for every code point
(tests/unit/registrations/test_name_order.py checks them all on PostgreSQL); NFKD and the folding
work character by character, and only marks are ever reordered, so equal on every character means
equal on every name. Tables made from the `unicodedata` of the Python that runs this migration:
the app's own fold uses the same one.

SQLite keeps sorting names in Python (see `registrations/desk/listing.py`).

On both engines, a partial index of the waiting list in its order, `registration_waiting`
(meeting, waitlist_seq, id) WHERE status = 'waitlisted': the desk numbers a page's waiting people
by ranking the meeting's waiting list (`desk.waitlist_positions`, a window function), which at
50,000 registrations (10,000 waiting) read the whole table and sorted: 77 ms, most of a desk
search, now 8.5 ms from the index in order (PostgreSQL, EXPLAIN ANALYZE, same loaded machine).
"""

import unicodedata

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine.postgres import PostgresEngine
from piccolo.table import Table

ID = "2026-12-05T01:10:00:000000"
VERSION = "1.38.0"
DESCRIPTION = (
    "registration.sort_family/sort_given: folded names stored and indexed for the desk; "
    "registration_waiting: the waiting list's order indexed"
)


def _code_points():
    return (code for code in range(0x110000) if not 0xD800 <= code <= 0xDFFF)


def _escape(code: int) -> str:
    return f"\\u{code:04x}" if code <= 0xFFFF else f"\\U{code:08x}"


def marks_class() -> str:
    """A bracket expression matching every combining mark (`unicodedata.combining` not 0)."""
    ranges: list[list[int]] = []
    for code in _code_points():
        if unicodedata.combining(chr(code)):
            if ranges and ranges[-1][1] == code - 1:
                ranges[-1][1] = code
            else:
                ranges.append([code, code])
    return (
        "["
        + "".join(_escape(a) if a == b else f"{_escape(a)}-{_escape(b)}" for a, b in ranges)
        + "]"
    )


# Where the characters whose folding is one other character are looked for, a `translate` each:
# `translate` compares every character of a name with every one of its table, so a name is only
# given the tables of the scripts it holds (a name in Latin letters: 64 characters, not 958).
SCRIPTS = ((0x80, 0x24F), (0x250, 0x52F), (0x530, 0x1FFF), (0x2000, 0xFFFF), (0x10000, 0x10FFFF))


def case_tables() -> tuple[list[tuple[int, int, str, str]], list[tuple[str, str]]]:
    """`str.casefold` for the non-ASCII characters NFKD leaves as they are: the one-character
    foldings as `translate`'s two strings, one pair for each of `SCRIPTS` that has any (first,
    last code point, from, to), and the longer foldings as (character, folding) pairs."""
    tables: dict[tuple[int, int], tuple[list[str], list[str]]] = {}
    longer = []
    for code in _code_points():
        char = chr(code)
        if code < 0x80 or unicodedata.combining(char):
            continue
        if unicodedata.normalize("NFKD", char) != char or char.casefold() == char:
            continue
        folded = char.casefold()
        if len(folded) > 1:
            longer.append((char, folded))
            continue
        script = next(script for script in SCRIPTS if script[0] <= code <= script[1])
        sources, targets = tables.setdefault(script, ([], []))
        sources.append(char)
        targets.append(folded)
    return [
        (first, last, "".join(sources), "".join(targets))
        for (first, last), (sources, targets) in tables.items()
    ], longer


def fold_function() -> str:
    tables, longer = case_tables()
    translations = "\n".join(
        f"    IF folded ~ '[{_escape(first)}-{_escape(last)}]' THEN\n"
        f"        folded := translate(folded, '{sources}', '{targets}');\n"
        "    END IF;"
        for first, last, sources, targets in tables
    )
    replacements = "\n".join(
        f"    folded := replace(folded, '{char}', '{folding}');" for char, folding in longer
    )
    return f"""CREATE OR REPLACE FUNCTION idmevents_sort_fold(value text)
RETURNS text LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE AS $body$
DECLARE
    folded text;
BEGIN
    IF value ~ '^[\\x01-\\x7f]*$' THEN
        RETURN lower(value COLLATE "C");
    END IF;
    folded := lower(regexp_replace(normalize(value, NFKD), '{marks_class()}', '', 'g') COLLATE "C");
    IF folded ~ '^[\\x01-\\x7f]*$' THEN
        RETURN folded;
    END IF;
{translations}
{replacements}
    RETURN folded;
END
$body$"""


POSTGRES_AFTER_FUNCTION = [
    """ALTER TABLE registration
        ADD COLUMN IF NOT EXISTS sort_family text COLLATE "C"
            GENERATED ALWAYS AS (idmevents_sort_fold(family_name)) STORED,
        ADD COLUMN IF NOT EXISTS sort_given text COLLATE "C"
            GENERATED ALWAYS AS (idmevents_sort_fold(given_name)) STORED""",
    """CREATE INDEX IF NOT EXISTS registration_meeting_name
        ON registration (meeting, sort_family, sort_given, id)""",
    "ANALYZE registration",
]
BOTH = [
    """CREATE INDEX IF NOT EXISTS registration_waiting
        ON registration (meeting, waitlist_seq, id) WHERE status = 'waitlisted'""",
]
BOTH_BACKWARDS = ["DROP INDEX IF EXISTS registration_waiting"]
POSTGRES_BACKWARDS = [
    "DROP INDEX IF EXISTS registration_meeting_name",
    "ALTER TABLE registration DROP COLUMN IF EXISTS sort_family, DROP COLUMN IF EXISTS sort_given",
    "DROP FUNCTION IF EXISTS idmevents_sort_fold(text)",
]


class RawTable(Table):
    pass


def _on_postgres() -> bool:
    return isinstance(RawTable._meta.db, PostgresEngine)


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="idmevents", description=DESCRIPTION)

    async def create():
        postgres = [fold_function(), *POSTGRES_AFTER_FUNCTION] if _on_postgres() else []
        for statement in BOTH + postgres:
            await RawTable.raw(statement)

    async def drop():
        postgres = POSTGRES_BACKWARDS if _on_postgres() else []
        for statement in BOTH_BACKWARDS + postgres:
            await RawTable.raw(statement)

    manager.add_raw(create)
    manager.add_raw_backwards(drop)
    return manager
