"""The one event writer: the invitation and the change notice write their events by the feeds' rules.

Each calendar is parsed back and its whole event compared, property by property, so that a
property added, dropped or written differently by one writer shows up here.
"""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from icalendar import Calendar

from idmevents.calendar_events import PRODID, location
from idmevents.registrations.invitation import MeetingSpan, invitation, sequence_at
from idmevents.registrations.notices import changes_calendars

NEW_YORK = ZoneInfo("America/New_York")
NOW = datetime(2027, 3, 1, 12, 0, tzinfo=UTC)
CHANGED = datetime(2027, 2, 27, 9, 30, tzinfo=UTC)
CREATED = datetime(2027, 1, 2, 8, 0, tzinfo=UTC)
STARTS = datetime(2027, 4, 20, 10, 0, tzinfo=NEW_YORK)
ENDS = datetime(2027, 4, 21, 18, 0, tzinfo=NEW_YORK)
DECODED = {"DTSTAMP", "DTSTART", "DTEND", "SEQUENCE", "CREATED", "LAST-MODIFIED"}


def whole_event(data: bytes) -> tuple[dict, dict]:
    """The calendar's own properties and its one event's, decoded."""
    calendar = Calendar.from_ical(data)
    [event] = calendar.walk("VEVENT")
    head = {
        name: str(value)
        for name, value in calendar.property_items(recursive=False)
        if name not in ("BEGIN", "END")
    }
    facts = {
        name: event.decoded(name) if name in DECODED else str(value)
        for name, value in event.property_items(recursive=False)
        if name not in ("BEGIN", "END")
    }
    return head, facts


def an_invitation(method: str = "REQUEST", span: MeetingSpan | None = None) -> bytes:
    return invitation(
        uid="registration-1@example.org",
        method=method,
        title="Workshop",
        span=span or MeetingSpan("America/New_York", STARTS.date(), ENDS.date(), STARTS, ENDS),
        location="United Nations Headquarters, 405 East 42nd Street, New York",
        description="Your registration: https://example.org/r/x",
        url="https://example.org/meetings/m",
        now=NOW,
    )


def test_the_invitation_is_one_whole_event_stamped_with_the_change_that_sent_it():
    head, event = whole_event(an_invitation())
    assert head == {
        "VERSION": "2.0",
        "PRODID": PRODID,
        "CALSCALE": "GREGORIAN",
        "METHOD": "REQUEST",
    }
    assert event == {
        "SUMMARY": "Workshop",
        "DTSTART": STARTS,
        "DTEND": ENDS,
        # This version of the invitation is made by the change that sends it, at NOW.
        "DTSTAMP": NOW,
        "UID": "registration-1@example.org",
        "SEQUENCE": sequence_at(NOW),
        "DESCRIPTION": "Your registration: https://example.org/r/x",
        "LAST-MODIFIED": NOW,
        "LOCATION": "United Nations Headquarters, 405 East 42nd Street, New York",
        "STATUS": "CONFIRMED",
        "TRANSP": "OPAQUE",
        "URL": "https://example.org/meetings/m",
    }


def test_a_cancelled_seat_cancels_the_same_event():
    head, event = whole_event(an_invitation("CANCEL"))
    assert (head["METHOD"], event["UID"], event["STATUS"]) == (
        "CANCEL",
        "registration-1@example.org",
        "CANCELLED",
    )


def test_a_change_notice_updates_the_invited_event_of_the_same_uid():
    meeting = {
        "slug": "idm-new-york",
        "title": "IDM 2027, New York",
        "timezone": "America/New_York",
        "status": "published",
        "venue_name": "United Nations Headquarters",
        "venue_address": "405 East 42nd Street\nNew York, NY 10017",
    }
    session = {
        "id": 7,
        "uid": "session-7@idmevents",
        "title": "Opening",
        "description": "Welcome.",
        "kind": "break",
        "status": "cancelled",
        "sequence": 3,
        "starts_at": STARTS.astimezone(UTC),
        "ends_at": STARTS.replace(hour=11).astimezone(UTC),
        "room_name": "Conference Room 4",
        "created_at": CREATED,
        "updated_at": CHANGED,
    }
    registration = {"given_name": "Ana", "family_name": "Rojas", "email": "ana@example.org"}
    [attachment] = changes_calendars(meeting, [session], registration, now=NOW)
    assert (attachment.method, attachment.filename) == ("CANCEL", "agenda-cancellations.ics")
    head, event = whole_event(attachment.data)
    assert head == {
        "VERSION": "2.0",
        "PRODID": PRODID,
        "CALSCALE": "GREGORIAN",
        "METHOD": "CANCEL",
    }
    assert event == {
        "SUMMARY": "Opening",
        "DTSTART": STARTS,
        "DTEND": STARTS.replace(hour=11),
        # A scheduling message is stamped when it is made, and supersedes the last one sent.
        "DTSTAMP": NOW,
        "UID": "session-7@idmevents",
        "SEQUENCE": sequence_at(NOW),
        "CREATED": CREATED,
        "DESCRIPTION": "Welcome.\n\nhttps://testserver.local/meetings/idm-new-york#session-7",
        "LAST-MODIFIED": CHANGED,
        "LOCATION": (
            "Conference Room 4, United Nations Headquarters, 405 East 42nd Street, "
            "New York, NY 10017"
        ),
        "STATUS": "CANCELLED",
        "TRANSP": "TRANSPARENT",
        "URL": "https://testserver.local/meetings/idm-new-york#session-7",
        "ORGANIZER": "mailto:noreply@localhost",
        "ATTENDEE": "mailto:ana@example.org",
    }


def test_location_runs_from_room_to_address_on_one_line():
    assert location("Room 4", None, "", " Venue ", "Street 1\n\nCity\n") == (
        "Room 4, Venue, Street 1, City"
    )
    assert location(None, "", "  ") == ""
