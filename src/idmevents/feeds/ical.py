"""The iCalendar (RFC 5545) form of agendas: a pure function from agenda data to a calendar.

What a session's event says is decided here; how an event is written (UID, DTSTAMP, SEQUENCE,
STATUS, LOCATION...) is idmevents.calendar_events, which the emailed calendars share.

Same agenda in, same bytes out. Nothing here reads the clock, the database or the request: the
bytes of a feed depend only on the agenda's state, so a feed can be built once per agenda change,
cached, and given a strong ETag that every server process computes alike. (The caches below only
remember serialisations already made; they never change what comes out.)
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass, fields
from datetime import timedelta

from icalendar import Calendar, Event, vDuration, vText

from idmevents import urls
from idmevents.calendar_events import (
    PRODID,
    CalendarEvent,
    Party,
    calendar_head,
    fill,
    interpretation_line,
    location,
    online_links,
    vevent,
    webcast_line,
    zone_years,
)
from idmevents.feeds.labels import kind_label, role_label
from idmevents.i18n import current_language, gettext
from idmevents.meetings.services import Agenda, AgendaItem, localize_agenda
from idmevents.vtimezone import observances, vtimezone_bytes

__all__ = ["PRODID", "CalendarInfo", "build_calendar", "calendar_bytes", "clear_caches"]

# How often clients should fetch the feed again (RFC 7986 REFRESH-INTERVAL and the older
# X-PUBLISHED-TTL that Outlook reads). An hour keeps a moved session visible the same morning
# without clients hammering the server; conditional requests make each poll cheap.
REFRESH_INTERVAL = timedelta(hours=1)
CALENDAR_END = b"END:VCALENDAR\r\n"


@dataclass(frozen=True)
class CalendarInfo:
    """What the calendar says about itself."""

    name: str  # X-WR-CALNAME and NAME: the calendar's name in the client
    description: str  # X-WR-CALDESC and DESCRIPTION
    source_url: str  # where the feed lives (SOURCE): a client refreshes from there
    page_url: str  # the page a person reads it on (URL)
    # Every published event's ORGANIZER (RFC 5546 §3.2.1): the secretariat (IDMEVENTS_MAIL_FROM).
    organizer: Party


def build_calendar(
    agendas: Sequence[Agenda], info: CalendarInfo, *, base_url: str, remote_url: str = ""
) -> Calendar:
    """One calendar holding every item of the given agendas (a meeting's, a person's, a panelist's).

    Each agenda brings its meeting: the meeting's time zone is the TZID of its sessions, its venue
    their LOCATION. Cancelled items stay in, as STATUS:CANCELLED, so that clients remove them
    instead of keeping a stale copy (a vanished event is simply kept by some clients).
    """
    agendas = _in_language(agendas)
    events = [
        session_facts(
            item, meeting, base_url=base_url, organizer=info.organizer, remote_url=remote_url
        )
        for item, meeting in _events_in_order(agendas)
    ]
    return fill(_calendar_head(agendas, info), events)


def calendar_bytes(
    agendas: Sequence[Agenda], info: CalendarInfo, *, base_url: str, remote_url: str = ""
) -> bytes:
    """The calendar as sent: UTF-8, CRLF line ends, lines folded at 75 octets (icalendar does all).

    The same bytes as `build_calendar(...).to_ical()`, assembled from each component's own
    serialisation. icalendar spends about a millisecond per event, so each event's bytes are
    kept (keyed by everything the event shows): after one session changes, rebuilding a feed of
    thousands of sessions serialises that one event again, not all of them.
    """
    agendas = _in_language(agendas)
    head = _calendar_head(agendas, info).to_ical()
    parts = [head.removesuffix(CALENDAR_END)]
    parts.extend(
        vtimezone_bytes(zone, first_year, last_year)
        for zone, first_year, last_year in _zone_years(agendas)
    )
    parts.extend(
        _event_bytes(
            item, meeting, base_url=base_url, organizer=info.organizer, remote_url=remote_url
        )
        for item, meeting in _events_in_order(agendas)
    )
    parts.append(CALENDAR_END)
    return b"".join(parts)


def _in_language(agendas: Sequence[Agenda]) -> list[Agenda]:
    """Meeting content in the current language (the feed's ?lang=, or the participant's)."""
    return [localize_agenda(agenda, current_language()) for agenda in agendas]


def _calendar_head(agendas: Sequence[Agenda], info: CalendarInfo) -> Calendar:
    calendar = calendar_head("PUBLISH")
    # RFC 7986 names and the X-WR-* ones Apple, Google and Outlook read. X-WR-* are unknown to
    # icalendar, which would write them unescaped: give them as text so commas and newlines are.
    calendar.add("NAME", info.name)
    calendar.add("X-WR-CALNAME", vText(info.name))
    calendar.add("DESCRIPTION", info.description)
    calendar.add("X-WR-CALDESC", vText(info.description))
    zones = sorted({agenda.timezone for agenda in agendas if agenda.items})
    if len(zones) == 1:
        # Google uses it as the calendar's zone when the feed is imported rather than subscribed.
        calendar.add("X-WR-TIMEZONE", vText(zones[0]))
    calendar.add("URL", info.page_url)
    calendar.add("SOURCE", info.source_url, parameters={"VALUE": "URI"})
    calendar.add("REFRESH-INTERVAL", REFRESH_INTERVAL, parameters={"VALUE": "DURATION"})
    calendar.add("X-PUBLISHED-TTL", vDuration(REFRESH_INTERVAL))
    return calendar


def _events_in_order(agendas: Sequence[Agenda]) -> list[tuple[AgendaItem, dict]]:
    events = [(item, agenda.meeting) for agenda in agendas for item in agenda.items]
    events.sort(key=lambda pair: (pair[0].starts_at, pair[0].id))
    return events


# What an event shows of its meeting (see session_facts): part of the event's cache key.
MEETING_FIELDS_IN_EVENTS = (
    "slug",
    "timezone",
    "status",
    "venue_name",
    "venue_address",
    "webcast_url",
)
EVENT_CACHE_SIZE = 20_000
_event_cache: OrderedDict[tuple, bytes] = OrderedDict()
_event_cache_lock = threading.Lock()


def _event_key(
    item: AgendaItem, meeting: dict, base_url: str, organizer: Party, remote_url: str = ""
) -> tuple:
    # Every field of the item, so that a field added to the event later cannot go stale here.
    values = tuple(
        repr(value) if isinstance(value, (list, dict)) else value
        for value in (getattr(item, f.name) for f in fields(item))
    )
    shown = tuple(meeting.get(name) for name in MEETING_FIELDS_IN_EVENTS)
    return (base_url, organizer, current_language(), shown, values, remote_url)


def _event_bytes(
    item: AgendaItem, meeting: dict, *, base_url: str, organizer: Party, remote_url: str = ""
) -> bytes:
    # The private link is part of the key: an event made for one participant's feed is never
    # handed to a public feed.
    key = _event_key(item, meeting, base_url, organizer, remote_url)
    with _event_cache_lock:
        data = _event_cache.get(key)
        if data is not None:
            _event_cache.move_to_end(key)
            return data
    data = session_event(
        item, meeting, base_url=base_url, organizer=organizer, remote_url=remote_url
    ).to_ical()
    with _event_cache_lock:
        _event_cache[key] = data
        while len(_event_cache) > EVENT_CACHE_SIZE:
            _event_cache.popitem(last=False)
    return data


def clear_caches() -> None:
    """Forget every serialisation made (the benchmark measures a cold build with it)."""
    with _event_cache_lock:
        _event_cache.clear()
    vtimezone_bytes.cache_clear()
    observances.cache_clear()


def session_event(
    item: AgendaItem, meeting: dict, *, base_url: str, organizer: Party, remote_url: str = ""
) -> Event:
    return vevent(
        session_facts(item, meeting, base_url=base_url, organizer=organizer, remote_url=remote_url)
    )


def session_facts(
    item: AgendaItem, meeting: dict, *, base_url: str, organizer: Party, remote_url: str = ""
) -> CalendarEvent:
    """The event of one session, as every feed shows it (the DTSTAMP rule: calendar_events).

    The public webcast (the session's, else the meeting's) is a CONFERENCE. `remote_url` is the
    private remote-participation link: only an online participant's own feed passes it; the
    meeting's `remote_url` is never read here, so no public feed can show it.
    """
    cancelled = item.cancelled or meeting["status"] == "cancelled"
    webcast = item.webcast_url or meeting.get("webcast_url") or ""
    page_url = urls.session_anchor(meeting["slug"], item.id, base_url=base_url)
    title = gettext("Cancelled: %(title)s") % {"title": item.title} if cancelled else item.title
    return CalendarEvent(
        uid=item.uid,
        start=item.starts_at,
        end=item.ends_at,
        timezone=meeting["timezone"],
        summary=title,
        changed_at=item.updated_at,
        sequence=item.sequence,
        cancelled=cancelled,
        description=_description(item, page_url, cancelled=cancelled, webcast=webcast),
        location=location(item.room_name, meeting.get("venue_name"), meeting.get("venue_address")),
        url=page_url,
        categories=(kind_label(item.kind),),
        created_at=item.created_at,
        # Breaks do not make the attendee busy to others; everything else does.
        busy=item.kind != "break",
        organizer=organizer,
        conferences=online_links(webcast, remote_url, cancelled=cancelled),
        interpretation=item.interpretation,
    )


def _description(item: AgendaItem, page_url: str, *, cancelled: bool, webcast: str = "") -> str:
    parts = []
    if cancelled:
        parts.append(gettext("This session has been cancelled."))
    if item.description:
        parts.append(item.description.strip())
    if item.panelists:
        parts.append(
            "\n".join(
                f"{role_label(person.role)}: {person.display_name}"
                + (f", {person.position}" if person.position else "")
                for person in item.panelists
            )
        )
    if item.interpretation and not cancelled:
        parts.append(interpretation_line(item.interpretation))
    if line := webcast_line(webcast, cancelled=cancelled):
        parts.append(line)
    parts.append(page_url)
    return "\n\n".join(parts)


def _zone_years(agendas: Sequence[Agenda]) -> list[tuple[str, int, int]]:
    return zone_years(
        (agenda.timezone, item.starts_at, item.ends_at)
        for agenda in agendas
        for item in agenda.items
    )
