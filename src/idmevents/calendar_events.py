"""The one writer of iCalendar (RFC 5545) events, for the feeds and for the calendars sent by email.

A feed's session, the session attached to an agenda-change notice and the meeting invited to in a
confirmation are all written here, so that a calendar that gets the same event from two of them
sees the same UID, STATUS, LOCATION, URL and PRODID, and keeps one entry. Pure:
the caller says what the event is and when this version of it was made; nothing is read from the
clock, the database or the request. Zones come from idmevents.vtimezone, never from icalendar's
add_missing_timezones (see that module for why).

Two kinds of calendar are written. Published ones (METHOD:PUBLISH: the feeds) carry an ORGANIZER on
every event (RFC 5546 §3.2.1) and no ATTENDEE; their versions are the session's own (SEQUENCE and
DTSTAMP move when the session does). Scheduling messages (METHOD:REQUEST and CANCEL: the emailed
invitation, agenda-change notices and cancellations) also name the one ATTENDEE they are sent to,
and number their versions by when they were sent (`sequence_at`): a person's copy has a history the
session's counter does not know (cancelled, then registered again), and each message must supersede
the last one that person received.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from email.utils import parseaddr
from zoneinfo import ZoneInfo

from icalendar import Calendar, Event, vCalAddress

from idmevents import __version__
from idmevents.i18n import gettext, language_names
from idmevents.vtimezone import vtimezone

PRODID = f"-//International Organization for Migration//idmevents {__version__}//EN"

# SEQUENCE of scheduling messages: minutes since this epoch grow with time and stay well inside the
# 32-bit integers that some clients store them in (two messages within one minute are ordered by
# DTSTAMP, as RFC 5546 §2.1.5 says).
_SEQUENCE_EPOCH = datetime(2020, 1, 1, tzinfo=UTC)


def sequence_at(now: datetime) -> int:
    """The SEQUENCE of a scheduling message (REQUEST, CANCEL) made at `now`."""
    return max(0, int((now - _SEQUENCE_EPOCH).total_seconds() // 60))


@dataclass(frozen=True)
class Party:
    """Someone an event names: its ORGANIZER (the secretariat) or an ATTENDEE (a participant)."""

    address: str
    name: str = ""

    @classmethod
    def from_header(cls, value: str) -> Party:
        """From an address as mail headers write it: `IDM Secretariat <idm@iom.int>`."""
        name, address = parseaddr(value)
        return cls(address=address or value.strip(), name=name)

    def cal_address(self, **parameters: str) -> vCalAddress:
        value = vCalAddress(f"mailto:{self.address}")
        if self.name:
            value.params["CN"] = self.name
        for key, item in parameters.items():
            value.params[key] = item
        return value


@dataclass(frozen=True)
class CalendarEvent:
    """What one VEVENT says. Times are instants, written in `timezone`; dates are whole days."""

    uid: str  # stable for the thing the event stands for, so each new version replaces the last
    start: datetime | date
    end: datetime | date  # for whole days, the day after the last (DTEND is exclusive)
    timezone: str  # the zone DTSTART/DTEND are written in (TZID) when they are instants
    summary: str
    changed_at: datetime  # when this version was made: DTSTAMP and LAST-MODIFIED
    sequence: int  # must grow with each version calendars should apply
    cancelled: bool = False
    description: str = ""
    location: str = ""  # see `location`
    url: str = ""  # absolute (idmevents.urls)
    categories: tuple[str, ...] = ()
    created_at: datetime | None = None
    busy: bool = True  # TRANSP: does the event make the attendee busy to others?
    organizer: Party | None = None  # required by RFC 5546 in every method we send
    attendee: Party | None = None  # scheduling messages only (REQUEST, CANCEL)
    # DTSTAMP when it is not `changed_at`: a scheduling message is stamped when it was made.
    stamped_at: datetime | None = None
    # RFC 7986 CONFERENCE: (address, label) pairs, where to watch or join it by video.
    conferences: tuple[tuple[str, str], ...] = ()
    # The languages the session is interpreted into (ISO 639 codes): one X-IDM-INTERPRETATION
    # each, for programs; people read `interpretation_line` in DESCRIPTION.
    interpretation: tuple[str, ...] = ()


def online_links(
    webcast: str, remote_url: str = "", *, cancelled: bool = False
) -> tuple[tuple[str, str], ...]:
    """The CONFERENCE pairs of an event (RFC 7986, FEATURE=VIDEO), labelled in the current
    language: the public webcast, and `remote_url`, the private remote-participation link, which
    only what belongs to a registered online participant passes (their feed, emails and
    invitations); a cancelled event joins nothing. Feeds, invitations and notices all call this."""
    if cancelled:
        return ()
    links = []
    if webcast:
        links.append((webcast, gettext("Webcast")))
    if remote_url:
        links.append((remote_url, gettext("Remote participation (registered participants)")))
    return tuple(links)


def webcast_line(webcast: str, *, cancelled: bool = False) -> str:
    """The webcast as a line of DESCRIPTION (for calendars that ignore CONFERENCE), or ""."""
    return gettext("Webcast: %(url)s") % {"url": webcast} if webcast and not cancelled else ""


def interpretation_line(codes: Sequence[str]) -> str:
    """The interpretation as a line of DESCRIPTION, languages named in the current language."""
    if not codes:
        return ""
    return gettext("Interpretation: %(languages)s") % {"languages": language_names(codes)}


def location(*parts: str | None) -> str:
    """LOCATION from the narrowest place to the widest (room, venue, address), on one line.

    Empty parts are left out, and an address typed on several lines gives one part per line:
    calendar apps show LOCATION as a single line (and hand it to map services).
    """
    pieces = [line for part in parts if part for line in part.splitlines()]
    return ", ".join(piece.strip() for piece in pieces if piece.strip())


def vevent(facts: CalendarEvent) -> Event:
    event = Event()
    event.add("UID", facts.uid)
    # DTSTAMP is the event's last change, not the time of the download or of the email. With
    # METHOD:PUBLISH it says when this version of the event was made (RFC 5546 orders versions of
    # one UID by SEQUENCE, then DTSTAMP). Stamping the download time (what Indico, pretalx and
    # pretix do) makes every poll look like a new revision while SEQUENCE says otherwise, so
    # clients discard or mistrust the updates they should apply (indico#2604), and it makes the
    # bytes differ on every request, so no ETag or cache can hold. A stamp tied to the change
    # moves exactly when the event does, together with SEQUENCE and LAST-MODIFIED, and an email
    # carrying the same version as the feed carries the same stamp.
    # A scheduling message (REQUEST, CANCEL) is a message: its DTSTAMP is when it was made.
    event.add("DTSTAMP", _utc(facts.stamped_at or facts.changed_at))
    if isinstance(facts.start, datetime) and isinstance(facts.end, datetime):
        zone = ZoneInfo(facts.timezone)
        event.add("DTSTART", facts.start.astimezone(zone))
        event.add("DTEND", facts.end.astimezone(zone))
    else:
        event.add("DTSTART", facts.start)
        event.add("DTEND", facts.end)
    event.add("SUMMARY", facts.summary)
    if facts.description:
        event.add("DESCRIPTION", facts.description)
    if facts.location:
        event.add("LOCATION", facts.location)
    if facts.url:
        event.add("URL", facts.url)
    if facts.categories:
        event.add("CATEGORIES", list(facts.categories))
    for address, label in facts.conferences:
        parameters = {"VALUE": "URI", "FEATURE": "VIDEO"}
        if label:
            parameters["LABEL"] = label
        event.add("CONFERENCE", address, parameters=parameters)
    # One property per language: a comma in an unknown property's value is read as a list by
    # some parsers and as text by others.
    for code in facts.interpretation:
        event.add("X-IDM-INTERPRETATION", code)
    event.add("SEQUENCE", facts.sequence)
    if facts.created_at is not None:
        event.add("CREATED", _utc(facts.created_at))
    event.add("LAST-MODIFIED", _utc(facts.changed_at))
    event.add("STATUS", "CANCELLED" if facts.cancelled else "CONFIRMED")
    event.add("TRANSP", "OPAQUE" if facts.busy else "TRANSPARENT")
    if facts.organizer is not None:
        event.add("ORGANIZER", facts.organizer.cal_address())
    if facts.attendee is not None:
        # The registration is the person's answer: they are invited as having accepted
        # (PARTSTAT=ACCEPTED), and no reply is expected (RSVP=FALSE), so calendar apps file the
        # events without asking the person to accept each one and mailing the secretariat back.
        event.add(
            "ATTENDEE",
            facts.attendee.cal_address(
                CUTYPE="INDIVIDUAL", ROLE="REQ-PARTICIPANT", PARTSTAT="ACCEPTED", RSVP="FALSE"
            ),
        )
    return event


def calendar_head(method: str) -> Calendar:
    """A VCALENDAR with nothing in it yet. `method`: PUBLISH for feeds and agenda-change notices
    (their readers are not invitees whose replies we collect), REQUEST or CANCEL for the
    invitation of a confirmation and its cancellation."""
    calendar = Calendar()
    calendar.add("PRODID", PRODID)
    calendar.add("VERSION", "2.0")
    calendar.add("CALSCALE", "GREGORIAN")
    calendar.add("METHOD", method)
    return calendar


def fill(calendar: Calendar, events: Sequence[CalendarEvent]) -> Calendar:
    """Add the zones the events are written in, then the events, in the order given."""
    timed = [
        (facts.timezone, facts.start, facts.end)
        for facts in events
        if isinstance(facts.start, datetime) and isinstance(facts.end, datetime)
    ]
    for zone, first_year, last_year in zone_years(timed):
        calendar.add_component(vtimezone(zone, first_year, last_year))
    for facts in events:
        calendar.add_component(vevent(facts))
    return calendar


def calendar(method: str, events: Sequence[CalendarEvent]) -> bytes:
    """The whole calendar as sent: UTF-8, CRLF line ends, lines folded at 75 octets."""
    return fill(calendar_head(method), events).to_ical()


def zone_years(spans: Iterable[tuple[str, datetime, datetime]]) -> list[tuple[str, int, int]]:
    """For each zone (by name) of (zone, start, end) spans, the first and last local year they
    touch: the years its VTIMEZONE must describe."""
    years: dict[str, tuple[int, int]] = {}
    for name, start, end in spans:
        zone = ZoneInfo(name)
        first, last = start.astimezone(zone).year, end.astimezone(zone).year
        if name in years:
            known_first, known_last = years[name]
            first, last = min(first, known_first), max(last, known_last)
        years[name] = (first, last)
    return [(name, first, last) for name, (first, last) in sorted(years.items())]


def _utc(moment: datetime) -> datetime:
    return moment.astimezone(UTC)
