"""The organizers' invitations page and the meeting form's invitation-only categories and
nomination deadline."""

from __future__ import annotations

import json

import pytest

from idmevents.meetings.tables import Meeting
from idmevents.registrations.tables import Invitation
from tests.factories.meetings import make_meeting
from tests.support.outbox import body_text, outbox_messages

PAGE = "/admin/meetings/test-meeting/invitations/"


@pytest.fixture
async def organizer_client(client, make_user, login):
    user, password = await make_user("organizer")
    assert (await login(client, user["email"], password)).status_code == 303
    return client


async def post_form(client, page: str, url: str, data: dict):
    await client.get(page)
    return await client.post(
        url, data=data | {"_csrf_token": client.cookies.get("csrftoken")}, follow_redirects=False
    )


async def test_a_pasted_list_is_invited_and_emailed(organizer_client):
    await make_meeting()
    response = await post_form(
        organizer_client,
        PAGE,
        PAGE,
        {
            "category": "media",
            "language": "en",
            "invitees": "ana@news.example.org, Ana, Reporter\n\nben@tv.example.org\n",
        },
    )
    assert response.status_code == 303
    page = await organizer_client.get(response.headers["location"])
    assert "The invitations were queued" in page.text
    assert "ana@news.example.org" in page.text and "ben@tv.example.org" in page.text
    rows = await Invitation.select(Invitation.email, Invitation.given_name).order_by(Invitation.id)
    assert rows == [
        {"email": "ana@news.example.org", "given_name": "Ana"},
        {"email": "ben@tv.example.org", "given_name": ""},
    ]
    messages = await outbox_messages("registration-invitation")
    assert [m["To"].addresses[0].addr_spec for m in messages] == [
        "ana@news.example.org",
        "ben@tv.example.org",
    ]
    assert "as “Media”" in body_text(messages[0])


async def test_bad_lines_and_duplicates_change_nothing(organizer_client):
    await make_meeting()
    bad = await post_form(
        organizer_client,
        PAGE,
        PAGE,
        {"category": "media", "language": "en", "invitees": "ok@example.org\nnot an address"},
    )
    assert bad.status_code == 422
    assert "line 2" in bad.text
    assert await Invitation.count() == 0
    await post_form(
        organizer_client,
        PAGE,
        PAGE,
        {"category": "media", "language": "en", "invitees": "ok@example.org"},
    )
    twice = await post_form(
        organizer_client,
        PAGE,
        PAGE,
        {"category": "media", "language": "en", "invitees": "OK@example.org\nnew@example.org"},
    )
    assert twice.status_code == 409
    assert "Already invited to this meeting: ok@example.org." in twice.text
    assert await Invitation.count() == 1


async def test_meeting_form_saves_invitation_categories_and_the_nomination_deadline(
    organizer_client,
):
    await make_meeting(timezone="Europe/Zurich")
    edit = "/admin/meetings/test-meeting/edit"
    form = await organizer_client.get(edit)
    assert 'name="invitation_category-media"' in form.text
    values = {
        "title": "Test workshop",
        "slug": "test-meeting",
        "timezone": "Europe/Zurich",
        "starts_on": "2027-04-20",
        "ends_on": "2027-04-21",
        "retention_days": "180",
        "original_language": "en",
        "invitation_categories_shown": "1",
        "invitation_category-media": "on",
        "invitation_category-academia": "on",
        "nomination_deadline": "2027-04-01T18:00",
    }
    saved = await post_form(organizer_client, edit, edit, values)
    assert saved.status_code == 303, saved.text
    row = await Meeting.select(Meeting.invitation_categories, Meeting.nomination_deadline).first()
    assert json.loads(row["invitation_categories"]) == ["academia", "media"]
    assert row["nomination_deadline"].isoformat().startswith("2027-04-01T16:00")
    shown = await organizer_client.get(edit)
    assert 'name="invitation_category-media" checked' in shown.text
    # Unticked, the categories open again.
    values.pop("invitation_category-media")
    values.pop("invitation_category-academia")
    await post_form(organizer_client, edit, edit, values)
    row = await Meeting.select(Meeting.invitation_categories).first()
    assert json.loads(row["invitation_categories"]) == []
