"""Translations (gettext catalogs read from locale/) and locale-aware formatting of dates and times."""

from __future__ import annotations

import contextlib
import contextvars
import functools
import io
import unicodedata
from collections.abc import Callable, Iterator, Sequence
from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo, available_timezones

from babel import Locale
from babel.dates import format_date, format_time, get_timezone_location
from babel.lists import format_list
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import NullTranslations, Translations

from idmevents.settings import LOCALE_DIR, extra_locale_dir

LANGUAGES = ("en", "fr", "es")
DEFAULT_LANGUAGE = "en"
# Each language in its own name, as the language switch offers it: a reader looks for theirs.
LANGUAGE_NAMES = {"en": "English", "fr": "Français", "es": "Español"}

# Languages added at run time with their own locale directory (`add_language`): the hook that lets
# a test try a language we do not ship (Arabic, right to left) without touching locale/.
_extra_languages: dict[str, Path] = {}


def add_language(language: str, locale_dir: Path) -> None:
    """Accept `language` too, its catalog read from `locale_dir`/<language>/LC_MESSAGES."""
    _extra_languages[language] = locale_dir
    translations.cache_clear()


def remove_language(language: str) -> None:
    _extra_languages.pop(language, None)
    translations.cache_clear()


def _add_extra_languages() -> None:
    directory = extra_locale_dir()
    if directory is None or not directory.is_dir():
        return
    for catalog in sorted(directory.glob("*/LC_MESSAGES/messages.po")):
        add_language(catalog.parent.parent.name, directory)


def available_languages() -> tuple[str, ...]:
    return LANGUAGES + tuple(code for code in _extra_languages if code not in LANGUAGES)


_current_language: contextvars.ContextVar[str] = contextvars.ContextVar(
    "idmevents_language", default=DEFAULT_LANGUAGE
)


@functools.cache
def translations(language: str) -> NullTranslations:
    """The catalog for a language, compiled in memory from its .po file (no build step)."""
    path = _extra_languages.get(language, LOCALE_DIR) / language / "LC_MESSAGES" / "messages.po"
    if not path.exists():
        return NullTranslations()
    with path.open("rb") as handle:
        catalog = read_po(handle, locale=language)
    buffer = io.BytesIO()
    write_mo(buffer, catalog)
    buffer.seek(0)
    return Translations(fp=buffer)


def set_language(language: str) -> contextvars.Token:
    known = language in LANGUAGES or language in _extra_languages
    return _current_language.set(language if known else DEFAULT_LANGUAGE)


def reset_language(token: contextvars.Token) -> None:
    _current_language.reset(token)


@contextlib.contextmanager
def speaking(language: str) -> Iterator[None]:
    """`with speaking("fr"):` gettext and the formats answer in French, then as before."""
    token = set_language(language)
    try:
        yield
    finally:
        reset_language(token)


def current_language() -> str:
    return _current_language.get()


def gettext(message: str) -> str:
    return translations(current_language()).gettext(message)


def N_(message: str) -> str:  # the name pybabel extracts by default
    """Marks a message for the catalogs where it is defined, to be translated where it is shown
    (a `Vocabulary` reads it in the reader's language then, never when its module is imported)."""
    return message


class Vocabulary:
    """A fixed vocabulary (statuses, kinds, roles): codes to `N_` messages, called with a code to
    read it in the reader's language; an unknown code reads as `fallback(code)`, or as itself."""

    def __init__(self, messages: dict[str, str], fallback: Callable[[str], str] | None = None):
        self.messages = messages
        self.fallback = fallback

    def __call__(self, code: str) -> str:
        message = self.messages.get(code)
        if message is not None:
            return gettext(message)
        return code if self.fallback is None else self.fallback(code)


# Marks a message for the catalogs, imported as `_` where labels are kept in tables ("done"
# notices, form messages): `from idmevents.i18n import N_ as _`, the keyword the extractor reads.
mark = N_


def ngettext(singular: str, plural: str, n: int) -> str:
    return translations(current_language()).ngettext(singular, plural, n)


def pick_language(accept_language: str | None, requested: str | None = None) -> str:
    """The language from ?lang= if it is one of ours, else the best match in Accept-Language."""
    languages = available_languages()
    if requested in languages:
        return requested
    if accept_language:
        weighted = []
        for part in accept_language.split(","):
            tag, _, params = part.strip().partition(";")
            quality = 1.0
            if params.strip().startswith("q="):
                try:
                    quality = float(params.strip()[2:])
                except ValueError:
                    quality = 0.0
            weighted.append((quality, tag.strip().lower().split("-")[0]))
        for _, tag in sorted(weighted, key=lambda item: -item[0]):
            if tag in languages:
                return tag
    return DEFAULT_LANGUAGE


def text_direction(language: str | None = None) -> str:
    """ "ltr" or "rtl": how the language is written, for <html dir>."""
    return Locale.parse(language or current_language()).text_direction


def _locale() -> Locale:
    return Locale.parse(current_language())


MINUS = "\u2212"


def utc_offset(moment: datetime, timezone: str) -> str:
    """ "UTC−4", "UTC+5:30", "UTC": the zone's offset at that instant, with a real minus sign."""
    offset = moment.astimezone(ZoneInfo(timezone)).utcoffset()
    minutes = int(offset.total_seconds() // 60) if offset is not None else 0
    if minutes == 0:
        return "UTC"
    sign, minutes = ("+" if minutes > 0 else MINUS), abs(minutes)
    hours, minutes = divmod(minutes, 60)
    return f"UTC{sign}{hours}" + (f":{minutes:02d}" if minutes else "")


def zone_abbreviation(moment: datetime, timezone: str) -> str:
    """The zone's abbreviation at that instant, as the tz database has it: EDT, CEST; where it
    has none (it writes "+07" for Bangkok), the offset from UTC: "UTC+7", "UTC+5:30", "UTC−3"."""
    local = moment.astimezone(ZoneInfo(timezone))
    name = local.tzname() or timezone
    if name[:1] not in "+-":
        return name
    return utc_offset(moment, timezone)


def local_time(moment: datetime, timezone: str, *, with_zone: bool = True) -> str:
    """ "10:00 EDT": the time in the meeting's zone, labelled with that zone."""
    tz = ZoneInfo(timezone)
    text = format_time(moment.astimezone(tz), "HH:mm", locale=_locale())
    return f"{text} {zone_abbreviation(moment, timezone)}" if with_zone else text


def local_date(day: date | datetime, timezone: str | None = None, *, style: str = "full") -> str:
    if isinstance(day, datetime):
        day = day.astimezone(ZoneInfo(timezone)).date() if timezone else day.date()
    return format_date(day, style, locale=_locale())


def local_datetime(moment: datetime, timezone: str) -> str:
    """ "Apr 20, 2027, 13:13 EDT": a readable date and a 24-hour time, as on the agenda."""
    local = moment.astimezone(ZoneInfo(timezone))
    day = format_date(local, "medium", locale=_locale())
    time = format_time(local, "HH:mm", locale=_locale())
    return f"{day}, {time} {zone_abbreviation(moment, timezone)}"


def date_range(first: date, last: date) -> str:
    from babel.dates import format_interval

    if first == last:
        return format_date(first, "long", locale=_locale())
    return format_interval(first, last, "yMMMd", locale=_locale())


def zone_name(timezone: str, when: date | datetime | None = None, city: str = "") -> str:
    """The zone as people say it, with its offset from UTC on that day (now if none):
    "New York time (UTC−4)", "heure de New York (UTC−4)", "hora de Nueva York (UTC−4)".

    `city` names the clock where the zone's own name would mislead: a meeting in Geneva keeps
    Europe/Zurich's time, and its participants read "heure de Genève", not "heure de Zurich".
    Without it, the zone's city as CLDR names it in the reader's language."""
    zone = ZoneInfo(timezone)
    if when is None:
        moment = datetime.now(zone)
    elif isinstance(when, datetime):
        moment = when if when.tzinfo else when.replace(tzinfo=zone)
    else:  # a day: its noon, well away from the night's clock changes
        moment = datetime(when.year, when.month, when.day, 12, tzinfo=zone)
    if timezone in ("UTC", "Etc/UTC", "GMT", "Etc/GMT"):
        return "UTC"
    city = city or get_timezone_location(zone, locale=_locale(), return_city=True)
    name = gettext("%(city)s time") % {"city": city}
    if current_language() == "fr":
        name = _elide_french(name, city)
    return f"{name} ({utc_offset(moment, timezone)})"


def _elide_french(name: str, city: str) -> str:
    """ "heure de Amman" → "heure d’Amman": French elides "de" before a vowel or a mute h."""
    first = unicodedata.normalize("NFKD", city[:1]).lower()[:1]
    if first in "aeiouyh" and name.endswith(f"de {city}"):
        return name[: -len(f"de {city}")] + f"d\u2019{city}"
    return name


# Before these marks French sets a space that never breaks: U+00A0 before a colon, a narrow one
# (U+202F) before ; ! ?. Other languages set none.
_FRENCH_SPACES = {":": "\u00a0", ";": "\u202f", "!": "\u202f", "?": "\u202f"}


def punctuation(mark: str) -> str:
    """The mark as the current language sets it after a word: ":" or, in French, "\u00a0:"."""
    return (_FRENCH_SPACES.get(mark, "") if current_language() == "fr" else "") + mark


def colon() -> str:
    """ "Status" + colon() + " Confirmed": ":" in English and Spanish, "\u00a0:" in French."""
    return punctuation(":")


# The six official languages of the United Nations, in the UN's order: what a UN meeting is
# usually interpreted into.
UN_LANGUAGES = ("ar", "zh", "en", "fr", "ru", "es")


def is_language_code(code: object) -> bool:
    """A language as ISO 639 codes it, lower-case (en, ar, zh, ase), and that CLDR can name."""
    return (
        isinstance(code, str)
        and 2 <= len(code) <= 3
        and code.isascii()
        and code.isalpha()
        and code.islower()
        and code in Locale("en").languages
    )


def language_display_name(code: str) -> str:
    """A language's name in the reader's language (CLDR), else in English, else its code."""
    return _locale().languages.get(code) or Locale("en").languages.get(code) or code


def language_names(codes: Sequence[str]) -> str:
    """Languages by name as a list in the reader's language: "Arabic, English and French"."""
    return format_list([language_display_name(code) for code in codes], locale=_locale())


# The filters every Jinja environment (pages and emails) gets: dates and times in the reader's
# language, zones by name.
TEMPLATE_FILTERS = {
    "local_time": local_time,
    "local_date": local_date,
    "local_datetime": local_datetime,
    "date_range": date_range,
    "zone_name": zone_name,
    "zone_abbreviation": zone_abbreviation,
    "language_list": language_names,
}

# The globals of the pages' Jinja environment: the reader's language, the languages offered, and
# the colon as the language sets it.
TEMPLATE_GLOBALS = {
    "current_language": current_language,
    "languages": LANGUAGES,
    "site_languages": LANGUAGES,
    "language_names": LANGUAGE_NAMES,
    "text_direction": text_direction,
    "colon": colon,
}


_add_extra_languages()


# The first part of an IANA zone name, and how the time-zone select titles its group of cities.
REGION_NAMES = {
    "Africa": N_("Africa"),
    "America": N_("Americas"),
    "Antarctica": N_("Antarctica"),
    "Arctic": N_("Arctic"),
    "Asia": N_("Asia"),
    "Atlantic": N_("Atlantic Ocean"),
    "Australia": N_("Australia"),
    "Europe": N_("Europe"),
    "Indian": N_("Indian Ocean"),
    "Pacific": N_("Pacific Ocean"),
}


class _CombiningMarks(dict):
    """A `str.translate` table that drops combining marks: each character's answer is looked up
    once, then kept (sorting 50,000 names by name folds 100,000 texts; a Python test per character
    was most of it)."""

    def __missing__(self, code: int) -> int | None:
        kept = None if unicodedata.combining(chr(code)) else code
        self[code] = kept
        return kept


_WITHOUT_MARKS = _CombiningMarks()


def fold(text: str) -> str:
    """Text as people compare it when they search or sort, accents and case aside: "Élodie" is
    "elodie", "Müller" and "MULLER" are "muller". The one fold of the code base: the desk's name
    order, its search words, the badge and country lists all use it, and PostgreSQL's
    `idmevents_sort_fold` (migration 2026-12-05T01:10) is this function in SQL."""
    return unicodedata.normalize("NFKD", text).translate(_WITHOUT_MARKS).casefold()


def timezone_choices(
    zones: list[str], when: date, current: str = ""
) -> list[tuple[str, list[tuple[str, str]]]]:
    """Zones to pick from, grouped by region, each read as its city in the reader's language with
    its offset on `when`, then its IANA name: ("Europe", [("Europe/Zurich", "Zurich (UTC+1) ·
    Europe/Zurich"), …]). Organizers choose a city, not type an identifier. A `current` zone
    outside the list (an alias stored earlier) is offered too, so saving keeps it."""
    if current and current not in zones and current in available_timezones():
        zones = [*zones, current]
    return _timezone_choices(tuple(zones), when, current_language())


@functools.lru_cache(maxsize=16)
def _timezone_choices(
    zones: tuple[str, ...], when: date, language: str
) -> list[tuple[str, list[tuple[str, str]]]]:
    noon = datetime(when.year, when.month, when.day, 12)
    groups: dict[str, list[tuple[str, str]]] = {}
    for zone in zones:
        region = zone.split("/", 1)[0]
        if region not in REGION_NAMES or "/" not in zone:
            groups.setdefault(gettext("Other"), []).append((zone, zone))
            continue
        city = get_timezone_location(ZoneInfo(zone), locale=_locale(), return_city=True)
        offset = utc_offset(noon.replace(tzinfo=ZoneInfo(zone)), zone)
        label = gettext(REGION_NAMES[region])
        groups.setdefault(label, []).append((zone, f"{city} ({offset}) · {zone}"))
    return [
        (region, sorted(choices, key=lambda choice: fold(choice[1])))
        for region, choices in sorted(groups.items(), key=lambda group: fold(group[0]))
    ]
