""" "Find my registration": the form emails the private link to a registered address, and answers
everyone alike; a link that leads nowhere points to it."""

from __future__ import annotations

import dataclasses
import re

from litestar.testing import AsyncTestClient

from idmevents.app import create_app
from idmevents.mail.tables import OutboxMessage
from idmevents.settings import get_settings
from tests.integration.public.test_public_pages import text_of
from tests.integration.public.test_registration_pages import register, submit
from tests.support.outbox import body_html, body_text, outbox_messages

FIND = "/meetings/idm-new-york/my-registration"


def answer(response) -> str:
    """The page's answer, with the address typed taken out."""
    text = text_of(response.text)
    return re.sub(r"\S+@\S+", "ADDRESS", text)


async def test_meeting_page_points_to_the_form(client, demo):
    page = await client.get("/meetings/idm-new-york")
    assert f'href="{FIND}"' in page.text
    form = await client.get(FIND)
    assert form.status_code == 200
    assert 'name="email"' in form.text
    assert "Find my registration" in text_of(form.text)


async def test_a_registered_address_gets_its_link_and_a_stranger_the_same_answer(client, demo):
    manage = await register(client, 1)
    await OutboxMessage.delete(force=True)

    known = await submit(client, {"email": "PERSON1@example.org"}, path=FIND)
    unknown = await submit(client, {"email": "nobody@example.org"}, path=FIND)
    assert (known.status_code, unknown.status_code) == (200, 200)
    assert answer(known) == answer(unknown)
    assert "If ADDRESS is registered for this meeting, an email with the link" in answer(known)

    [message] = await outbox_messages("registration-link")
    assert message["To"].addresses[0].addr_spec == "person1@example.org"
    link = f"https://testserver.local{manage}"
    assert link in body_text(message) and link in body_html(message)
    assert "asked for the link to your registration" in body_text(message)


async def test_asking_again_at_once_sends_no_second_email(client, demo):
    await register(client, 1)
    await OutboxMessage.delete(force=True)
    for _ in range(3):
        response = await submit(client, {"email": "person1@example.org"}, path=FIND)
        assert response.status_code == 200
    assert len(await outbox_messages("registration-link")) == 1


async def test_an_empty_or_malformed_address_is_asked_again(client, demo):
    for typed in ("", "not an address"):
        response = await submit(client, {"email": typed}, path=FIND)
        assert response.status_code == 422
        assert "Enter the email address you registered with" in text_of(response.text)
    assert await OutboxMessage.count() == 0


async def test_unknown_meeting_is_404(client, demo):
    assert (await client.get("/meetings/idm-paris/my-registration")).status_code == 404


async def test_a_link_that_leads_nowhere_points_to_the_form(client, demo):
    response = await client.get("/r/not-a-real-token")
    assert response.status_code == 404
    assert "This registration link does not work" in text_of(response.text)
    assert f'href="{FIND}"' in response.text
    assert response.headers["cache-control"] == "no-store"
    # Any other private address that leads nowhere says where to turn.
    other = await client.get("/r/not-a-real-token/details")
    assert other.status_code == 404
    assert "Find my registration" in text_of(other.text)


async def test_the_form_counts_against_the_registration_rate_limit(demo):
    settings = dataclasses.replace(get_settings(), registration_rate_limit="2/minute")
    async with AsyncTestClient(
        app=create_app(settings), base_url="https://testserver.local"
    ) as limited:
        answers = [
            (await submit(limited, {"email": f"p{n}@example.org"}, path=FIND)).status_code
            for n in range(3)
        ]
    assert answers == [200, 200, 429]
