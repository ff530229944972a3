"""Invitation-only categories: without an invitation for the address the form and the API answer
403 with a clear message (in the visitor's language); the invitation fills in the form and locks
the address; it is used once; a forwarded invitation used with another address is refused."""

from __future__ import annotations

import json
import re

from idmevents.audit import SYSTEM
from idmevents.meetings.tables import Meeting
from idmevents.registrations import services as registrations
from idmevents.registrations.tables import Invitation, Registration
from tests.factories.meetings import NOW, make_meeting
from tests.factories.registrations import form
from tests.support.outbox import body_text, outbox_messages

REGISTER = "/meetings/test-meeting/register"
API = "/api/v1/meetings/test-meeting/registrations"


async def closed_meeting() -> dict:
    meeting = await make_meeting(capacity=50, opens_at=None, closes_at=None)
    await Meeting.update({Meeting.invitation_categories: json.dumps(["media"])}).where(
        Meeting.id == meeting["id"]
    )
    return await Meeting.select().where(Meeting.id == meeting["id"]).first()


async def test_the_invitation_names_the_meeting_and_its_city_in_its_language(client):
    meeting = await closed_meeting()
    await Meeting.update(
        {
            Meeting.city: "Geneva",
            Meeting.translations: json.dumps(
                {"es": {"title": "Taller de prueba", "city": "Ginebra"}}
            ),
        }
    ).where(Meeting.id == meeting["id"])
    await invited(await Meeting.select().where(Meeting.id == meeting["id"]).first())
    [email] = await outbox_messages("registration-invitation")
    text = body_text(email)
    assert "Taller de prueba" in email["Subject"]
    assert "Taller de prueba" in text and "Ginebra" in text and "Geneva" not in text


async def invited(meeting: dict, email: str = "press@news.example.org") -> dict:
    [row] = await registrations.invite(
        meeting,
        [{"email": email, "given_name": "Paz", "family_name": "Prensa"}],
        category="media",
        language="es",
        by=SYSTEM,
        now=NOW,
    )
    return row


def html_form(n: int, **overrides) -> dict:
    values = form(n, category="media", organization="Daily News", country="") | overrides
    values.pop("sessions")
    values["consent"] = "yes"
    return values


async def post(client, data: dict, path: str = REGISTER, **headers):
    page = await client.get(path, headers=headers)
    token = re.search(r'name="_csrf_token" value="([^"]+)"', page.text).group(1)
    return await client.post(
        REGISTER, data=data | {"_csrf_token": token}, follow_redirects=False, headers=headers
    )


async def test_the_form_marks_invitation_only_categories(client):
    await closed_meeting()
    page = await client.get(REGISTER)
    assert re.search(r"Media\s*<span class=\"muted\">\(by invitation only\)</span>", page.text)
    assert "Civil society <span" not in page.text


async def test_registering_without_an_invitation_is_403_on_the_form_in_the_visitors_language(
    client,
):
    await closed_meeting()
    refused = await post(client, html_form(1))
    assert refused.status_code == 403
    assert "Registration as “Media” is by invitation only." in refused.text
    french = await post(client, html_form(2), **{"Accept-Language": "fr"})
    assert french.status_code == 403
    assert "sur invitation uniquement" in french.text
    assert await Registration.count() == 0


async def test_registering_without_an_invitation_is_403_in_the_api(client):
    meeting = await closed_meeting()
    refused = await client.post(API, json=form(1, category="media", country=""))
    assert refused.status_code == 403
    assert refused.json()["detail"].startswith("Registration as “Media” is by invitation only.")
    assert refused.json()["reason"] == "invitation-required"
    # Open categories are not affected.
    assert (await client.post(API, json=form(2))).status_code == 202
    # A forwarded invitation used with another address is refused.
    invitation = await invited(meeting)
    forwarded = await client.post(
        API, json=form(3, category="media", country="", invitation=invitation["token"])
    )
    assert forwarded.status_code == 403
    assert forwarded.json()["reason"] == "invitation-other-address"
    used = await client.post(
        API,
        json=form(
            4,
            category="media",
            country="",
            email="Press@News.example.org",
            invitation=invitation["token"],
        ),
    )
    assert used.status_code == 202
    assert await Registration.count().where(Registration.category == "media") == 1


async def test_invitation_fills_in_the_form_locks_the_address_and_is_used_once(client):
    meeting = await closed_meeting()
    invitation = await invited(meeting)
    [email] = await outbox_messages("registration-invitation")
    text = body_text(email)
    link = re.search(r"https://testserver\.local(\S+invitation=\S+)", text).group(1)
    assert email["Subject"].startswith("Su invitación para inscribirse")
    page = await client.get(link)
    assert page.status_code == 200
    assert 'value="press@news.example.org" readonly' in page.text
    assert f'name="invitation" value="{invitation["token"]}"' in page.text
    assert 'value="media" id="field-category-media" checked' in page.text
    assert 'value="Paz"' in page.text

    done = await post(
        client,
        html_form(1, email="press@news.example.org", invitation=invitation["token"]),
        path=link,
    )
    assert done.status_code == 303
    stored = await Invitation.select().first()
    assert stored["used_at"] is not None
    registration = await Registration.select().where(Registration.id == stored["registration"])
    assert registration[0]["email"] == "press@news.example.org"
    # Used: its link says so, and it opens nothing any more.
    assert (await client.get(link)).status_code == 404
    await Registration.delete().where(Registration.id == stored["registration"])
    again = await client.post(
        API,
        json=form(
            5,
            category="media",
            country="",
            email="press@news.example.org",
            invitation=invitation["token"],
        ),
    )
    assert again.status_code == 403
    assert again.json()["reason"] == "invitation-used"


async def test_forwarded_invitation_used_with_another_address_on_the_form_is_403(client):
    meeting = await closed_meeting()
    invitation = await invited(meeting)
    link = f"{REGISTER}?invitation={invitation['token']}"
    # The address field is read-only, but a changed request is still refused.
    refused = await post(
        client,
        html_form(1, email="someone.else@example.org", invitation=invitation["token"]),
        path=link,
    )
    assert refused.status_code == 403
    assert "This invitation was sent to another email address" in refused.text
    assert await Registration.count() == 0
    assert (await Invitation.select(Invitation.used_at).first())["used_at"] is None
