"""The calendar invitation attached to confirmation emails: one event for the meeting, per registration.

A pure function of its inputs, so a test can parse its output back. The event's UID is stable per
registration, so that a later invitation (promotion after a cancellation, a cancelled seat) updates
the same entry in the person's calendar instead of adding a second one.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from idmevents.calendar_events import CalendarEvent, calendar

# SEQUENCE must grow with each new version of the invitation. Minutes since this epoch grow with
# time and stay well inside the 32-bit integers that some clients store them in.
_SEQUENCE_EPOCH = datetime(2020, 1, 1, tzinfo=ZoneInfo("UTC"))


@dataclass(frozen=True)
class MeetingSpan:
    """When the meeting happens: from its first session to its last, or whole days without an agenda."""

    timezone: str
    first_day: date
    last_day: date
    starts_at: datetime | None = None
    ends_at: datetime | None = None


def sequence_at(now: datetime) -> int:
    return max(0, int((now - _SEQUENCE_EPOCH).total_seconds() // 60))


def invitation(
    *,
    uid: str,
    method: str,
    title: str,
    span: MeetingSpan,
    location: str,
    description: str,
    url: str,
    now: datetime,
) -> bytes:
    """An iCalendar object with METHOD `method` ("REQUEST" or "CANCEL") and the one event.

    Written by idmevents.calendar_events, as the feeds write theirs. This version of the invitation is
    made `now` (the change that sends it), so `now` is its DTSTAMP and LAST-MODIFIED.
    """
    timed = span.starts_at is not None and span.ends_at is not None
    event = CalendarEvent(
        uid=uid,
        # No agenda yet: whole days (DTEND is exclusive).
        start=span.starts_at if timed else span.first_day,
        end=span.ends_at if timed else span.last_day + timedelta(days=1),
        timezone=span.timezone,
        summary=title,
        changed_at=now,
        sequence=sequence_at(now),
        cancelled=method == "CANCEL",
        description=description,
        location=location,
        url=url,
    )
    return calendar(method, [event])
