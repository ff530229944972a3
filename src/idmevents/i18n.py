"""Translations (gettext catalogs read from locale/) and locale-aware formatting of dates and times."""

from __future__ import annotations

import contextvars
import functools
import io
from datetime import date, datetime
from zoneinfo import ZoneInfo

from babel import Locale
from babel.dates import format_date, format_time, get_timezone_location
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import NullTranslations, Translations

from idmevents.settings import LOCALE_DIR

LANGUAGES = ("en", "fr", "es")
DEFAULT_LANGUAGE = "en"

_current_language: contextvars.ContextVar[str] = contextvars.ContextVar(
    "idmevents_language", default=DEFAULT_LANGUAGE
)


@functools.cache
def translations(language: str) -> NullTranslations:
    """The catalog for a language, compiled in memory from its .po file (no build step)."""
    path = LOCALE_DIR / language / "LC_MESSAGES" / "messages.po"
    if not path.exists():
        return NullTranslations()
    with path.open("rb") as handle:
        catalog = read_po(handle, locale=language)
    buffer = io.BytesIO()
    write_mo(buffer, catalog)
    buffer.seek(0)
    return Translations(fp=buffer)


def set_language(language: str) -> contextvars.Token:
    return _current_language.set(language if language in LANGUAGES else DEFAULT_LANGUAGE)


def reset_language(token: contextvars.Token) -> None:
    _current_language.reset(token)


def current_language() -> str:
    return _current_language.get()


def gettext(message: str) -> str:
    return translations(current_language()).gettext(message)


def ngettext(singular: str, plural: str, n: int) -> str:
    return translations(current_language()).ngettext(singular, plural, n)


def pick_language(accept_language: str | None, requested: str | None = None) -> str:
    """The language from ?lang= if it is one of ours, else the best match in Accept-Language."""
    if requested in LANGUAGES:
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
            if tag in LANGUAGES:
                return tag
    return DEFAULT_LANGUAGE


def _locale() -> Locale:
    return Locale.parse(current_language())


def zone_abbreviation(moment: datetime, timezone: str) -> str:
    """The zone's abbreviation at that instant, as the tz database has it: EDT, CEST; where it
    has none (it writes "+07" for Bangkok), the offset from UTC: "UTC+7", "UTC+5:30"."""
    local = moment.astimezone(ZoneInfo(timezone))
    name = local.tzname() or timezone
    if name[:1] not in "+-":
        return name
    offset = local.utcoffset()
    minutes = int(offset.total_seconds() // 60) if offset is not None else 0
    sign, minutes = ("+" if minutes >= 0 else "-"), abs(minutes)
    hours, minutes = divmod(minutes, 60)
    return f"UTC{sign}{hours}" + (f":{minutes:02d}" if minutes else "")


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


def zone_name(timezone: str) -> str:
    """A readable name for the zone: "New York Time", "Zurich Time"."""
    return get_timezone_location(ZoneInfo(timezone), locale=_locale())


# The filters every Jinja environment (pages and emails) gets: dates and times in the reader's
# language, zones by name.
TEMPLATE_FILTERS = {
    "local_time": local_time,
    "local_date": local_date,
    "local_datetime": local_datetime,
    "date_range": date_range,
    "zone_name": zone_name,
    "zone_abbreviation": zone_abbreviation,
}
