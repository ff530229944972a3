"""Notifying participants of agenda changes: who hears, what they read, and never twice."""

import email
import secrets
from datetime import UTC, date, datetime, timedelta
from email.policy import default
from zoneinfo import ZoneInfo

from icalendar import Calendar

from idmevents.audit import SYSTEM
from idmevents.calendar_events import PRODID, sequence_at
from idmevents.feeds import services as feeds
from idmevents.jobs.worker import run_one
from idmevents.mail.recipes import render_waiting
from idmevents.mail.tables import OutboxMessage
from idmevents.meetings import builder
from idmevents.meetings.tables import AgendaChange, Meeting, MeetingSession
from idmevents.registrations import notices
from idmevents.registrations.tables import Registration, SessionAttendance
from tests.support.notices import notify

NOW = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)
LATER = NOW + timedelta(hours=1)
NEW_YORK = ZoneInfo("America/New_York")


def ny(hour: int) -> datetime:
    return datetime(2027, 4, 20, hour, tzinfo=NEW_YORK)


async def register(meeting_id: int, given: str, status="confirmed", sessions=()) -> int:
    rows = await Registration.insert(
        Registration(
            meeting=meeting_id,
            token=secrets.token_urlsafe(16),
            feed_token=secrets.token_urlsafe(16),
            given_name=given,
            family_name="Tester",
            email=f"{given.lower()}@example.org",
            email_key=f"{given.lower()}@example.org",
            category="member-state",
            status=status,
            language="en",
        )
    ).returning(Registration.id)
    for session_id in sessions:
        await SessionAttendance.insert(
            SessionAttendance(registration=rows[0]["id"], meeting_session=session_id)
        )
    return rows[0]["id"]


async def published_meeting_with_two_sessions() -> tuple[dict, dict, dict]:
    meeting = await builder.create_meeting(
        {
            "slug": "idm-test",
            "title": "IDM test workshop",
            "timezone": "America/New_York",
            "starts_on": date(2027, 4, 20),
            "ends_on": date(2027, 4, 21),
            "status": "published",
            "venue_name": "United Nations Headquarters",
            "venue_address": "405 East 42nd Street\nNew York, NY 10017",
        },
        by=SYSTEM,
        now=NOW,
    )
    first = await builder.create_session(
        "idm-test", {"title": "Panel 1", "starts_at": ny(10), "ends_at": ny(11)}, by=SYSTEM, now=NOW
    )
    second = await builder.create_session(
        "idm-test", {"title": "Panel 2", "starts_at": ny(14), "ends_at": ny(15)}, by=SYSTEM, now=NOW
    )
    # The "added" changes of the initial agenda are not news to anyone registering after them.
    await notify("idm-test", now=NOW)
    return meeting, first, second


def event_facts(event) -> dict:
    """Every property of a VEVENT, decoded (dates as datetimes, text as str)."""
    return {
        name: event.decoded(name) if name in DECODED else str(value)
        for name, value in event.property_items(recursive=False)
        if name not in ("BEGIN", "END")
    }


DECODED = {"DTSTAMP", "DTSTART", "DTEND", "SEQUENCE", "CREATED", "LAST-MODIFIED"}


def notice_calendars(row: dict) -> dict[str, Calendar]:
    """The notice's calendar objects, by iTIP method."""
    message = parsed(row)
    parts = [p for p in message.iter_attachments() if p.get_content_type() == "text/calendar"]
    return {p.get_param("method"): Calendar.from_ical(p.get_content()) for p in parts}


def parsed(row: dict) -> email.message.EmailMessage:
    return email.message_from_string(row["raw"], policy=default)


async def test_notify_sends_each_affected_participant_one_email_once():
    meeting, first, _ = await published_meeting_with_two_sessions()
    side = await builder.create_session(
        "idm-test",
        {"title": "Side event", "kind": "side-event", "starts_at": ny(16), "ends_at": ny(17)},
        by=SYSTEM,
        now=NOW,
    )
    await notify("idm-test", now=NOW)
    ana = await register(meeting["id"], "Ana")
    ben = await register(meeting["id"], "Ben", sessions=[first["id"]])
    cleo = await register(meeting["id"], "Cleo", sessions=[side["id"]])
    await register(meeting["id"], "Dan", status="pending")  # not confirmed: not told
    await builder.update_session(
        first["id"], {"starts_at": ny(12), "ends_at": ny(13)}, by=SYSTEM, now=LATER
    )
    await builder.set_session_status(first["id"], "cancelled", by=SYSTEM, now=LATER)

    # A plenary session is on everyone's agenda, whatever side events they chose.
    assert await notify("idm-test", now=LATER) == 3
    rows = await OutboxMessage.select().order_by(OutboxMessage.id)
    assert [(r["to_address"], r["registration"], r["kind"]) for r in rows] == [
        ("ana@example.org", ana, "agenda-changed"),
        ("ben@example.org", ben, "agenda-changed"),
        ("cleo@example.org", cleo, "agenda-changed"),
    ]
    message = parsed(rows[1])
    assert message["Subject"] == "Agenda changes: IDM test workshop"
    text = message.get_body(("plain",)).get_content()
    assert (
        "- “Panel 1” moved from Apr 20, 2027 10:00–11:00 EDT to Apr 20, 2027 12:00–13:00 EDT."
        in text
    )
    assert "- “Panel 1” (Apr 20, 2027 12:00–13:00 EDT) is cancelled." in text
    # The session is cancelled: its event is taken away from the calendar the invitation filled.
    calendars = notice_calendars(rows[1])
    assert list(calendars) == ["CANCEL"]
    calendar = calendars["CANCEL"]
    assert (str(calendar["PRODID"]), str(calendar["METHOD"])) == (PRODID, "CANCEL")
    [event] = calendar.walk("VEVENT")
    assert event_facts(event) == {
        "UID": first["uid"],
        # A message to an attendee: stamped when it is made, numbered above the last one.
        "DTSTAMP": LATER,
        "DTSTART": ny(12),
        "DTEND": ny(13),
        "SUMMARY": "Panel 1",
        "DESCRIPTION": f"https://testserver.local/meetings/idm-test#session-{first['id']}",
        "LOCATION": "United Nations Headquarters, 405 East 42nd Street, New York, NY 10017",
        "URL": f"https://testserver.local/meetings/idm-test#session-{first['id']}",
        "SEQUENCE": sequence_at(LATER),
        "CREATED": NOW,
        "LAST-MODIFIED": LATER,
        "STATUS": "CANCELLED",
        "TRANSP": "OPAQUE",
        "ORGANIZER": "mailto:noreply@localhost",
        "ATTENDEE": "mailto:ben@example.org",
    }

    assert await notify("idm-test", now=LATER) == 0
    assert await OutboxMessage.count() == 3
    assert await AgendaChange.count().where(AgendaChange.notified_at.is_null()) == 0
    assert (await Meeting.select(Meeting.last_notified_at).first())["last_notified_at"] == LATER


async def test_a_side_event_change_reaches_only_those_holding_a_place_in_it():
    meeting, _, _ = await published_meeting_with_two_sessions()
    side = await builder.create_session(
        "idm-test",
        {"title": "Side event", "kind": "side-event", "starts_at": ny(16), "ends_at": ny(17)},
        by=SYSTEM,
        now=NOW,
    )
    await notify("idm-test", now=NOW)
    await register(meeting["id"], "Ana")
    await register(meeting["id"], "Cleo", sessions=[side["id"]])
    await builder.update_session(
        side["id"], {"starts_at": ny(17), "ends_at": ny(18)}, by=SYSTEM, now=LATER
    )
    assert await notify("idm-test", now=LATER) == 1
    [row] = await OutboxMessage.select()
    assert row["to_address"] == "cleo@example.org"
    [event] = notice_calendars(row)["REQUEST"].walk("VEVENT")
    assert (str(event["UID"]), event.decoded("DTSTART"), str(event["STATUS"])) == (
        side["uid"],
        ny(17),
        "CONFIRMED",
    )
    attendee = event["ATTENDEE"]
    assert (str(attendee), attendee.params["PARTSTAT"], attendee.params["RSVP"]) == (
        "mailto:cleo@example.org",
        "ACCEPTED",
        "FALSE",
    )


async def test_notify_lists_only_changes_since_the_last_notice():
    meeting, first, second = await published_meeting_with_two_sessions()
    await register(meeting["id"], "Ana")
    await builder.update_session(
        first["id"], {"starts_at": ny(12), "ends_at": ny(13)}, by=SYSTEM, now=LATER
    )
    await notify("idm-test", now=LATER)
    await builder.set_session_status(second["id"], "cancelled", by=SYSTEM, now=LATER)
    await notify("idm-test", now=LATER)
    rows = await OutboxMessage.select().order_by(OutboxMessage.id)
    text = parsed(rows[1]).get_body(("plain",)).get_content()
    assert "Panel 2" in text
    assert "Panel 1" not in text


async def test_recent_changes_read_in_local_time():
    meeting, first, _ = await published_meeting_with_two_sessions()
    await builder.update_session(
        first["id"], {"starts_at": ny(16), "ends_at": ny(17)}, by=SYSTEM, now=LATER
    )
    changes = await builder.recent_changes(meeting, limit=1)
    assert [(c["kind"], c["text"]) for c in changes] == [
        (
            "retimed",
            "“Panel 1” moved from Apr 20, 2027 10:00–11:00 EDT to Apr 20, 2027 16:00–17:00 EDT.",
        )
    ]


async def test_two_organizers_pressing_notify_at_once_send_one_email_each():
    import asyncio

    meeting, first, _ = await published_meeting_with_two_sessions()
    await register(meeting["id"], "Ana")
    await register(meeting["id"], "Ben")
    await builder.update_session(
        first["id"], {"starts_at": ny(12), "ends_at": ny(13)}, by=SYSTEM, now=LATER
    )
    queued = await asyncio.gather(
        *(notices.queue_notice("idm-test", by=SYSTEM, now=LATER) for _ in range(3))
    )
    assert [job_id is None for job_id in queued].count(False) == 1
    assert await run_one(now=LATER)
    assert not await run_one(now=LATER)
    await render_waiting()
    rows = await OutboxMessage.select(OutboxMessage.to_address).order_by(OutboxMessage.to_address)
    assert rows == [{"to_address": "ana@example.org"}, {"to_address": "ben@example.org"}]


async def test_the_notice_carries_each_session_as_the_feed_does():
    meeting, first, second = await published_meeting_with_two_sessions()
    await register(meeting["id"], "Ana")
    await builder.update_session(
        first["id"], {"starts_at": ny(12), "ends_at": ny(13)}, by=SYSTEM, now=LATER
    )
    await builder.set_session_status(second["id"], "cancelled", by=SYSTEM, now=LATER)
    noticed = LATER + timedelta(days=1)
    await notify("idm-test", now=noticed)
    [row] = await OutboxMessage.select()
    calendars = notice_calendars(row)
    assert sorted(calendars) == ["CANCEL", "REQUEST"]
    sent = {
        str(e["UID"]): event_facts(e)
        for calendar in calendars.values()
        for e in calendar.walk("VEVENT")
    }
    feed = await feeds.meeting_calendar("idm-test", base_url="https://testserver.local")
    published = {
        str(e["UID"]): event_facts(e) for e in Calendar.from_ical(feed.body).walk("VEVENT")
    }
    shared = ("UID", "DTSTART", "DTEND", "LOCATION", "URL", "STATUS", "ORGANIZER")
    shared += ("CREATED", "LAST-MODIFIED", "TRANSP")
    uids = [row["uid"] for row in await MeetingSession.select().order_by(MeetingSession.id)]
    assert sorted(sent) == sorted(uids)
    for uid in uids:
        assert {name: sent[uid][name] for name in shared} == {
            name: published[uid][name] for name in shared
        }
        assert (sent[uid]["DTSTAMP"], sent[uid]["SEQUENCE"]) == (noticed, sequence_at(noticed))
