r"""The agenda for apps: JSON in our own documented shape, and the frab XML conference apps read.

Both are pure functions of the same agenda the iCalendar feed is built from, so the three always
agree. The JSON shape (`/meetings/{slug}/agenda.json`) is the structs below:

    {
      "version": 1,
      "meeting": {slug, title, theme, city, venue_name, venue_address, timezone,
                  starts_on, ends_on, status, url, ical_url, schedule_xml_url},
      "changed_at": "2027-01-05T09:00:00Z",          # when anything on the agenda last changed
      "sessions": [                                   # in time order; cancelled ones included
        {id, uid, title, description, kind, status ("scheduled" | "cancelled"),
         starts_at, ends_at,                          # UTC, "2027-04-20T14:00:00Z"
         local_start, local_end,                      # meeting time, "2027-04-20T10:00:00-04:00"
         room, sequence, updated_at, url, ical_url,
         panelists: [{slug, name, honorific, position, organization, role, url}],
         interpretation: ["ar", "en", "fr"]}       # languages interpreted into (ISO 639)
      ]
    }

`uid` is the iCalendar UID and never changes; `sequence` rises with every change a calendar can
see. Times with a zone offset are the meeting's wall clock (its `timezone`, an IANA name).

The XML follows the frab schedule format (schedule/conference/day/room/event) as validated by
https://github.com/voc/schedule's schedule.xml.xsd, which Giggity and ConfClerk read; the same
agenda as frab JSON (`/meetings/{slug}/schedule.json`, `frab_json`) follows voc's JSON schema
(schedule → conference → days[] → rooms{name: [events]}). Each event's `slug` must match the
XSD's `[a-z0-9_]{4,}-[a-z0-9\-_]{4,}` (4+ characters before the first hyphen) and the JSON
schema's `^[a-z0-9_-]+[a-z0-9]$`: see `frab_slug`.
"""

from __future__ import annotations

import re
import uuid
import xml.etree.ElementTree as ET
from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import msgspec

from idmevents import __version__, urls
from idmevents.calendar_events import interpretation_line
from idmevents.feeds.labels import kind_label, role_label
from idmevents.i18n import current_language, gettext
from idmevents.meetings.services import Agenda, AgendaItem, localize_agenda
from idmevents.records import copy_fields
from idmevents.validation import slugify

SCHEDULE_VERSION = 1
# frab event GUIDs are UUIDs; ours derive from the never-changing UID, so they never change either.
GUID_NAMESPACE = uuid.UUID("5b3c9f4e-3f0b-4d5e-9a57-6a1d2f0c7e11")


class PanelistJSON(msgspec.Struct):
    slug: str
    name: str
    honorific: str
    position: str
    organization: str
    role: str
    url: str


class SessionJSON(msgspec.Struct):
    id: int
    uid: str
    title: str
    description: str
    kind: str
    status: str
    starts_at: datetime
    ends_at: datetime
    local_start: datetime
    local_end: datetime
    room: str
    sequence: int
    updated_at: datetime
    url: str
    ical_url: str
    panelists: list[PanelistJSON]
    interpretation: list[str]


class MeetingJSON(msgspec.Struct):
    slug: str
    title: str
    theme: str
    city: str
    venue_name: str
    venue_address: str
    timezone: str
    starts_on: date
    ends_on: date
    status: str
    url: str
    ical_url: str
    schedule_xml_url: str


class AgendaJSON(msgspec.Struct):
    version: int
    meeting: MeetingJSON
    changed_at: datetime
    sessions: list[SessionJSON]


def agenda_document(agenda: Agenda, *, base_url: str) -> AgendaJSON:
    """The agenda as JSON, its content in the current language (?lang=) where translated."""
    agenda = localize_agenda(agenda, current_language())
    meeting = agenda.meeting
    zone = ZoneInfo(agenda.timezone)
    slug = meeting["slug"]
    page = urls.meeting_page(slug, base_url=base_url)
    return AgendaJSON(
        version=SCHEDULE_VERSION,
        meeting=MeetingJSON(
            slug=slug,
            title=meeting["title"],
            theme=meeting.get("theme") or "",
            city=meeting.get("city") or "",
            venue_name=meeting.get("venue_name") or "",
            venue_address=meeting.get("venue_address") or "",
            timezone=agenda.timezone,
            starts_on=meeting["starts_on"],
            ends_on=meeting["ends_on"],
            status=meeting["status"],
            url=page,
            ical_url=urls.meeting_feed(slug, base_url=base_url),
            schedule_xml_url=f"{page}/schedule.xml",
        ),
        changed_at=_utc(meeting["agenda_changed_at"]),
        sessions=[
            copy_fields(
                SessionJSON,
                item,
                starts_at=_utc(item.starts_at),
                ends_at=_utc(item.ends_at),
                local_start=item.starts_at.astimezone(zone),
                local_end=item.ends_at.astimezone(zone),
                room=item.room_name,
                updated_at=_utc(item.updated_at),
                url=urls.session_anchor(slug, item.id, base_url=base_url),
                ical_url=urls.session_feed(slug, item.id, base_url=base_url),
                panelists=[
                    copy_fields(
                        PanelistJSON,
                        person,
                        url=urls.panelist_page(person.slug, base_url=base_url),
                    )
                    for person in item.panelists
                ],
                interpretation=list(item.interpretation),
            )
            for item in agenda.items
        ],
    )


def agenda_json(agenda: Agenda, *, base_url: str) -> bytes:
    return msgspec.json.encode(agenda_document(agenda, base_url=base_url))


def event_guid(uid: str) -> str:
    return str(uuid.uuid5(GUID_NAMESPACE, uid))


def frab_prefix(meeting_slug: str) -> str:
    """The meeting's part of frab names: its slug without hyphens (the XSD allows none before an
    event slug's first hyphen), 4 characters at least."""
    prefix = re.sub(r"[^a-z0-9_]", "_", meeting_slug.lower())
    return prefix.ljust(4, "_")


def frab_slug(meeting_slug: str, item: AgendaItem, original_title: str | None = None) -> str:
    """`idm_new_york_1-7-opening-session`: the meeting, the session's id and its title in the
    original language (a slug must not change with the reader). Unique (the id), stable while
    the title is, and ends with a letter or digit."""
    title = original_title if original_title is not None else item.title
    rest = "-".join(part for part in (str(item.id), slugify(title, 60)) if part)
    if len(rest) < 4:
        rest = f"session-{rest}"
    return f"{frab_prefix(meeting_slug)}-{rest}"


def _days(agenda: Agenda) -> list[tuple[date, list[AgendaItem]]]:
    """Every day of the meeting (an empty day is still a day of it), and any day a session falls
    on outside them, with its sessions."""
    meeting = agenda.meeting
    days: dict[date, list[AgendaItem]] = {}
    day = meeting["starts_on"]
    while day <= meeting["ends_on"]:
        days[day] = []
        day += timedelta(days=1)
    for agenda_day in agenda.by_day():
        days[agenda_day.day] = agenda_day.items
    return sorted(days.items())


def _day_bounds(day: date, items: list[AgendaItem], zone: ZoneInfo) -> tuple[datetime, datetime]:
    if items:
        return (
            min(item.starts_at for item in items).astimezone(zone),
            max(item.ends_at for item in items).astimezone(zone),
        )
    start = datetime.combine(day, datetime.min.time(), tzinfo=zone)
    return start, datetime.combine(day + timedelta(days=1), datetime.min.time(), tzinfo=zone)


def frab_xml(agenda: Agenda, *, base_url: str) -> bytes:
    """The agenda as a frab schedule.xml: days in the meeting's zone, rooms within days; content
    in the current language (?lang=) where translated, each event's <language> the one its title
    is in. Event slugs keep the original title: they must not change with the reader."""
    agenda, events = _FrabEvents.localized(agenda, base_url)
    meeting, zone, slug = events.meeting, events.zone, events.meeting["slug"]
    root = ET.Element("schedule")
    ET.SubElement(root, "generator", name="idmevents", version=__version__)
    # Apps compare the version to see whether to reload: it moves with every agenda change.
    _text(root, "version", _utc(meeting["agenda_changed_at"]).strftime("%Y-%m-%dT%H:%M:%SZ"))
    conference = ET.SubElement(root, "conference")
    _text(conference, "acronym", slug)
    _text(conference, "title", meeting["title"])
    _text(conference, "start", meeting["starts_on"].isoformat())
    _text(conference, "end", meeting["ends_on"].isoformat())
    _text(conference, "days", str((meeting["ends_on"] - meeting["starts_on"]).days + 1))
    _text(conference, "timeslot_duration", "00:15")
    _text(conference, "base_url", urls.meeting_page(slug, base_url=base_url) + "/")
    _text(conference, "time_zone_name", agenda.timezone)

    for index, (day, items) in enumerate(_days(agenda), start=1):
        start, end = _day_bounds(day, items, zone)
        day_element = ET.SubElement(
            root,
            "day",
            index=str(index),
            date=day.isoformat(),
            start=start.isoformat(),
            end=end.isoformat(),
        )
        for room_name, room_items in _rooms(items, meeting).items():
            room_element = ET.SubElement(day_element, "room", name=room_name)
            for item in room_items:
                language = item.title_language or item.original_language
                _frab_event(room_element, item, events.fields(item, room_name, language))
    ET.indent(root)
    return ET.tostring(root, encoding="utf-8", xml_declaration=True) + b"\n"


@dataclass(frozen=True)
class _FrabEvents:
    """What the events of one frab document share: the meeting, its time zone, the site's address
    and the sessions' titles before translation (a slug stays the same in every language)."""

    meeting: dict
    zone: ZoneInfo
    base_url: str
    original_titles: dict[int, str]

    @classmethod
    def localized(cls, agenda: Agenda, base_url: str) -> tuple[Agenda, _FrabEvents]:
        """The agenda in the current language, and its events' common part (the titles kept
        from before translation)."""
        original_titles = {item.id: item.title for item in agenda.items}
        agenda = localize_agenda(agenda, current_language())
        zone = ZoneInfo(agenda.timezone)
        return agenda, cls(agenda.meeting, zone, base_url, original_titles)

    def fields(self, item: AgendaItem, room_name: str, language: str) -> dict[str, str]:
        """An event's fields that frab's XML and JSON both carry, in the schema's order."""
        meeting = self.meeting
        start = item.starts_at.astimezone(self.zone)
        cancelled = item.cancelled or meeting["status"] == "cancelled"
        # frab has no status: a cancelled session keeps its place, marked in its title, so that
        # an app that saved it shows it as cancelled instead of silently losing it.
        title = gettext("Cancelled: %(title)s") % {"title": item.title} if cancelled else item.title
        return {
            "date": start.isoformat(),
            "start": start.strftime("%H:%M"),
            "duration": _hours_minutes(item.ends_at - item.starts_at),
            "room": room_name,
            "slug": frab_slug(meeting["slug"], item, self.original_titles.get(item.id)),
            "url": urls.session_anchor(meeting["slug"], item.id, base_url=self.base_url),
            "title": title,
            "subtitle": "",
            "track": kind_label(item.kind),
            "type": item.kind,
            "language": language,
            "abstract": item.description,
            "description": _frab_description(item),
        }


def _frab_event(parent: ET.Element, item: AgendaItem, fields: dict[str, str]) -> None:
    event = ET.SubElement(parent, "event", id=str(item.id), guid=event_guid(item.uid))
    for tag, text in fields.items():
        _text(event, tag, text)
    persons = ET.SubElement(event, "persons")
    for person in item.panelists:
        _text(persons, "person", person.display_name, id=str(person.panelist_id))
    links_element = ET.SubElement(event, "links")
    _text(links_element, "link", gettext("Session on the agenda"), href=fields["url"])


def _frab_description(item: AgendaItem) -> str:
    """frab's free-text description: the panelists, then the interpretation (frab's <language>
    is the language spoken, so the languages interpreted into are said in words here)."""
    lines = [
        f"{role_label(person.role)}: {person.display_name}"
        + (f", {person.position}" if person.position else "")
        for person in item.panelists
    ]
    if item.interpretation and not item.cancelled:
        lines.append(interpretation_line(item.interpretation))
    return "\n".join(lines)


# Characters XML 1.0 cannot carry at all; a stray one must not make the whole document invalid.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def _text(parent: ET.Element, tag: str, text: str, **attributes: str) -> ET.Element:
    element = ET.SubElement(parent, tag, **attributes)
    element.text = _NOT_XML.sub("", text)
    return element


def _rooms(items: list[AgendaItem], meeting: dict) -> dict[str, list[AgendaItem]]:
    rooms: dict[str, list[AgendaItem]] = defaultdict(list)
    for item in items:
        rooms[_room_name(item, meeting)].append(item)
    return rooms


def _room_name(item: AgendaItem, meeting: dict) -> str:
    return item.room_name or meeting.get("venue_name") or meeting["title"]


def _hours_minutes(length: timedelta) -> str:
    minutes = int(length.total_seconds() // 60)
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def _utc(moment: datetime) -> datetime:
    return moment.astimezone(UTC)


# -- frab JSON ------------------------------------------------------------------------------------

FRAB_JSON_SCHEMA = "https://c3voc.de/schedule/schema.json"


def frab_document(agenda: Agenda, *, base_url: str) -> dict:
    """The agenda as frab's schedule.json, in the shape of voc's JSON schema: the same days,
    rooms, events, GUIDs and slugs as `frab_xml`, content in the current language."""
    agenda, events = _FrabEvents.localized(agenda, base_url)
    meeting, zone, slug = events.meeting, events.zone, events.meeting["slug"]
    page = urls.meeting_page(slug, base_url=base_url)
    days = []
    room_names: dict[str, None] = {}
    for index, (day, items) in enumerate(_days(agenda), start=1):
        start, end = _day_bounds(day, items, zone)
        rooms = {}
        for room_name, room_items in _rooms(items, meeting).items():
            room_names.setdefault(room_name)
            rooms[room_name] = [
                _frab_json_event(item, events.fields(item, room_name, "en")) for item in room_items
            ]
        days.append(
            {
                "index": index,
                "date": day.isoformat(),
                "day_start": start.isoformat(),
                "day_end": end.isoformat(),
                "rooms": rooms,
            }
        )
    return {
        "$schema": FRAB_JSON_SCHEMA,
        "generator": {"name": "idmevents", "version": __version__},
        "schedule": {
            "version": _utc(meeting["agenda_changed_at"]).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "base_url": page + "/",
            "conference": {
                # The schema's acronym allows no hyphen past the first character.
                "acronym": frab_prefix(slug),
                "title": meeting["title"],
                "start": meeting["starts_on"].isoformat(),
                "end": meeting["ends_on"].isoformat(),
                "daysCount": len(days),
                "timeslot_duration": "00:15",
                "time_zone_name": agenda.timezone,
                "url": page,
                "rooms": [
                    {"name": name, "guid": str(uuid.uuid5(GUID_NAMESPACE, f"room:{slug}:{name}"))}
                    for name in room_names
                ],
                "days": days,
            },
        },
    }


def frab_json(agenda: Agenda, *, base_url: str) -> bytes:
    return msgspec.json.encode(frab_document(agenda, base_url=base_url))


def _frab_json_event(item: AgendaItem, fields: dict[str, str]) -> dict:
    return {
        "id": item.id,
        "guid": event_guid(item.uid),
        **fields,
        # Pretalx-style persons (name, guid): the schema's frab style wants a `public_name`.
        "persons": [
            {
                "id": person.panelist_id,
                "guid": str(uuid.uuid5(GUID_NAMESPACE, f"panelist:{person.slug}")),
                "name": person.display_name,
            }
            for person in item.panelists
        ],
        "links": [{"url": fields["url"], "title": gettext("Session on the agenda")}],
    }
