"""ISO 3166-1 alpha-2 country codes and their names in the reader's language (from Babel's CLDR data)."""

from __future__ import annotations

import functools
import unicodedata

from babel import Locale

# CLDR also names regions that are not ISO 3166-1 countries: exceptionally reserved codes
# (AC, CP, DG, EA, EU, EZ, IC, TA, UN), CLDR's own (CQ, QO, ZZ), pseudo-locales (XA, XB) and the
# user-assigned XK. What is left are the 249 officially assigned codes.
_NOT_ISO_3166_1 = frozenset(
    {"AC", "CP", "CQ", "DG", "EA", "EU", "EZ", "IC", "QO", "TA", "UN", "XA", "XB", "XK", "ZZ"}
)

COUNTRY_CODES: frozenset[str] = frozenset(
    code
    for code in Locale("en").territories
    if len(code) == 2 and code.isalpha() and code not in _NOT_ISO_3166_1
)


def _sort_key(name: str) -> str:
    """Alphabetical as a reader expects: "Égypte" among the E's, not after "Zimbabwe"."""
    decomposed = unicodedata.normalize("NFKD", name.casefold())
    return "".join(char for char in decomposed if not unicodedata.combining(char))


@functools.cache
def country_choices(language: str) -> tuple[tuple[str, str], ...]:
    """(code, name) for every country, names in `language`, sorted by name."""
    names = Locale.parse(language).territories
    english = Locale("en").territories
    pairs = [(code, names.get(code) or english[code]) for code in COUNTRY_CODES]
    return tuple(sorted(pairs, key=lambda pair: _sort_key(pair[1])))


def country_name(code: str, language: str) -> str:
    if not code:
        return ""
    return Locale.parse(language).territories.get(code) or code
