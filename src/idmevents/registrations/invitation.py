"""The calendar invitation attached to confirmation emails: one event for the meeting, per registration.

A pure function of its inputs, so a test can parse its output back. The event's UID is stable per
registration, so that a later invitation (promotion after a cancellation, a cancelled seat) updates
the same entry in the person's calendar instead of adding a second one. There is no ORGANIZER and
no ATTENDEE: with them, calendar clients would offer "accept / decline" and mail replies to an
address nobody reads.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from icalendar import Calendar, Event

from idmevents.vtimezone import vtimezone

PRODID = "-//IOM International Dialogue on Migration//idmevents//EN"
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
    """An iCalendar object with METHOD `method` ("REQUEST" or "CANCEL") and one VEVENT."""
    zone = ZoneInfo(span.timezone)
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", method)

    event = Event()
    event.add("uid", uid)
    event.add("dtstamp", now.astimezone(ZoneInfo("UTC")))
    if span.starts_at is not None and span.ends_at is not None:
        event.add("dtstart", span.starts_at.astimezone(zone))
        event.add("dtend", span.ends_at.astimezone(zone))
    else:
        # No agenda yet: whole days (DTEND is exclusive).
        event.add("dtstart", span.first_day)
        event.add("dtend", span.last_day + timedelta(days=1))
    event.add("summary", title)
    if location:
        event.add("location", location)
    if description:
        event.add("description", description)
    if url:
        event.add("url", url)
    event.add("sequence", sequence_at(now))
    event.add("status", "CANCELLED" if method == "CANCEL" else "CONFIRMED")
    event.add("transp", "OPAQUE")
    if span.starts_at is not None and span.ends_at is not None:
        # The zone of DTSTART/DTEND, as the feeds write it (idmevents.vtimezone): the rules of the
        # meeting's year(s), both the standard and the daylight one, with RFC 5545 onsets.
        calendar.add_component(vtimezone(span.timezone, span.first_day.year, span.last_day.year))
    calendar.add_component(event)
    return calendar.to_ical()
