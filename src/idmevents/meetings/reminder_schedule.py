"""When a meeting's reminders are due: the offsets organizers give, read as instants.

An offset is an ISO 8601 duration, signed: negative before the meeting's start, positive after its
end (a follow-up). A whole number of days before the start (`-P7D`, `-P1W`) means 09:00 in the
meeting's zone that many days before its first day, not 7 × 24 hours before the first session: a
reminder arrives in the morning, where the meeting is. Any other offset counts from the first
session's start (`-PT2H`) or from the last session's end (`PT2H`, `P1D`).

Offsets are stored in one canonical spelling (`-P1W` is stored as `-P7D`), because the spelling
is part of the key that makes each reminder go out once per person (`reminder_delivery`).

Each reminder has a cut-off: one due before the start is not sent once the meeting has started (a
worker that was down sends the overdue ones late, but never "see you tomorrow" on the day after);
a follow-up is not sent more than `FOLLOW_UP_CUTOFF` after it was due.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

DEFAULT_REMINDERS = ("-P7D", "-P1D")
REMINDER_HOUR = time(9, 0)
MAX_REMINDERS = 10
MAX_OFFSET = timedelta(days=366)
FOLLOW_UP_CUTOFF = timedelta(days=7)

_OFFSET = re.compile(
    r"^(?P<sign>[-+]?)P(?!$)(?:(?P<weeks>\d{1,3})W)?(?:(?P<days>\d{1,3})D)?"
    r"(?:T(?!$)(?:(?P<hours>\d{1,4})H)?(?:(?P<minutes>\d{1,6})M)?)?$"
)


@dataclass(frozen=True)
class Offset:
    """A parsed offset: before the start or after the end, by a duration."""

    before: bool
    duration: timedelta

    @property
    def whole_days(self) -> bool:
        return self.duration % timedelta(days=1) == timedelta(0)

    @property
    def follow_up(self) -> bool:
        return not self.before

    def canonical(self) -> str:
        days = self.duration.days
        seconds = self.duration.seconds
        hours, minutes = seconds // 3600, seconds % 3600 // 60
        text = "P"
        if days:
            text += f"{days}D"
        if hours or minutes:
            text += "T" + (f"{hours}H" if hours else "") + (f"{minutes}M" if minutes else "")
        return ("-" if self.before else "") + text


def parse_offset(text: str) -> Offset:
    """`-P7D`, `-PT2H`, `PT2H`, `P1DT12H`, `-P1W`… ValueError for anything else, for a zero
    offset, or for one further than a year."""
    match = _OFFSET.match(text.strip()) if isinstance(text, str) else None
    if match is None:
        raise ValueError(f"not an offset: {text!r}")
    parts = {k: int(v) for k, v in match.groupdict().items() if k != "sign" and v}
    duration = timedelta(
        days=parts.get("weeks", 0) * 7 + parts.get("days", 0),
        hours=parts.get("hours", 0),
        minutes=parts.get("minutes", 0),
    )
    if not duration:
        raise ValueError("a zero offset")
    if duration > MAX_OFFSET:
        raise ValueError("further than a year")
    return Offset(before=match["sign"] == "-", duration=duration)


def canonical_offsets(values: list[str]) -> list[str]:
    """The offsets in canonical spelling, duplicates removed, in time order. ValueError naming
    the first bad one."""
    if len(values) > MAX_REMINDERS:
        raise ValueError(f"at most {MAX_REMINDERS} reminders")
    parsed = {}
    for value in values:
        offset = parse_offset(value)
        parsed[offset.canonical()] = offset
    return sorted(parsed, key=lambda name: _order(parsed[name]))


def _order(offset: Offset) -> tuple:
    return (0, -offset.duration) if offset.before else (1, offset.duration)


def stored_offsets(meeting: dict) -> list[str]:
    """The meeting's offsets as stored (Piccolo hands JSON columns back as text)."""
    value = meeting.get("reminders")
    if value is None:
        return list(DEFAULT_REMINDERS)
    if isinstance(value, str):
        value = json.loads(value or "[]")
    return [str(v) for v in value]


@dataclass(frozen=True)
class Reminder:
    offset: str  # canonical
    due_at: datetime  # UTC
    cutoff_at: datetime  # UTC: not sent from then on
    follow_up: bool


def meeting_bounds(
    meeting: dict, first_start: datetime | None, last_end: datetime | None
) -> tuple[datetime, datetime]:
    """The meeting's start and end instants: its first session's start and last session's end,
    or, without sessions, 09:00 on its first day and midnight after its last, local time."""
    zone = ZoneInfo(meeting["timezone"])
    start = first_start or datetime.combine(meeting["starts_on"], REMINDER_HOUR, zone)
    end = last_end or datetime.combine(meeting["ends_on"] + timedelta(days=1), time(0), zone)
    return start.astimezone(UTC), end.astimezone(UTC)


def schedule(
    meeting: dict, first_start: datetime | None, last_end: datetime | None
) -> list[Reminder]:
    """The meeting's reminders with their due times and cut-offs, in time order."""
    zone = ZoneInfo(meeting["timezone"])
    start, end = meeting_bounds(meeting, first_start, last_end)
    first_day: date = meeting["starts_on"]
    reminders = []
    for text in stored_offsets(meeting):
        try:
            offset = parse_offset(text)
        except ValueError:
            continue  # written by hand in the database: skipped rather than failing every round
        if offset.before and offset.whole_days:
            day = first_day - offset.duration
            due = datetime.combine(day, REMINDER_HOUR, zone).astimezone(UTC)
        elif offset.before:
            due = start - offset.duration
        else:
            due = end + offset.duration
        cutoff = start if offset.before else due + FOLLOW_UP_CUTOFF
        reminders.append(Reminder(offset.canonical(), due, cutoff, offset.follow_up))
    return sorted(reminders, key=lambda r: r.due_at)
