"""ISO 3166-1 alpha-2 country codes and their names in the reader's language.

A State (one of the 195 of idmevents.states) is always named as the UN names it ("Bolivia
(Plurinational State of)", "Türkiye"), on every page, badge, list and export; any other country or
territory by Babel's CLDR data. Delegations of governments (`GOVERNMENT_CATEGORIES`) choose among
the States only; other participants among every code.
"""

from __future__ import annotations

import functools

from babel import Locale

from idmevents import states
from idmevents.i18n import fold

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


# Every code a registration may hold: the ISO countries and territories, and the States.
ALL_CODES: frozenset[str] = COUNTRY_CODES | states.STATE_CODES


@functools.cache
def country_choices(language: str) -> tuple[tuple[str, str], ...]:
    """(code, name) for every country and territory, names in `language`, sorted by name."""
    pairs = [(code, country_name(code, language)) for code in ALL_CODES]
    return tuple(sorted(pairs, key=lambda pair: (fold(pair[1]), pair[0])))


def state_choices(language: str) -> tuple[tuple[str, str], ...]:
    """(code, name) for the States only, UN names in `language`, in its alphabetical order."""
    return states.state_choices(language)


@functools.cache
def territory_choices(language: str) -> tuple[tuple[str, str], ...]:
    """(code, name) for the countries and territories that are not States, sorted by name."""
    return tuple(pair for pair in country_choices(language) if pair[0] not in states.STATE_CODES)


def country_name(code: str, language: str) -> str:
    """The UN's name for a State, CLDR's for any other territory, "" for none."""
    if not code:
        return ""
    if states.is_state(code):
        return states.state_name(code, language)
    return Locale.parse(language).territories.get(code) or code
