"""The States a delegation can represent: the 193 UN Member States and the 2 observer States.

Names are UNTERM's short names in English, French and Spanish, read from data/states.json, which
scripts/make_states.py generates from OCHA's countries-and-territories taxonomy (see its docstring
for the sources and for how far to trust the IOM status). Other participants may come from any
country or territory: idmevents.registrations.countries (CLDR) serves those.

Codes are ISO 3166-1 alpha-2. A code that is not one of the 195 States is a caller's mistake, so
`state_name`, `un_status` and `iom_status` raise KeyError for it; ask `is_state` first when the
code comes from outside. A language without names of its own ("ru", "zh", ...) gets English.

This module imports only the standard library: anything in idmevents may use it.
"""

from __future__ import annotations

import functools
import json
import unicodedata
from pathlib import Path
from typing import Literal, NamedTuple

LANGUAGES = ("en", "fr", "es")
FALLBACK_LANGUAGE = "en"


class State(NamedTuple):
    code: str
    iso3: str
    names: dict[str, str]
    un: Literal["member", "observer"]
    iom: Literal["member", "observer"] | None


def _load() -> dict[str, State]:
    entries = json.loads((Path(__file__).parent / "data" / "states.json").read_text("utf-8"))
    return {entry["code"]: State(**entry) for entry in entries}


_STATES = _load()

STATE_CODES: frozenset[str] = frozenset(_STATES)


def _language(language: str) -> str:
    """The language part of a locale ("fr_CH", "fr-CA" → "fr"); English if it has no names here."""
    primary = language.replace("-", "_").partition("_")[0].lower()
    return primary if primary in LANGUAGES else FALLBACK_LANGUAGE


def is_state(code: str) -> bool:
    return code in _STATES


def state_name(code: str, language: str) -> str:
    """UNTERM's short name of the State in `language` (English if there are none in it)."""
    return _STATES[code].names[_language(language)]


def un_status(code: str) -> Literal["member", "observer"]:
    return _STATES[code].un


def iom_status(code: str) -> Literal["member", "observer"] | None:
    """The State's standing in IOM: "member", "observer", or None for neither."""
    return _STATES[code].iom


# Dropped from the sort key: an apostrophe or a bracket is not part of the alphabetical order.
_IGNORED = str.maketrans("", "", "'\u2019()")


def _collation_key(name: str, language: str) -> str:
    """Alphabetical as a reader of `language` expects, accents and case ignored.

    "Côte d'Ivoire" sorts as "cote divoire" (among the C's) and "Égypte" as "egypte". In Spanish
    ñ is a letter of its own, after n: it is kept apart before the accents are dropped.
    """
    folded = name.casefold().translate(_IGNORED)
    if language == "es":
        folded = folded.replace("ñ", "n\U0010ffff")
    decomposed = unicodedata.normalize("NFKD", folded)
    return "".join(char for char in decomposed if not unicodedata.combining(char))


def sort_key(name: str, language: str) -> str:
    """What sorts `name` where a reader of `language` expects it (see `_collation_key`)."""
    return _collation_key(name, _language(language))


@functools.cache
def _choices(language: str) -> tuple[tuple[str, str], ...]:
    pairs = [(code, state.names[language]) for code, state in _STATES.items()]
    return tuple(sorted(pairs, key=lambda pair: (_collation_key(pair[1], language), pair[0])))


def state_choices(language: str) -> tuple[tuple[str, str], ...]:
    """(code, name) for every State, named in `language` and sorted by name in its order."""
    return _choices(_language(language))
