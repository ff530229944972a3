"""Finding registrations by name, email, organization or badge code, with the database's index.

Words are folded as the index folds them (lower case, accents gone) and every word must match:
- PostgreSQL: anywhere in the folded text (`LIKE '%word%'` on `registration.search_text`, a stored
  generated column holding `idmevents_search_text(...)`, answered by its trigram index: migrations
  `2026-12-04T19:56` and `2026-12-05T00:06:10`);
- SQLite: at the beginning of a word of the text (an FTS5 prefix query on `registration_search`,
  tokenized with `unicode61 remove_diacritics 2`).
So "muller", "Mül" and "MULLER" all find Müller on both; "uller" finds him on PostgreSQL only.
"""

from __future__ import annotations

import re

from piccolo.columns.combination import WhereRaw

from idmevents.db import is_sqlite
from idmevents.i18n import fold

MAX_WORDS = 8  # a longer query is cut: a name is a few words, not a paragraph
_TOKEN = re.compile(r"\w+", re.UNICODE)


def words(query: str) -> list[str]:
    return fold(query).split()[:MAX_WORDS]


def _like_pattern(word: str) -> str:
    escaped = word.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def search_where(query: str) -> WhereRaw | None:
    """The condition for registrations matching every word of `query`; None when it has none."""
    found = words(query)
    if not found:
        return None
    if is_sqlite():
        tokens = [token for word in found for token in _TOKEN.findall(word)]
        if not tokens:
            return None
        match = " ".join(f'"{token}"*' for token in tokens)
        return WhereRaw(
            '"registration"."id" IN (SELECT rowid FROM registration_search '
            "WHERE registration_search MATCH {})",
            match,
        )
    condition = " AND ".join('"registration"."search_text" LIKE {} ESCAPE \'\\\'' for _ in found)
    return WhereRaw(condition, *[_like_pattern(word) for word in found])
