"""Notify participants, with a preview: who will be told, the email in each language, then send."""

from __future__ import annotations

import re
import secrets
from datetime import UTC, date, datetime, timedelta

import pytest

from idmevents.audit import SYSTEM
from idmevents.jobs.tables import Job
from idmevents.jobs.worker import run_one
from idmevents.mail.tables import OutboxMessage
from idmevents.meetings import builder
from idmevents.registrations.tables import Registration
from idmevents.web.organizers import agenda
from tests.factories.teams import take_in_everyone
from tests.integration.public.test_public_pages import text_of
from tests.support.notices import notify
from tests.support.outbox import body_html, outbox_messages

NOW = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)
PREVIEW = "/admin/meetings/idm-notice/notify"


@pytest.fixture
async def organizer_client(client, make_user, login):
    user, password = await make_user("organizer")
    response = await login(client, user["email"], password)
    assert response.status_code == 303
    return client


async def a_meeting_with_a_retimed_session() -> dict:
    await builder.create_meeting(
        {
            "slug": "idm-notice",
            "title": "IDM notice workshop",
            "timezone": "Europe/Zurich",
            "starts_on": date(2027, 7, 1),
            "ends_on": date(2027, 7, 1),
            "status": "published",
        },
        by=SYSTEM,
        now=NOW,
    )
    session = await builder.create_session(
        "idm-notice",
        {
            "title": "Opening",
            "starts_at": datetime(2027, 7, 1, 8, tzinfo=UTC),
            "ends_at": datetime(2027, 7, 1, 9, tzinfo=UTC),
        },
        by=SYSTEM,
        now=NOW,
    )
    await notify("idm-notice", now=NOW)
    meeting = await builder.get_meeting_any("idm-notice")
    await take_in_everyone(meeting["id"])  # the organizer is on the meeting's team
    for given, language in (("Ana", "en"), ("Benoît", "fr"), ("Carmen", "es")):
        await Registration.insert(
            Registration(
                meeting=meeting["id"],
                token=secrets.token_urlsafe(16),
                feed_token=secrets.token_urlsafe(16),
                given_name=given,
                family_name="Tester",
                email=f"{given.lower()[:3]}@example.org",
                email_key=f"{given.lower()[:3]}@example.org",
                category="member-state",
                status="confirmed",
                language=language,
            )
        )
    await builder.update_session(
        session["id"],
        {
            "starts_at": datetime(2027, 7, 1, 9, tzinfo=UTC),
            "ends_at": datetime(2027, 7, 1, 10, tzinfo=UTC),
        },
        by=SYSTEM,
        now=NOW + timedelta(hours=1),
    )
    return meeting


async def send(client, data: dict):
    page = await client.get(PREVIEW)
    token = re.search(r'name="_csrf_token" value="([^"]+)"', page.text).group(1)
    return await client.post(PREVIEW, data=data | {"_csrf_token": token}, follow_redirects=False)


async def test_the_preview_shows_who_is_told_and_each_language_then_sends(organizer_client):
    await a_meeting_with_a_retimed_session()
    preview = await organizer_client.get(PREVIEW)
    assert preview.status_code == 200
    text = text_of(preview.text)
    assert "3 participants will be emailed about 1 change." in text
    assert "more participant" not in text
    for person in ("Ana Tester", "ana@example.org", "Benoît Tester", "Carmen Tester"):
        assert person in text
    # The email as each language reads it: subject and body, translated.
    assert "Agenda changes: IDM notice workshop" in text
    assert "Changements au programme : IDM notice workshop" in text  # NBSP folded
    assert "Cambios en el programa: IDM notice workshop" in text
    assert "“Opening” moved from" in text
    assert await OutboxMessage.count() == 0

    changes = re.search(r'name="changes" value="([^"]+)"', preview.text).group(1)
    sent = await send(organizer_client, {"changes": changes})
    # The page answers at once with the job that queues the emails: nothing is queued yet.
    assert sent.status_code == 303
    job = (
        await Job.select()
        .where(Job.kind == "agenda-notice")
        .order_by(Job.id, ascending=False)
        .first()
    )
    assert sent.headers["location"] == f"/admin/meetings/idm-notice/jobs/{job['id']}"
    assert await OutboxMessage.count() == 0
    waiting = text_of((await organizer_client.get(sent.headers["location"])).text)
    assert "Notice of agenda changes" in waiting
    assert "Waiting to start" in waiting
    assert await run_one()
    done = text_of((await organizer_client.get(sent.headers["location"])).text)
    assert "100 % done (3 / 3)" in done
    assert "3 participants will receive the notice." in done
    assert "Back to the agenda builder" in done
    status = (await organizer_client.get(f"/api/v1/jobs/{job['id']}")).json()
    assert (status["status"], status["progress"], status["done"]) == ("done", 100, 3)
    messages = await outbox_messages("agenda-changed")
    assert sorted(m["To"].addresses[0].addr_spec for m in messages) == [
        "ana@example.org",
        "ben@example.org",
        "car@example.org",
    ]


async def test_a_large_preview_names_the_first_participants_and_counts_the_rest(
    organizer_client, monkeypatch
):
    monkeypatch.setattr(agenda, "NOTIFY_LISTED", 2)
    await a_meeting_with_a_retimed_session()
    text = text_of((await organizer_client.get(PREVIEW)).text)
    assert "3 participants will be emailed about 1 change." in text
    assert ("Ana Tester" in text, "Benoît Tester" in text, "Carmen Tester" in text) == (
        True,
        True,
        False,
    )
    assert "…and 1 more participant." in text


async def test_a_change_made_after_the_preview_stops_the_send(organizer_client):
    await a_meeting_with_a_retimed_session()
    preview = await organizer_client.get(PREVIEW)
    changes = re.search(r'name="changes" value="([^"]+)"', preview.text).group(1)
    extra = await builder.create_session(
        "idm-notice",
        {
            "title": "Closing",
            "starts_at": datetime(2027, 7, 1, 14, tzinfo=UTC),
            "ends_at": datetime(2027, 7, 1, 15, tzinfo=UTC),
        },
        by=SYSTEM,
        now=NOW + timedelta(hours=2),
    )
    assert extra
    refused = await send(organizer_client, {"changes": changes})
    assert refused.status_code == 409
    assert "The agenda changed since this preview was shown" in text_of(refused.text)
    assert await OutboxMessage.count() == 0


async def test_the_notice_email_is_styled_and_fits_a_phone(organizer_client):
    await a_meeting_with_a_retimed_session()
    await notify("idm-notice", now=NOW + timedelta(hours=3))
    [english, *_] = await outbox_messages("agenda-changed")
    html = body_html(english)
    assert '<meta name="viewport" content="width=device-width, initial-scale=1">' in html
    assert "max-width:36rem" in html
