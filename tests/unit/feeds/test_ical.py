"""The iCalendar builder, read back by icalendar and by vobject (a parser icalendar's authors did not write)."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import vobject
from icalendar import Calendar

from idmevents.calendar_events import Party
from idmevents.feeds.ical import PRODID, CalendarInfo, build_calendar, calendar_bytes
from idmevents.meetings.services import Agenda
from tests.factories.agendas import (
    BASE_URL,
    CHANGED,
    GENEVA,
    NEW_YORK,
    geneva_agenda,
    make_item,
    make_meeting,
    new_york_agenda,
)

INFO = CalendarInfo(
    name="IDM 2027, New York",
    description="The agenda, in New York time.\nSecond line; with a comma, too.",
    source_url=f"{BASE_URL}/meetings/idm-new-york/agenda.ics",
    page_url=f"{BASE_URL}/meetings/idm-new-york",
    organizer=Party("idm@example.org", "IDM Secretariat"),
)


def parse(data: bytes) -> Calendar:
    return Calendar.from_ical(data)


def events_by_uid(calendar: Calendar) -> dict:
    return {str(event["UID"]): event for event in calendar.walk("VEVENT")}


def test_calendar_properties_are_all_present_and_right():
    data = calendar_bytes([new_york_agenda()], INFO, base_url=BASE_URL)
    calendar = parse(data)
    assert str(calendar["PRODID"]) == PRODID
    assert str(calendar["VERSION"]) == "2.0"
    assert str(calendar["CALSCALE"]) == "GREGORIAN"
    assert str(calendar["METHOD"]) == "PUBLISH"
    assert str(calendar["NAME"]) == "IDM 2027, New York"
    assert str(calendar["DESCRIPTION"]) == INFO.description
    # X-WR-* are TEXT (RFC 5545 3.8.8.2: the default type of an X- property), so escaped;
    # icalendar reads them back raw, vobject unescapes them as calendar apps do.
    assert b"X-WR-CALNAME:IDM 2027\\, New York\r\n" in data
    other = vobject.readOne(data.decode())
    assert other.x_wr_calname.value == "IDM 2027, New York"
    assert other.x_wr_caldesc.value == INFO.description
    assert other.x_wr_timezone.value == "America/New_York"
    assert str(calendar["SOURCE"]) == INFO.source_url
    assert str(calendar["URL"]) == INFO.page_url
    refresh = calendar["REFRESH-INTERVAL"]
    assert (refresh.dt, refresh.params["VALUE"]) == (timedelta(hours=1), "DURATION")
    assert calendar["X-PUBLISHED-TTL"].to_ical() == b"PT1H"
    assert [tz["TZID"] for tz in calendar.walk("VTIMEZONE")] == ["America/New_York"]


def test_session_event_has_every_property():
    calendar = parse(calendar_bytes([new_york_agenda()], INFO, base_url=BASE_URL))
    event = events_by_uid(calendar)["session-1@idmevents"]
    assert {
        "uid": str(event["UID"]),
        "dtstamp": event["DTSTAMP"].dt,
        "dtstart": event["DTSTART"].dt,
        "dtstart_tzid": event["DTSTART"].params["TZID"],
        "dtend": event["DTEND"].dt,
        "summary": str(event["SUMMARY"]),
        "description": str(event["DESCRIPTION"]),
        "location": str(event["LOCATION"]),
        "url": str(event["URL"]),
        "categories": [str(c) for c in event["CATEGORIES"].cats],
        "sequence": event["SEQUENCE"],
        "created": event["CREATED"].dt,
        "last_modified": event["LAST-MODIFIED"].dt,
        "status": str(event["STATUS"]),
        "transp": str(event["TRANSP"]),
    } == {
        "uid": "session-1@idmevents",
        # The last change, not the time of the download: see feeds/ical.py.
        "dtstamp": datetime(2027, 1, 4, 12, 0, tzinfo=UTC),
        "dtstart": datetime(2027, 4, 20, 10, 0, tzinfo=NEW_YORK),
        "dtstart_tzid": "America/New_York",
        "dtend": datetime(2027, 4, 20, 11, 0, tzinfo=NEW_YORK),
        "summary": "Opening session",
        "description": (
            "Welcome; the compact, in context.\n\n"
            "Keynote speaker: Ms Amina J. Mohammed, Deputy Secretary-General\n"
            "Speaker: Ms Louise Arbour, SRSG, International Migration\n\n"
            f"{BASE_URL}/meetings/idm-new-york#session-1"
        ),
        "location": (
            "Trusteeship Council Chamber, United Nations Headquarters, "
            "405 East 42nd Street, New York"
        ),
        "url": f"{BASE_URL}/meetings/idm-new-york#session-1",
        "categories": ["Opening"],
        "sequence": 2,
        "created": datetime(2027, 1, 2, 8, 0, tzinfo=UTC),
        "last_modified": datetime(2027, 1, 4, 12, 0, tzinfo=UTC),
        "status": "CONFIRMED",
        "transp": "OPAQUE",
    }


def test_cancelled_session_stays_as_cancelled():
    calendar = parse(calendar_bytes([new_york_agenda()], INFO, base_url=BASE_URL))
    event = events_by_uid(calendar)["session-2@idmevents"]
    assert (str(event["STATUS"]), str(event["SUMMARY"]), event["SEQUENCE"]) == (
        "CANCELLED",
        "Cancelled: Side event: data, borders, and rights",
        1,
    )
    assert str(event["DESCRIPTION"]).startswith("This session has been cancelled.\n\n")


def test_cancelled_meeting_cancels_every_session():
    agenda = new_york_agenda()
    agenda = Agenda(meeting=agenda.meeting | {"status": "cancelled"}, items=agenda.items)
    calendar = parse(calendar_bytes([agenda], INFO, base_url=BASE_URL))
    assert [str(e["STATUS"]) for e in calendar.walk("VEVENT")] == ["CANCELLED", "CANCELLED"]


def test_new_york_in_april_is_utc_minus_four():
    data = calendar_bytes([new_york_agenda()], INFO, base_url=BASE_URL)
    assert b"DTSTART;TZID=America/New_York:20270420T100000\r\n" in data
    event = events_by_uid(parse(data))["session-1@idmevents"]
    assert event["DTSTART"].dt.astimezone(UTC) == datetime(2027, 4, 20, 14, 0, tzinfo=UTC)
    assert event["DTEND"].dt.astimezone(UTC) == datetime(2027, 4, 20, 15, 0, tzinfo=UTC)


def test_geneva_in_july_is_utc_plus_two():
    info = replace(INFO, name="IDM 2027, Geneva")
    data = calendar_bytes([geneva_agenda()], info, base_url=BASE_URL)
    assert b"DTSTART;TZID=Europe/Zurich:20270720T100000\r\n" in data
    event = events_by_uid(parse(data))["session-10@idmevents"]
    assert event["DTSTART"].dt.astimezone(UTC) == datetime(2027, 7, 20, 8, 0, tzinfo=UTC)
    assert event["DTEND"].dt.astimezone(UTC) == datetime(2027, 7, 20, 9, 0, tzinfo=UTC)


def instants_to_check(year: int, zone: ZoneInfo):
    """Every six hours of the year, and every ten minutes of the days around each change of offset."""
    start = datetime(year, 1, 1, tzinfo=zone).astimezone(UTC)
    end = datetime(year + 1, 1, 1, tzinfo=zone).astimezone(UTC)
    moment = start
    while moment < end:
        yield moment
        following = moment + timedelta(hours=6)
        if moment.astimezone(zone).utcoffset() != following.astimezone(zone).utcoffset():
            close = moment - timedelta(hours=24)
            while close < following + timedelta(hours=24):
                yield close
                close += timedelta(minutes=10)
        moment = following


def test_vtimezone_offsets_agree_with_zoneinfo_in_both_parsers():
    """Through the whole span, and closely around each change, the feed's own VTIMEZONE gives zoneinfo's offset, read by
    icalendar and by vobject (which reads observance onsets as RFC 5545 says: in TZOFFSETFROM)."""
    data = calendar_bytes([new_york_agenda(), geneva_agenda()], INFO, base_url=BASE_URL)
    ours = {tz["TZID"]: tz.to_tz() for tz in parse(data).walk("VTIMEZONE")}
    theirs = {tz.tzid.value: tz.gettzinfo() for tz in vobject.readOne(data.decode()).vtimezone_list}
    assert sorted(ours) == sorted(theirs) == ["America/New_York", "Europe/Zurich"]
    for name in ours:
        zone = ZoneInfo(name)
        wrong = [
            moment
            for moment in instants_to_check(2027, zone)
            if not (
                moment.astimezone(zone).utcoffset()
                == moment.astimezone(ours[name]).utcoffset()
                == moment.astimezone(theirs[name]).utcoffset()
            )
        ]
        assert wrong == [], name


def test_vtimezone_covers_only_the_years_of_the_events():
    calendar = parse(calendar_bytes([new_york_agenda()], INFO, base_url=BASE_URL))
    (timezone,) = calendar.walk("VTIMEZONE")
    onsets = [(part.name, part["DTSTART"].dt) for part in timezone.subcomponents]
    assert onsets == [
        ("STANDARD", datetime(2027, 1, 1, 0, 0)),
        ("DAYLIGHT", datetime(2027, 3, 14, 2, 0)),
        ("STANDARD", datetime(2027, 11, 7, 2, 0)),
    ]


def test_vtimezone_spans_every_year_between_first_and_last_event():
    agenda = new_york_agenda()
    later = make_item(
        3,
        datetime(2029, 1, 10, 9, 0, tzinfo=NEW_YORK),
        datetime(2029, 1, 10, 10, 0, tzinfo=NEW_YORK),
    )
    agenda = Agenda(meeting=agenda.meeting, items=[*agenda.items, later])
    (timezone,) = parse(calendar_bytes([agenda], INFO, base_url=BASE_URL)).walk("VTIMEZONE")
    years = sorted({part["DTSTART"].dt.year for part in timezone.subcomponents})
    assert (years, len(timezone.subcomponents)) == ([2027, 2028, 2029], 7)


def test_second_parser_reads_the_same_events_at_the_same_instants():
    agendas = [new_york_agenda(), geneva_agenda()]
    data = calendar_bytes(agendas, INFO, base_url=BASE_URL)
    parsed = vobject.readOne(data.decode("utf-8"))
    read = sorted(
        (
            event.uid.value,
            event.dtstart.value.astimezone(UTC),
            event.dtend.value.astimezone(UTC),
            event.summary.value,
            int(event.sequence.value),
            event.status.value,
        )
        for event in parsed.vevent_list
    )
    expected = sorted(
        (
            item.uid,
            item.starts_at,
            item.ends_at,
            ("Cancelled: " if item.cancelled else "") + item.title,
            item.sequence,
            "CANCELLED" if item.cancelled else "CONFIRMED",
        )
        for agenda in agendas
        for item in agenda.items
    )
    assert read == expected


def test_lines_end_in_crlf_fold_at_75_octets_and_text_is_escaped():
    long_title = "Migrants in countries in crisis, returns; reintegration — " * 4
    agenda = new_york_agenda()
    agenda.items[0].title = long_title
    agenda.items[0].description = "Line one,\nline two; and a back\\slash."
    data = calendar_bytes([agenda], INFO, base_url=BASE_URL)
    lines = data.split(b"\r\n")
    assert data.endswith(b"END:VCALENDAR\r\n")
    assert b"\n" not in data.replace(b"\r\n", b"")
    assert max(len(line) for line in lines) <= 75
    assert b"SUMMARY:Migrants in countries in crisis\\, returns\\; reintegration" in data
    assert b"Line one\\,\\nline two\\; and a back\\\\slash." in data.replace(b"\r\n ", b"")
    event = events_by_uid(parse(data))["session-1@idmevents"]
    assert str(event["SUMMARY"]) == long_title
    assert str(event["DESCRIPTION"]).startswith("Line one,\nline two; and a back\\slash.\n\n")


def test_bytes_are_the_whole_calendar_serialised_by_icalendar():
    """calendar_bytes assembles cached pieces: they must add up to icalendar's own output."""
    agendas = [new_york_agenda(), geneva_agenda()]
    calendar_bytes(agendas, INFO, base_url=BASE_URL)  # fill the caches
    assert calendar_bytes(agendas, INFO, base_url=BASE_URL) == (
        build_calendar(agendas, INFO, base_url=BASE_URL).to_ical()
    )


def test_same_agenda_gives_the_same_bytes():
    """No clock, no random UID: the feed's ETag can be its content hash."""
    first = calendar_bytes([new_york_agenda()], INFO, base_url=BASE_URL)
    second = calendar_bytes([new_york_agenda()], INFO, base_url=BASE_URL)
    assert first == second


def test_retimed_session_keeps_uid_and_moves_sequence_and_stamps():
    agenda = new_york_agenda()
    before = events_by_uid(parse(calendar_bytes([agenda], INFO, base_url=BASE_URL)))
    changed = CHANGED + timedelta(days=3)
    item = agenda.items[0]
    item.starts_at += timedelta(hours=2)
    item.ends_at += timedelta(hours=2)
    item.sequence += 1
    item.updated_at = changed
    after = events_by_uid(parse(calendar_bytes([agenda], INFO, base_url=BASE_URL)))
    old, new = before["session-1@idmevents"], after["session-1@idmevents"]
    assert sorted(before) == sorted(after)
    assert (old["SEQUENCE"], new["SEQUENCE"]) == (2, 3)
    assert new["LAST-MODIFIED"].dt == new["DTSTAMP"].dt == changed > old["LAST-MODIFIED"].dt
    assert new["DTSTART"].dt == datetime(2027, 4, 20, 12, 0, tzinfo=NEW_YORK)


def test_calendar_of_two_zones_has_both_and_no_default_zone():
    calendar = parse(calendar_bytes([new_york_agenda(), geneva_agenda()], INFO, base_url=BASE_URL))
    assert sorted(str(tz["TZID"]) for tz in calendar.walk("VTIMEZONE")) == [
        "America/New_York",
        "Europe/Zurich",
    ]
    assert "X-WR-TIMEZONE" not in calendar
    starts = [e["DTSTART"].dt for e in calendar.walk("VEVENT")]
    assert starts == sorted(starts, key=lambda moment: moment.astimezone(UTC))
    assert starts[-1].tzinfo == GENEVA


def test_empty_agenda_is_a_valid_calendar_without_events():
    agenda = Agenda(meeting=make_meeting(), items=[])
    calendar = build_calendar([agenda], INFO, base_url=BASE_URL)
    parsed = parse(calendar.to_ical())
    assert (parsed.walk("VEVENT"), parsed.walk("VTIMEZONE")) == ([], [])
    assert str(parsed["METHOD"]) == "PUBLISH"


def test_break_does_not_make_anyone_busy():
    agenda = Agenda(
        meeting=make_meeting(),
        items=[
            make_item(
                5,
                datetime(2027, 4, 20, 13, 0, tzinfo=NEW_YORK),
                datetime(2027, 4, 20, 14, 0, tzinfo=NEW_YORK),
                kind="break",
                title="Lunch",
            )
        ],
    )
    (event,) = parse(calendar_bytes([agenda], INFO, base_url=BASE_URL)).walk("VEVENT")
    assert (str(event["TRANSP"]), [str(c) for c in event["CATEGORIES"].cats]) == (
        "TRANSPARENT",
        ["Break"],
    )
    assert "LOCATION" in event and str(event["LOCATION"]) == (
        "United Nations Headquarters, 405 East 42nd Street, New York"
    )


def test_event_without_panelists_or_description_links_its_page():
    (event,) = [
        e for e in parse(calendar_bytes([geneva_agenda()], INFO, base_url=BASE_URL)).walk("VEVENT")
    ]
    assert str(event["DESCRIPTION"]) == (
        f"Keynote speaker: Ms Louise Arbour\n\n{BASE_URL}/meetings/idm-geneva#session-10"
    )
    assert event["DTSTART"].dt.date() == date(2027, 7, 20)


def test_every_published_event_names_the_secretariat_as_organizer():
    """RFC 5546 §3.2.1: an event published with METHOD:PUBLISH MUST have an ORGANIZER."""
    calendar = parse(calendar_bytes([new_york_agenda(), geneva_agenda()], INFO, base_url=BASE_URL))
    events = calendar.walk("VEVENT")
    assert events
    assert {(str(e["ORGANIZER"]), e["ORGANIZER"].params["CN"]) for e in events} == {
        ("mailto:idm@example.org", "IDM Secretariat")
    }
    assert not any("ATTENDEE" in e for e in events)
