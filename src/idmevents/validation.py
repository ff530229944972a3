"""The checks every domain shares for values typed by people: row ids, text, seats, instants, days.

Each `check_*` adds a message to `errors` under the field's name (the form shows it beside the
field) and leaves the other fields alone, so that one pass reports every bad field at once.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import date, datetime
from typing import Literal

from idmevents.i18n import N_ as _
from idmevents.i18n import gettext, is_language_code

# Row ids are 32-bit integers in the database: a larger number in a URL or a form is simply an id
# that does not exist, and must not reach PostgreSQL (which would refuse the query outright).
MAX_ID = 2**31 - 1

# The days a meeting or a session may fall on. Outside them a date is a typing slip (0207 for
# 2027), and far enough out, a value some calendar programs and time zone rules cannot hold.
EARLIEST = date(1900, 1, 1)
LATEST = date(2200, 12, 31)

MAX_SEATS = 1_000_000

# How a text field may break across lines:
# - "any": as typed (only trimmed): emails, search queries, free notes no calendar shows;
# - "single_line": no line break and no other control character (titles, names, cities);
# - "multi_line": line breaks and tabs, but no other control character (descriptions, messages).
Lines = Literal["any", "single_line", "multi_line"]
_LINE_BREAKS = frozenset("\n\r\v\f\x1c\x1d\x1e\x85\u2028\u2029")
_ALLOWED_IN_MULTI_LINE = frozenset("\n\t")


# Every text that reaches a calendar (iCalendar lines), an email header or a PDF keeps one of the
# two line rules: a line break in a title would start a new iCalendar property or header.
SINGLE_LINE_MESSAGE = _("One line, without line breaks.")
MULTI_LINE_MESSAGE = _("Contains a character that cannot be shown.")
DATE_RANGE_MESSAGE = _("A date from 1900-01-01 to 2200-12-31.")


def is_row_id(value: object) -> bool:
    """Whether a value can be the id of a row (a positive 32-bit integer, not a bool)."""
    return isinstance(value, int) and not isinstance(value, bool) and 0 < value <= MAX_ID


def is_control(char: str) -> bool:
    """A character no one-line text may hold: C0/C1 controls, DEL and every line break."""
    code = ord(char)
    return code < 0x20 or 0x7F <= code < 0xA0 or char in _LINE_BREAKS


def normalise_line_ends(value: str) -> str:
    """Windows (CR LF) and old Mac (CR) line ends as LF, the one form multi-line text is stored in."""
    return value.replace("\r\n", "\n").replace("\r", "\n")


def clean_text(value: str, lines: Lines) -> tuple[str, str | None]:
    """A text trimmed (and, if multi-line, with LF line ends), and why it breaks its line rule."""
    value = value.strip()
    if lines == "multi_line":
        value = normalise_line_ends(value)
    return value, line_problem(value, lines)


# The characters `is_control` refuses, as regular expressions (one search per text, not a Python
# call per character: an import checks hundreds of thousands of texts).
_CONTROLS = [chr(c) for c in range(0x110) if is_control(chr(c))] + sorted(
    c for c in _LINE_BREAKS if ord(c) >= 0x110
)
_SINGLE_LINE_BAD = re.compile("[" + "".join(re.escape(c) for c in _CONTROLS) + "]")
_MULTI_LINE_BAD = re.compile(
    "[" + "".join(re.escape(c) for c in _CONTROLS if c not in _ALLOWED_IN_MULTI_LINE) + "]"
)


def line_problem(value: str, lines: Lines) -> str | None:
    """Why a text breaks the line rule, or None if it keeps it."""
    if lines == "single_line" and _SINGLE_LINE_BAD.search(value):
        return gettext(SINGLE_LINE_MESSAGE)
    if lines == "multi_line" and _MULTI_LINE_BAD.search(value):
        return gettext(MULTI_LINE_MESSAGE)
    return None


def check_text(
    errors: dict,
    values: dict,
    name: str,
    limit: int,
    *,
    required: bool,
    lines: Lines = "any",
) -> None:
    """Trim `values[name]` in place (None becomes ""); note it if missing, too long or mis-lined."""
    if name not in values:
        return
    value = values[name]
    if value is None:
        value = ""
    if not isinstance(value, str):
        errors[name] = gettext("Must be text.")
        return
    value, problem = clean_text(value, lines)
    values[name] = value
    if required and not value:
        errors[name] = gettext("Required.")
    elif len(value) > limit:
        errors[name] = gettext("At most %(n)s characters.") % {"n": limit}
    elif problem:
        errors[name] = problem


def check_capacity(errors: dict, values: dict, name: str = "capacity") -> None:
    """A number of seats: a whole number from 0 to MAX_SEATS, or None for no limit."""
    if name in values and values[name] is not None:
        value = values[name]
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            errors[name] = gettext("A whole number of seats, 0 or more (or empty for no limit).")
        elif value > MAX_SEATS:
            errors[name] = gettext("At most 1,000,000.")


def check_aware(errors: dict, values: dict, name: str) -> None:
    """An instant: a datetime that knows its UTC offset (a naive one is ambiguous), or None; its
    local day between EARLIEST and LATEST."""
    value = values.get(name)
    if value is None:
        return
    if not isinstance(value, datetime) or value.tzinfo is None or value.utcoffset() is None:
        errors[name] = gettext("A date and time with its UTC offset, e.g. 2027-04-20T10:00-04:00.")
    elif not in_date_range(value.date()):
        errors[name] = gettext(DATE_RANGE_MESSAGE)


def check_day(errors: dict, values: dict, name: str) -> None:
    """A calendar day (a date, not a datetime) between EARLIEST and LATEST, if the field is given."""
    if name not in values:
        return
    value = values[name]
    if not (isinstance(value, date) and not isinstance(value, datetime)):
        errors[name] = gettext("A date such as 2027-04-20.")
    elif not in_date_range(value):
        errors[name] = gettext(DATE_RANGE_MESSAGE)


def in_date_range(day: date) -> bool:
    """Whether a day lies between EARLIEST and LATEST, the days meetings and sessions may fall on."""
    return EARLIEST <= day <= LATEST


MAX_RETENTION_DAYS = 3650
DEFAULT_RETENTION_DAYS = 180


def check_retention(errors: dict, values: dict, name: str = "retention_days") -> None:
    """How many days personal data is kept after a meeting: a whole number from 1 to 3650."""
    if name in values:
        value = values[name]
        if (
            isinstance(value, bool)
            or not isinstance(value, int)
            or not 1 <= value <= MAX_RETENTION_DAYS
        ):
            errors[name] = gettext("A whole number of days from 1 to 3,650.")


def slugify(text: str, limit: int = 100) -> str:
    """A web-address part from any text: "Migration et développement durable" →
    "migration-et-developpement-durable" (accents dropped, lower case, hyphens, at most `limit`
    characters, never ending in a hyphen); "" when nothing is left. static/slug.js does the same
    in the browser, to propose a meeting's address as its title is typed."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    return re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")[:limit].rstrip("-")


MAX_INTERPRETATION = 20


def check_language_codes(errors: dict, values: dict, name: str = "interpretation") -> None:
    """Languages by ISO 639 code (`is_language_code`), if the field is given: a list (or the
    stored text), made
    lower-case and each kept once in the order given, then joined by commas as the column stores
    it (`language_codes` splits it again), in place."""
    if name not in values:
        return
    value = values[name]
    if isinstance(value, str):  # as stored: the same rule again gives the same text
        value = value.split(",")
    if not isinstance(value, (list, tuple)) or not all(isinstance(code, str) for code in value):
        errors[name] = gettext("A list of language codes such as en, fr, es.")
        return
    codes = list(dict.fromkeys(code.strip().lower() for code in value if code.strip()))
    unknown = [code for code in codes if not is_language_code(code)]
    if unknown:
        errors[name] = gettext(
            "Unknown language code: %(codes)s. Use ISO 639 codes such as ar, zh, en, fr, ru, es."
        ) % {"codes": ", ".join(unknown)}
    elif len(codes) > MAX_INTERPRETATION:
        errors[name] = gettext("At most %(n)s languages.") % {"n": MAX_INTERPRETATION}
    else:
        values[name] = ",".join(codes)


def language_codes(stored: str | None) -> tuple[str, ...]:
    """The codes a column of language codes joined by commas holds ("en,fr,es")."""
    return tuple(code for code in (stored or "").split(",") if code)


MAX_CONFIRM_HOURS = 720  # thirty days: beyond it, "confirm first" no longer keeps squatters out


def check_confirmation(errors: dict, values: dict) -> None:
    """ "Confirm your address first": `confirm_email_first` a boolean, `confirm_within_hours` a
    whole number of hours from 1 to MAX_CONFIRM_HOURS."""
    if "confirm_email_first" in values and not isinstance(values["confirm_email_first"], bool):
        errors["confirm_email_first"] = gettext("True or false.")
    if "confirm_within_hours" in values:
        value = values["confirm_within_hours"]
        if (
            isinstance(value, bool)
            or not isinstance(value, int)
            or not 1 <= value <= MAX_CONFIRM_HOURS
        ):
            errors["confirm_within_hours"] = gettext("A whole number of hours from 1 to 720.")
