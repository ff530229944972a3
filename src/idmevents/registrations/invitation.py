"""The calendar a participant is sent: their agenda as an invitation, its updates and its cancellation.

A person's agenda is every plenary session of the meeting (everything but side events) and the side
events in which they hold a place. Each session is one event with the UID the feeds give it, so that
the invitation, a later agenda-change notice (registrations.notices) and a cancellation all speak of
the same entries: a retimed session moves, a cancelled registration or meeting takes them away.
Events are written by idmevents.calendar_events, as the feeds' are. Pure: a test parses the bytes.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from idmevents import urls
from idmevents.calendar_events import (
    CalendarEvent,
    Party,
    calendar,
    interpretation_line,
    location,
    online_links,
    sequence_at,
    webcast_line,
)
from idmevents.validation import language_codes

__all__ = [
    "MeetingSpan",
    "Party",
    "agenda_invitation",
    "agenda_of",
    "invitation",
    "is_side_event",
    "sequence_at",
    "session_as_event",
    "session_event",
]

SIDE_EVENT = "side-event"


@dataclass(frozen=True)
class MeetingSpan:
    """When the meeting happens: from its first session to its last, or whole days without an
    agenda; and its scheduled sessions (rows with uid, kind, capacity, times, room_name...)."""

    timezone: str
    first_day: date
    last_day: date
    starts_at: datetime | None = None
    ends_at: datetime | None = None
    sessions: tuple[dict, ...] = ()


def is_side_event(session: dict) -> bool:
    """A side event is chosen one by one (its own kind, or a capacity of its own); every other
    session is part of everyone's agenda."""
    return session["kind"] == SIDE_EVENT or session.get("capacity") is not None


def agenda_of(sessions: Sequence[dict], chosen: Collection[int]) -> list[dict]:
    """The sessions a person attends: the plenary ones, and the side events in `chosen`."""
    return [s for s in sessions if not is_side_event(s) or s["id"] in chosen]


def session_event(
    meeting: dict,
    session: dict,
    *,
    organizer: Party,
    attendee: Party,
    now: datetime,
    cancelled: bool = False,
    remote_url: str = "",
) -> CalendarEvent:
    """One session of a person's agenda in a scheduling message made `now` (see calendar_events
    for SEQUENCE and DTSTAMP). `cancelled`: the event is taken away (METHOD:CANCEL).
    `remote_url`: the private remote-participation link, for an online participant only."""
    return session_as_event(
        meeting,
        session,
        sequence=sequence_at(now),
        description=session.get("description") or "",
        link=urls.session_anchor(meeting["slug"], session["id"]),
        cancelled=cancelled,
        remote_url=remote_url,
        stamped_at=now,
        organizer=organizer,
        attendee=attendee,
    )


def session_as_event(
    meeting: dict,
    session: dict,
    *,
    sequence: int,
    description: str,
    link: str = "",
    cancelled: bool = False,
    remote_url: str = "",
    **message: Any,
) -> CalendarEvent:
    """A session as every calendar sent to participants writes it, as the feeds do: its UID,
    times, title, place, link, whether it keeps anyone busy, cancelled with its meeting, the
    languages it is interpreted into and the public webcast (the session's, else the meeting's)
    as a line and a CONFERENCE; `remote_url`, an online participant's private link, as a second
    CONFERENCE. The message decides the SEQUENCE, the description (then `link` after the lines
    above) and the rest (`message`: DTSTAMP, parties)."""
    cancelled = (
        cancelled or session.get("status") == "cancelled" or meeting.get("status") == "cancelled"
    )
    webcast = session.get("webcast_url") or meeting.get("webcast_url") or ""
    interpretation = language_codes(session.get("interpretation"))
    lines = (
        description.strip(),
        interpretation_line(interpretation),
        webcast_line(webcast, cancelled=cancelled),
        link,
    )
    return CalendarEvent(
        uid=session["uid"],
        start=session["starts_at"],
        end=session["ends_at"],
        timezone=meeting["timezone"],
        summary=session["title"],
        changed_at=session["updated_at"],
        sequence=sequence,
        cancelled=cancelled,
        description="\n\n".join(line for line in lines if line),
        location=location(
            session.get("room_name"), meeting.get("venue_name"), meeting.get("venue_address")
        ),
        url=urls.session_anchor(meeting["slug"], session["id"]),
        created_at=session.get("created_at"),
        busy=session["kind"] != "break",  # as in the feeds: a break keeps nobody busy
        conferences=online_links(webcast, remote_url, cancelled=cancelled),
        interpretation=interpretation,
        **message,
    )


def agenda_invitation(
    *,
    method: str,
    meeting: dict,
    sessions: Sequence[dict],
    organizer: Party,
    attendee: Party,
    now: datetime,
    remote_url: str = "",
) -> bytes:
    """An iCalendar object with METHOD `method` ("REQUEST" or "CANCEL") and one event per session
    (`remote_url`: see `session_event`)."""
    events = [
        session_event(
            meeting,
            session,
            organizer=organizer,
            attendee=attendee,
            now=now,
            cancelled=method == "CANCEL",
            remote_url=remote_url,
        )
        for session in sorted(sessions, key=lambda s: (s["starts_at"], s["id"]))
    ]
    return calendar(method, events)


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
    organizer: Party | None = None,
    attendee: Party | None = None,
    conferences: tuple[tuple[str, str], ...] = (),
) -> bytes:
    """The meeting as one event (METHOD `method`), for a meeting with no agenda yet: whole days
    (DTEND is exclusive), or the span of its sessions when given. `conferences`: see
    calendar_events.online_links."""
    timed = span.starts_at is not None and span.ends_at is not None
    event = CalendarEvent(
        uid=uid,
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
        organizer=organizer,
        attendee=attendee,
        conferences=conferences,
    )
    return calendar(method, [event])
