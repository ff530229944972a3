"""Issue 11: every text the public registration takes (the JSON API, the HTML form, the private
details page) keeps the one line rule of `idmevents.validation`: a name carrying "\r\nBcc:" is a
422 naming the field, nothing is written, and no email goes out."""

import html

from idmevents.registrations.tables import Registration
from idmevents.validation import MULTI_LINE_MESSAGE, SINGLE_LINE_MESSAGE
from tests.factories.registrations import form
from tests.integration.public.test_registration_pages import html_form, register, submit
from tests.support.outbox import outbox_messages

API = "/api/v1/meetings/idm-new-york/registrations"
FORM = "/meetings/idm-new-york/register"
BCC = "Ana\r\nBcc: x@evil.example"
ONE_LINE = ("given_name", "family_name", "organization", "position")


async def test_api_refuses_a_line_break_in_every_one_line_field(client, demo):
    for field in ONE_LINE:
        response = await client.post(API, json=form(1, **{field: BCC}))
        assert response.status_code == 422, field
        assert response.json()["fields"] == {field: SINGLE_LINE_MESSAGE}, field
    response = await client.post(API, json=form(1, accessibility_needs="Ramp\x1b[2J"))
    assert response.status_code == 422
    assert response.json()["fields"] == {"accessibility_needs": MULTI_LINE_MESSAGE}
    assert await Registration.count() == 0
    assert await outbox_messages() == []


async def test_api_keeps_line_breaks_in_needs_as_lf(client, demo):
    response = await client.post(API, json=form(1, accessibility_needs="Ramp\r\nFront row"))
    assert response.status_code == 202
    row = await Registration.select(Registration.accessibility_needs).first()
    assert row["accessibility_needs"] == "Ramp\nFront row"


async def test_form_shows_the_line_rule_beside_the_field(client, demo):
    response = await submit(client, html_form(1, given_name=BCC))
    assert response.status_code == 422
    assert 'id="given_name-error"' in response.text
    assert html.escape(SINGLE_LINE_MESSAGE) in response.text
    assert await Registration.count() == 0
    assert await outbox_messages() == []


async def test_details_page_refuses_a_line_break_in_a_name(client, demo):
    path = await register(client, 1)
    before = await Registration.select().first()
    response = await submit(
        client,
        {
            "given_name": "Ana",
            "family_name": "Rojas\r\nBcc: x@evil.example",
            "organization": "Mission",
            "position": "",
            "country": "CL",
            "language": "en",
            "accessibility_needs": "",
        },
        path=f"{path}/details",
    )
    assert response.status_code == 422
    assert 'id="family_name-error"' in response.text
    assert await Registration.select().first() == before
