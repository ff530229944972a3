"""Registrations as a CSV file that spreadsheet programs open as the organizers expect.

- UTF-8 with a byte-order mark: without it Excel reads the file as the local ANSI code page and
  "Sánchez" becomes "SÃ¡nchez".
- CRLF line ends (RFC 4180); a cell holding a comma, a quote or a line break is quoted, and its
  quotes doubled, so "Ministry of Foreign Affairs, Chile" stays one cell.
- Formula injection: a cell starting with = + - @ (or a tab or CR, which some programs skip
  before looking) would be run as a formula by the spreadsheet; participants type their own
  names, so such a cell gets a leading apostrophe, which spreadsheets read as "this is text".
- Comma or semicolon: Excel in many European locales (French, German, Swiss) splits on
  semicolons when a file is opened by double-click, so the desk offers both, as pretix does.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from datetime import datetime
from zoneinfo import ZoneInfo

from idmevents.i18n import current_language, gettext
from idmevents.meetings.labels import attendance_label
from idmevents.registrations.countries import country_name
from idmevents.registrations.desk import status_name
from idmevents.registrations.labels import category_label, language_label
from idmevents.registrations.views import is_hybrid

BOM = "\ufeff"
DELIMITERS = {"comma": ",", "semicolon": ";"}
# What makes a spreadsheet read a cell as a formula, ASCII and full-width (some Excel versions
# take the full-width forms for the ASCII ones), and the white space some programs skip first.
_FORMULA_STARTS = tuple("=+-@\uff1d\uff0b\uff0d\uff20")
_SKIPPED_FIRST = "\t\r\n "

Cell = str | int | float | None


def defuse(value: str) -> str:
    """The text as a cell that a spreadsheet shows and never evaluates."""
    if value.startswith(("\t", "\r")) or value.lstrip(_SKIPPED_FIRST).startswith(_FORMULA_STARTS):
        return "'" + value
    return value


def cell(value: Cell) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int | float):
        return str(value)  # our numbers are numbers, and stay numbers in the spreadsheet
    return defuse(str(value))


def spreadsheet_csv(
    header: Sequence[str], rows: Iterable[Sequence[Cell]], *, delimiter: str = ","
) -> bytes:
    """The table as CSV bytes: UTF-8 with BOM, CRLF, quoted as needed, formulas defused."""
    if delimiter not in DELIMITERS.values():
        raise ValueError(f"delimiter must be one of {sorted(DELIMITERS.values())}")
    buffer = io.StringIO()
    writer = csv.writer(
        buffer,
        delimiter=delimiter,
        quotechar='"',
        doublequote=True,
        quoting=csv.QUOTE_MINIMAL,
        lineterminator="\r\n",
    )
    writer.writerow([cell(name) for name in header])
    for row in rows:
        writer.writerow([cell(value) for value in row])
    return (BOM + buffer.getvalue()).encode("utf-8")


def _local(moment: datetime | None, zone: ZoneInfo) -> str:
    # "2027-03-01 08:00": every spreadsheet program reads this as a date and time.
    return "" if moment is None else moment.astimezone(zone).strftime("%Y-%m-%d %H:%M")


def registrations_table(
    meeting: dict, rows: list[dict], places: dict[int, list[dict]]
) -> tuple[list[str], list[list[Cell]]]:
    """The desk's list as a table: a header and one row per registration, in the list's order,
    labels in the reader's language, times in the meeting's time zone (named in the header); a
    hybrid meeting's also say where each person takes part (after the waiting list position)."""
    zone_name = meeting["timezone"]
    zone = ZoneInfo(zone_name)
    language = current_language()
    header = [
        gettext("ID"),
        gettext("Status"),
        gettext("Waiting list position"),
        gettext("Given name"),
        gettext("Family name"),
        gettext("Email"),
        gettext("Organization"),
        gettext("Position"),
        gettext("Category"),
        gettext("Country code"),
        gettext("Country"),
        gettext("Language"),
        gettext("Accessibility needs"),
        gettext("Sessions"),
        gettext("Registered (%(zone)s)") % {"zone": zone_name},
        gettext("Confirmed (%(zone)s)") % {"zone": zone_name},
        gettext("Cancelled (%(zone)s)") % {"zone": zone_name},
        gettext("Checked in (%(zone)s)") % {"zone": zone_name},
        gettext("Reason for not accepting"),
        # Added after the first columns, so that sheets reading them by position still work.
        gettext("Honorific"),
        gettext("Delegation"),
    ]
    table: list[list[Cell]] = []
    for row in rows:
        sessions = [
            place["title"]
            if place["status"] == "confirmed"
            else gettext("%(title)s (waiting list)") % {"title": place["title"]}
            for place in places.get(row["id"], [])
        ]
        table.append(
            [
                row["id"],
                status_name(row["status"]),
                row.get("waitlist_position"),
                row["given_name"],
                row["family_name"],
                row["email"],
                row["organization"],
                row["position"],
                category_label(row["category"]),
                row["country"],
                country_name(row["country"], language) if row["country"] else "",
                language_label(row["language"]),
                row["accessibility_needs"],
                "; ".join(sessions),
                _local(row["created_at"], zone),
                _local(row["confirmed_at"], zone),
                _local(row["cancelled_at"], zone),
                _local(row.get("checked_in_at"), zone),
                row["rejection_reason"],
                row["honorific"],
                row.get("delegation", ""),
            ]
        )
    if is_hybrid(meeting):
        header.insert(_ATTENDANCE_COLUMN, gettext("Taking part"))
        for line, row in zip(table, rows, strict=True):
            line.insert(_ATTENDANCE_COLUMN, attendance_label(row["attendance"]))
    return header, table


_ATTENDANCE_COLUMN = 3  # after the status and the waiting list position
