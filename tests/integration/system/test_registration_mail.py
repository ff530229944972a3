"""Registration emails all the way to an SMTP server: the running site, its outbox worker, aiosmtpd."""

import asyncio
import re
import time
from datetime import UTC

import httpx
import pytest
from icalendar import Calendar

from idmevents.meetings.tables import Meeting, MeetingSession
from idmevents.registrations import services
from idmevents.registrations.tables import Registration
from tests.factories.registrations import form
from tests.support.database import truncate_all
from tests.support.live_server import LiveServer
from tests.support.outbox import body_text, calendar_part
from tests.support.smtp import SmtpServer


@pytest.fixture(scope="module")
def mail_server():
    server = SmtpServer().start()
    yield server
    server.stop()


@pytest.fixture(scope="module")
async def site(mail_server):
    """The site as deployed by default: `serve` with its embedded outbox worker, mail over SMTP."""
    # Its worker starts sending at once: what earlier tests left in the outbox must be gone.
    await truncate_all()
    live = LiveServer(
        env={
            "IDMEVENTS_SMTP_URL": mail_server.url,
            "IDMEVENTS_EMBEDDED_WORKER": "1",
            "IDMEVENTS_MAIL_POLL_SECONDS": "0.2",
            "IDMEVENTS_REGISTRATION_RATE_LIMIT": "0/minute",
        }
    ).start()
    yield live
    live.stop()


@pytest.fixture
def inbox(mail_server, clean_database):
    mail_server.deliveries.clear()
    return mail_server


def addressed_to(messages, address: str):
    return [m for m in messages if m["To"].addresses[0].addr_spec == address]


async def wait_for_mail(inbox, addresses: set[str], count: int, within: float = 15):
    """The messages to these addresses, once `count` of them have arrived."""
    deadline = time.monotonic() + within
    while True:
        mine = [m for m in inbox.messages if m["To"].addresses[0].addr_spec in addresses]
        if len(mine) >= count:
            return mine
        if time.monotonic() > deadline:
            raise AssertionError(f"{len(mine)} of {count} messages arrived")
        await asyncio.sleep(0.05)


async def manage_url(site, email: str) -> str:
    """The private link of the registration of `email` (the API answers everyone alike)."""
    row = (
        await Registration.select(Registration.token).where(Registration.email_key == email).first()
    )
    return f"{site.url}/r/{row['token']}"


async def test_confirmation_arrives_with_the_meeting_in_the_calendar(site, inbox, demo):
    async with httpx.AsyncClient(base_url=site.url) as http:
        answer = await http.post(
            "/api/v1/meetings/idm-new-york/registrations", json=form(1, language="en")
        )
    assert answer.status_code == 202
    [message] = await wait_for_mail(inbox, {"person1@example.org"}, 1)
    assert (str(message["Subject"]), message["To"].addresses[0].addr_spec) == (
        "Registration confirmed: International Dialogue on Migration 2017 — First workshop, "
        "New York",
        "person1@example.org",
    )
    assert await manage_url(site, "person1@example.org") in body_text(message)

    part = calendar_part(message)
    assert (part.get_content_type(), part.get_param("method")) == ("text/calendar", "REQUEST")
    calendar = Calendar.from_ical(part.get_content())
    # The person's agenda: the meeting's sessions but its side events, one event each.
    agenda = (
        await MeetingSession.select()
        .where(
            (MeetingSession.meeting.slug == "idm-new-york")
            & (MeetingSession.status == "scheduled")
            & (MeetingSession.kind != "side-event")
            & MeetingSession.capacity.is_null()
        )
        .order_by(MeetingSession.starts_at)
        .order_by(MeetingSession.id)
    )
    assert [str(e["UID"]) for e in calendar.events] == [row["uid"] for row in agenda]
    event = next(e for e in calendar.events if str(e["UID"]) == "idm-new-york-opening@idmevents")
    opening = next(row for row in agenda if row["uid"] == "idm-new-york-opening@idmevents")
    assert str(event["SUMMARY"]) == opening["title"]
    # 10:00 in New York in April is 14:00 UTC, and the event says so in New York's own zone.
    assert event.start == opening["starts_at"]
    assert event.start.astimezone(UTC).hour == 14
    assert event.start.tzinfo.key == "America/New_York"
    assert [tz.tz_name for tz in calendar.timezones] == ["America/New_York"]
    assert str(event["ATTENDEE"]) == "mailto:person1@example.org"
    assert "ORGANIZER" in event


async def test_cancelling_gives_the_seat_to_the_first_waiting_who_is_emailed(site, inbox, demo):
    await Meeting.update({Meeting.capacity: 1}).where(Meeting.slug == "idm-new-york")
    async with httpx.AsyncClient(base_url=site.url) as http:
        for n in (11, 12, 13):
            answer = await http.post("/api/v1/meetings/idm-new-york/registrations", json=form(n))
            assert answer.status_code == 202
        rows = await Registration.select(Registration.status, Registration.waitlist_seq).order_by(
            Registration.id
        )
        assert [(r["status"], r["waitlist_seq"]) for r in rows] == [
            ("confirmed", None),
            ("waitlisted", 1),
            ("waitlisted", 2),
        ]
        people = {f"person{n}@example.org" for n in (11, 12, 13)}
        await wait_for_mail(inbox, people, 3)
        manage = (await manage_url(site, "person11@example.org")).removeprefix(site.url)
        page = await http.get(f"{manage}/cancel")
        csrf = re.search(r'name="_csrf_token" value="([^"]+)"', page.text).group(1)
        done = await http.post(f"{manage}/cancel", data={"_csrf_token": csrf})
        assert done.status_code == 303

    messages = await wait_for_mail(inbox, people, 5)
    [promoted] = [
        m for m in addressed_to(messages, "person12@example.org") if "seat" in m["Subject"]
    ]
    assert str(promoted["Subject"]) == (
        "A seat is now yours: International Dialogue on Migration 2017 — First workshop, New York"
    )
    assert await manage_url(site, "person12@example.org") in body_text(promoted)
    assert calendar_part(promoted).get_param("method") == "REQUEST"
    cancelled = [
        m for m in addressed_to(messages, "person11@example.org") if "cancelled" in m["Subject"]
    ]
    assert calendar_part(cancelled[0]).get_param("method") == "CANCEL"
    third = await Registration.select().where(Registration.email == "person13@example.org").first()
    assert await services.waitlist_position(third) == 1
    # Each email went out once.
    ids = [str(m["Message-ID"]) for m in messages]
    assert len(ids) == len(set(ids)) == 5
