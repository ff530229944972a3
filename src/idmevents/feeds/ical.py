"""The iCalendar (RFC 5545) form of agendas: a pure function from agenda data to a calendar.

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
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from icalendar import (
    Calendar,
    Event,
    vDuration,
    vText,
)

from idmevents import __version__
from idmevents.feeds import links
from idmevents.feeds.labels import kind_label, role_label
from idmevents.i18n import current_language, gettext
from idmevents.meetings.services import Agenda, AgendaItem
from idmevents.vtimezone import observances, vtimezone, vtimezone_bytes

PRODID = f"-//International Organization for Migration//idmevents {__version__}//EN"
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


def build_calendar(agendas: Sequence[Agenda], info: CalendarInfo, *, base_url: str) -> Calendar:
    """One calendar holding every item of the given agendas (a meeting's, a person's, a panelist's).

    Each agenda brings its meeting: the meeting's time zone is the TZID of its sessions, its venue
    their LOCATION. Cancelled items stay in, as STATUS:CANCELLED, so that clients remove them
    instead of keeping a stale copy (a vanished event is simply kept by some clients).
    """
    calendar = _calendar_head(agendas, info)
    for zone, (first_year, last_year) in _zone_spans(agendas):
        calendar.add_component(vtimezone(zone, first_year, last_year))
    for item, meeting in _events_in_order(agendas):
        calendar.add_component(session_event(item, meeting, base_url=base_url))
    return calendar


def calendar_bytes(agendas: Sequence[Agenda], info: CalendarInfo, *, base_url: str) -> bytes:
    """The calendar as sent: UTF-8, CRLF line ends, lines folded at 75 octets (icalendar does all).

    The same bytes as `build_calendar(...).to_ical()`, assembled from each component's own
    serialisation. icalendar spends about a millisecond per event, so each event's bytes are
    kept (keyed by everything the event shows): after one session changes, rebuilding a feed of
    thousands of sessions serialises that one event again, not all of them.
    """
    head = _calendar_head(agendas, info).to_ical()
    parts = [head.removesuffix(CALENDAR_END)]
    parts.extend(
        vtimezone_bytes(zone, first_year, last_year)
        for zone, (first_year, last_year) in _zone_spans(agendas)
    )
    parts.extend(
        _event_bytes(item, meeting, base_url=base_url)
        for item, meeting in _events_in_order(agendas)
    )
    parts.append(CALENDAR_END)
    return b"".join(parts)


def _calendar_head(agendas: Sequence[Agenda], info: CalendarInfo) -> Calendar:
    calendar = Calendar()
    calendar.add("PRODID", PRODID)
    calendar.add("VERSION", "2.0")
    calendar.add("CALSCALE", "GREGORIAN")
    calendar.add("METHOD", "PUBLISH")
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


# What an event shows of its meeting (see session_event): part of the event's cache key.
MEETING_FIELDS_IN_EVENTS = ("slug", "timezone", "status", "venue_name", "venue_address")
EVENT_CACHE_SIZE = 20_000
_event_cache: OrderedDict[tuple, bytes] = OrderedDict()
_event_cache_lock = threading.Lock()


def _event_key(item: AgendaItem, meeting: dict, base_url: str) -> tuple:
    # Every field of the item, so that a field added to the event later cannot go stale here.
    values = tuple(
        tuple(value) if isinstance(value, list) else value
        for value in (getattr(item, f.name) for f in fields(item))
    )
    shown = tuple(meeting.get(name) for name in MEETING_FIELDS_IN_EVENTS)
    return (base_url, current_language(), shown, values)


def _event_bytes(item: AgendaItem, meeting: dict, *, base_url: str) -> bytes:
    key = _event_key(item, meeting, base_url)
    with _event_cache_lock:
        data = _event_cache.get(key)
        if data is not None:
            _event_cache.move_to_end(key)
            return data
    data = session_event(item, meeting, base_url=base_url).to_ical()
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


def session_event(item: AgendaItem, meeting: dict, *, base_url: str) -> Event:
    zone = ZoneInfo(meeting["timezone"])
    cancelled = item.cancelled or meeting["status"] == "cancelled"
    page_url = links.session_page_url(base_url, meeting["slug"], item.id)
    event = Event()
    event.add("UID", item.uid)
    # DTSTAMP is the session's last change, not the time of the download. With METHOD:PUBLISH it
    # says when this version of the event was made (RFC 5546 orders versions of one UID by
    # SEQUENCE, then DTSTAMP). Stamping the download time (what Indico, pretalx and pretix do)
    # makes every poll look like a new revision while SEQUENCE says otherwise, so clients
    # discard or mistrust the updates they should apply (indico#2604), and it makes the bytes
    # differ on every request, so no ETag or cache can hold. A stamp tied to the change moves
    # exactly when the event does, together with SEQUENCE and LAST-MODIFIED.
    event.add("DTSTAMP", _utc(item.updated_at))
    event.add("DTSTART", item.starts_at.astimezone(zone))
    event.add("DTEND", item.ends_at.astimezone(zone))
    title = gettext("Cancelled: %(title)s") % {"title": item.title} if cancelled else item.title
    event.add("SUMMARY", title)
    event.add("DESCRIPTION", _description(item, page_url, cancelled=cancelled))
    location = _location(item, meeting)
    if location:
        event.add("LOCATION", location)
    event.add("URL", page_url)
    event.add("CATEGORIES", [kind_label(item.kind)])
    event.add("SEQUENCE", item.sequence)
    event.add("CREATED", _utc(item.created_at))
    event.add("LAST-MODIFIED", _utc(item.updated_at))
    event.add("STATUS", "CANCELLED" if cancelled else "CONFIRMED")
    # Breaks do not make the attendee busy to others; everything else does.
    event.add("TRANSP", "TRANSPARENT" if item.kind == "break" else "OPAQUE")
    return event


def _description(item: AgendaItem, page_url: str, *, cancelled: bool) -> str:
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
    parts.append(page_url)
    return "\n\n".join(parts)


def _location(item: AgendaItem, meeting: dict) -> str:
    parts = [item.room_name, meeting.get("venue_name") or "", meeting.get("venue_address") or ""]
    return ", ".join(part.strip() for part in parts if part and part.strip())


def _utc(moment: datetime) -> datetime:
    return moment.astimezone(UTC)


def _zone_spans(agendas: Sequence[Agenda]) -> list[tuple[str, tuple[int, int]]]:
    return sorted(_years_by_zone(agendas).items())


def _years_by_zone(agendas: Sequence[Agenda]) -> dict[str, tuple[int, int]]:
    """For each zone, the first and last local year any of its sessions touches."""
    years: dict[str, tuple[int, int]] = {}
    for agenda in agendas:
        if not agenda.items:
            continue
        zone = ZoneInfo(agenda.timezone)
        first = min(item.starts_at for item in agenda.items).astimezone(zone).year
        last = max(item.ends_at for item in agenda.items).astimezone(zone).year
        if agenda.timezone in years:
            known_first, known_last = years[agenda.timezone]
            first, last = min(first, known_first), max(last, known_last)
        years[agenda.timezone] = (first, last)
    return years
