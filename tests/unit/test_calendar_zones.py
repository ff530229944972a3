"""Every calendar we write describes its time zone the same way, and right on changeover days.

The feeds, the invitation attached to confirmations and the agenda-change notices all take their
VTIMEZONE from idmevents.vtimezone. icalendar's own writer (add_missing_timezones) puts the
spring-forward onset an hour late for parsers that follow RFC 5545, such as vobject and libical:
a session at 02:30-ish on that night, or any reader computing offsets from the rules, would be
off by an hour. Both parsers must read zoneinfo's offsets back from each of our calendars.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest
import vobject
from icalendar import Calendar

from idmevents.registrations.invitation import MeetingSpan, invitation
from idmevents.registrations.notices import changes_calendars
from idmevents.vtimezone import vtimezone
from tests.unit.feeds.test_ical import instants_to_check

NEW_YORK = ZoneInfo("America/New_York")
NOW = datetime(2027, 3, 1, 12, 0, tzinfo=UTC)
# 14 March 2027: New York springs forward at 02:00 EST. A session at 10:00 EDT that day.
STARTS = datetime(2027, 3, 14, 10, 0, tzinfo=NEW_YORK)
ENDS = datetime(2027, 3, 14, 12, 0, tzinfo=NEW_YORK)


def an_invitation() -> bytes:
    return invitation(
        uid="registration-1@example.org",
        method="REQUEST",
        title="Workshop",
        span=MeetingSpan("America/New_York", STARTS.date(), ENDS.date(), STARTS, ENDS),
        location="UN Headquarters",
        description="Your registration: https://example.org/r/x",
        url="https://example.org/meetings/m",
        now=NOW,
    )


def a_change_notice() -> bytes:
    meeting = {
        "timezone": "America/New_York",
        "title": "Workshop",
        "venue_name": "UN Headquarters",
        "venue_address": "405 East 42nd Street",
        "slug": "m",
        "status": "published",
    }
    session = {
        "id": 7,
        "uid": "session-7@example.org",
        "sequence": 2,
        "updated_at": NOW,
        "created_at": NOW,
        "kind": "panel",
        "starts_at": STARTS.astimezone(UTC),
        "ends_at": ENDS.astimezone(UTC),
        "title": "Opening",
        "room_name": "Conference Room 4",
        "description": "",
        "status": "scheduled",
    }
    registration = {"given_name": "Ana", "family_name": "Rojas", "email": "ana@example.org"}
    [attachment] = changes_calendars(meeting, [session], registration, now=NOW)
    return attachment.data


@pytest.mark.parametrize("write", [an_invitation, a_change_notice])
def test_the_zone_reads_back_as_zoneinfo_in_both_parsers(write):
    data = write()
    [ours] = [tz.to_tz() for tz in Calendar.from_ical(data).walk("VTIMEZONE")]
    [theirs] = [tz.gettzinfo() for tz in vobject.readOne(data.decode()).vtimezone_list]
    wrong = [
        moment
        for moment in instants_to_check(2027, NEW_YORK)
        if not (
            moment.astimezone(NEW_YORK).utcoffset()
            == moment.astimezone(ours).utcoffset()
            == moment.astimezone(theirs).utcoffset()
        )
    ]
    assert wrong == []
    # The event itself, read by the RFC-following parser, starts at the right instant.
    [event] = [c for c in vobject.readOne(data.decode()).getChildren() if c.name == "VEVENT"]
    assert event.dtstart.value.astimezone(UTC) == STARTS.astimezone(UTC)


@pytest.mark.parametrize("write", [an_invitation, a_change_notice])
def test_the_zone_is_written_as_the_feeds_write_it(write):
    [component] = Calendar.from_ical(write()).walk("VTIMEZONE")
    assert component.to_ical() == vtimezone("America/New_York", 2027, 2027).to_ical()


def test_an_invitation_without_times_has_whole_days_and_no_zone():
    data = invitation(
        uid="registration-1@example.org",
        method="REQUEST",
        title="Workshop",
        span=MeetingSpan("America/New_York", date(2027, 3, 14), date(2027, 3, 15)),
        location="",
        description="",
        url="",
        now=NOW,
    )
    calendar = Calendar.from_ical(data)
    assert calendar.walk("VTIMEZONE") == []
    [event] = calendar.walk("VEVENT")
    assert (event["DTSTART"].dt, event["DTEND"].dt) == (date(2027, 3, 14), date(2027, 3, 16))
