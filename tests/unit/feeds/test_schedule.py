"""The agenda for apps: JSON and frab XML, read back and held against the iCalendar feed."""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from datetime import UTC, datetime

from icalendar import Calendar

from idmevents.calendar_events import Party
from idmevents.feeds.ical import CalendarInfo, calendar_bytes
from idmevents.feeds.schedule import agenda_json, event_guid, frab_xml
from idmevents.meetings.services import Agenda
from tests.factories.agendas import BASE_URL, geneva_agenda, make_item, new_york_agenda

INFO = CalendarInfo(
    name="x",
    description="x",
    source_url=BASE_URL,
    page_url=BASE_URL,
    organizer=Party("x@example.org"),
)


def test_json_has_the_documented_shape():
    document = json.loads(agenda_json(new_york_agenda(), base_url=BASE_URL))
    assert document["version"] == 1
    assert document["changed_at"] == "2027-01-05T09:30:00Z"
    assert document["meeting"] == {
        "slug": "idm-new-york",
        "title": "IDM 2027, New York",
        "theme": "Migration governance",
        "city": "New York",
        "venue_name": "United Nations Headquarters",
        "venue_address": "405 East 42nd Street, New York",
        "timezone": "America/New_York",
        "starts_on": "2027-04-20",
        "ends_on": "2027-04-21",
        "status": "published",
        "url": f"{BASE_URL}/meetings/idm-new-york",
        "ical_url": f"{BASE_URL}/meetings/idm-new-york/agenda.ics",
        "schedule_xml_url": f"{BASE_URL}/meetings/idm-new-york/schedule.xml",
    }
    assert document["sessions"][0] == {
        "id": 1,
        "uid": "session-1@idmevents",
        "title": "Opening session",
        "description": "Welcome; the compact, in context.",
        "kind": "opening",
        "status": "scheduled",
        "starts_at": "2027-04-20T14:00:00Z",
        "ends_at": "2027-04-20T15:00:00Z",
        "local_start": "2027-04-20T10:00:00-04:00",
        "local_end": "2027-04-20T11:00:00-04:00",
        "room": "Trusteeship Council Chamber",
        "sequence": 2,
        "updated_at": "2027-01-04T12:00:00Z",
        "url": f"{BASE_URL}/meetings/idm-new-york#session-1",
        "ical_url": f"{BASE_URL}/meetings/idm-new-york/sessions/1/event.ics",
        "panelists": [
            {
                "slug": "amina-j-mohammed",
                "name": "Amina J. Mohammed",
                "honorific": "Ms",
                "position": "Deputy Secretary-General",
                "organization": "",
                "role": "keynote",
                "url": f"{BASE_URL}/panelists/amina-j-mohammed",
            },
            {
                "slug": "louise-arbour",
                "name": "Louise Arbour",
                "honorific": "Ms",
                "position": "SRSG, International Migration",
                "organization": "",
                "role": "speaker",
                "url": f"{BASE_URL}/panelists/louise-arbour",
            },
        ],
        "interpretation": [],
    }
    assert document["sessions"][1]["status"] == "cancelled"


def ical_events(agenda: Agenda) -> dict[str, tuple]:
    calendar = Calendar.from_ical(calendar_bytes([agenda], INFO, base_url=BASE_URL))
    return {
        str(e["UID"]): (
            e["DTSTART"].dt.astimezone(UTC),
            e["DTEND"].dt.astimezone(UTC),
            e["SEQUENCE"],
            str(e["STATUS"]),
        )
        for e in calendar.walk("VEVENT")
    }


def test_json_agrees_with_the_calendar():
    agenda = new_york_agenda()
    document = json.loads(agenda_json(agenda, base_url=BASE_URL))
    from_json = {
        s["uid"]: (
            datetime.fromisoformat(s["starts_at"]),
            datetime.fromisoformat(s["ends_at"]),
            s["sequence"],
            "CANCELLED" if s["status"] == "cancelled" else "CONFIRMED",
        )
        for s in document["sessions"]
    }
    assert from_json == ical_events(agenda)
    for session in document["sessions"]:
        assert datetime.fromisoformat(session["local_start"]) == datetime.fromisoformat(
            session["starts_at"]
        )


def test_frab_xml_parses_and_has_days_rooms_events():
    root = ET.fromstring(frab_xml(new_york_agenda(), base_url=BASE_URL))
    assert root.tag == "schedule"
    assert root.findtext("version") == "2027-01-05T09:30:00Z"
    conference = root.find("conference")
    assert {child.tag: child.text for child in conference} == {
        "acronym": "idm-new-york",
        "title": "IDM 2027, New York",
        "start": "2027-04-20",
        "end": "2027-04-21",
        "days": "2",
        "timeslot_duration": "00:15",
        "base_url": f"{BASE_URL}/meetings/idm-new-york/",
        "time_zone_name": "America/New_York",
    }
    days = root.findall("day")
    assert [(d.get("index"), d.get("date"), d.get("start"), d.get("end")) for d in days] == [
        ("1", "2027-04-20", "2027-04-20T10:00:00-04:00", "2027-04-20T11:00:00-04:00"),
        ("2", "2027-04-21", "2027-04-21T13:15:00-04:00", "2027-04-21T14:45:00-04:00"),
    ]
    (room,) = days[0].findall("room")
    (event,) = room.findall("event")
    assert room.get("name") == "Trusteeship Council Chamber"
    assert (event.get("id"), event.get("guid")) == ("1", event_guid("session-1@idmevents"))
    assert re.fullmatch(r"[0-9a-f]{8}(-[0-9a-f]{4}){3}-[0-9a-f]{12}", event.get("guid"))
    assert {
        tag: event.findtext(tag)
        for tag in (
            "date",
            "start",
            "duration",
            "room",
            "slug",
            "url",
            "title",
            "subtitle",
            "track",
            "type",
            "language",
            "abstract",
            "description",
        )
    } == {
        "date": "2027-04-20T10:00:00-04:00",
        "start": "10:00",
        "duration": "01:00",
        "room": "Trusteeship Council Chamber",
        "slug": "idm_new_york-1-opening-session",
        "url": f"{BASE_URL}/meetings/idm-new-york#session-1",
        "title": "Opening session",
        "subtitle": "",
        "track": "Opening",
        "type": "opening",
        "language": "en",
        "abstract": "Welcome; the compact, in context.",
        "description": (
            "Keynote speaker: Ms Amina J. Mohammed, Deputy Secretary-General\n"
            "Speaker: Ms Louise Arbour, SRSG, International Migration"
        ),
    }
    assert [(p.get("id"), p.text) for p in event.find("persons")] == [
        ("7", "Ms Amina J. Mohammed"),
        ("8", "Ms Louise Arbour"),
    ]
    assert [link.get("href") for link in event.find("links")] == [
        f"{BASE_URL}/meetings/idm-new-york#session-1"
    ]
    cancelled = days[1].find("room/event")
    assert cancelled.findtext("title") == "Cancelled: Side event: data, borders, and rights"


def test_frab_xml_agrees_with_the_calendar():
    for agenda in (new_york_agenda(), geneva_agenda()):
        root = ET.fromstring(frab_xml(agenda, base_url=BASE_URL))
        uids = {event_guid(item.uid): item.uid for item in agenda.items}
        from_xml = {}
        for event in root.iter("event"):
            start = datetime.fromisoformat(event.findtext("date"))
            hours, minutes = map(int, event.findtext("duration").split(":"))
            end = start.timestamp() + hours * 3600 + minutes * 60
            from_xml[uids[event.get("guid")]] = (
                start.astimezone(UTC),
                datetime.fromtimestamp(end, UTC),
            )
        assert from_xml == {uid: times[:2] for uid, times in ical_events(agenda).items()}


def test_frab_xml_drops_characters_xml_cannot_carry():
    agenda = geneva_agenda()
    agenda.items[0].title = "Opening\x0b session & <welcome>"
    root = ET.fromstring(frab_xml(agenda, base_url=BASE_URL))
    assert root.findtext("day/room/event/title") == "Opening session & <welcome>"


def test_frab_xml_puts_sessions_without_room_in_the_venue():
    agenda = geneva_agenda()
    extra = make_item(
        11, agenda.items[0].ends_at, agenda.items[0].ends_at.replace(hour=10), room_name=""
    )
    agenda = Agenda(meeting=agenda.meeting, items=[*agenda.items, extra])
    root = ET.fromstring(frab_xml(agenda, base_url=BASE_URL))
    rooms = [(room.get("name"), room.findtext("event/room")) for room in root.findall("day/room")]
    assert rooms == [("Room XVII", "Room XVII"), ("Palais des Nations", "Palais des Nations")]
