"""The checks every domain shares for values typed by people: row ids, text, seats, instants, days.

Each `check_*` adds a message to `errors` under the field's name (the form shows it beside the
field) and leaves the other fields alone, so that one pass reports every bad field at once.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal

from idmevents.i18n import gettext

# Row ids are 32-bit integers in the database: a larger number in a URL or a form is simply an id
# that does not exist, and must not reach PostgreSQL (which would refuse the query outright).
MAX_ID = 2**31 - 1

# The days a meeting or a session may fall on. Outside them a date is a typing slip (0207 for
# 2027), and far enough out, a value some calendar programs and time zone rules cannot hold.
EARLIEST = date(1900, 1, 1)
LATEST = date(2200, 12, 31)

MAX_SEATS = 1_000_000

# How a text field may break across lines:
# - "any": as typed (only trimmed); what every field does today;
# - "single_line": no line break and no other control character (titles, names, cities);
# - "multi_line": line breaks and tabs, but no other control character (descriptions, messages).
Lines = Literal["any", "single_line", "multi_line"]
_LINE_BREAKS = frozenset("\n\r\v\f\x1c\x1d\x1e\x85\u2028\u2029")
_ALLOWED_IN_MULTI_LINE = frozenset("\n\r\t")
# No field uses a line rule yet, so these are not in the catalogs: the change that first uses one
# marks them for translation (gettext("...")) and runs `make messages`.
SINGLE_LINE_MESSAGE = "One line, without line breaks."
MULTI_LINE_MESSAGE = "Contains a character that cannot be shown."


def is_row_id(value: object) -> bool:
    """Whether a value can be the id of a row (a positive 32-bit integer, not a bool)."""
    return isinstance(value, int) and not isinstance(value, bool) and 0 < value <= MAX_ID


def _is_control(char: str) -> bool:
    code = ord(char)
    return code < 0x20 or 0x7F <= code < 0xA0 or char in _LINE_BREAKS


def line_problem(value: str, lines: Lines) -> str | None:
    """Why a text breaks the line rule, or None if it keeps it."""
    if lines == "single_line" and any(_is_control(c) for c in value):
        return gettext(SINGLE_LINE_MESSAGE)
    if lines == "multi_line" and any(
        _is_control(c) and c not in _ALLOWED_IN_MULTI_LINE for c in value
    ):
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
    value = value.strip()
    values[name] = value
    problem = line_problem(value, lines)
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
    """An instant: a datetime that knows its UTC offset (a naive one is ambiguous), or None."""
    value = values.get(name)
    if value is not None and (
        not isinstance(value, datetime) or value.tzinfo is None or value.utcoffset() is None
    ):
        errors[name] = gettext("A date and time with its UTC offset, e.g. 2027-04-20T10:00-04:00.")


def check_day(errors: dict, values: dict, name: str) -> None:
    """A calendar day (a date, not a datetime), if the field is given."""
    if name in values and not (
        isinstance(values[name], date) and not isinstance(values[name], datetime)
    ):
        errors[name] = gettext("A date such as 2027-04-20.")


def in_date_range(day: date) -> bool:
    """Whether a day lies between EARLIEST and LATEST (not enforced yet by the verbs)."""
    return EARLIEST <= day <= LATEST
