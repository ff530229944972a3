"""The participant's honorific through HTTP: the form's field and its suggestions in each language,
the registration API, the private page, the details form and the emails' salutation."""

from __future__ import annotations

import re

import pytest

from idmevents.registrations.tables import Registration
from tests.factories.registrations import form
from tests.support.outbox import body_html, body_text, outbox_messages

FORM = "/meetings/idm-new-york/register"
API = "/api/v1/meetings/idm-new-york/registrations"


def suggestions(page: str) -> list[str]:
    datalist = re.search(r'<datalist id="honorific-suggestions">(.*?)</datalist>', page, re.S)
    assert datalist is not None
    return re.findall(r'<option value="([^"]*)">', datalist.group(1))


@pytest.mark.parametrize(
    ("language", "some"),
    [
        ("en", ["H.E.", "Ambassador", "Dr", "Mr", "Ms"]),
        ("fr", ["S.E.", "Excellence", "M.", "Mme"]),
        ("es", ["Excmo.", "Excma.", "Sr.", "Sra.", "Dr.", "Dra."]),
    ],
)
async def test_the_form_suggests_honorifics_in_the_readers_language(client, demo, language, some):
    page = await client.get(f"{FORM}?lang={language}")
    assert page.status_code == 200
    field = re.search(r'<input type="text" id="field-honorific"[^>]*>', page.text).group(0)
    assert 'list="honorific-suggestions"' in field
    assert 'autocomplete="honorific-prefix"' in field
    assert 'maxlength="50"' in field
    assert " required" not in field
    assert set(some) <= set(suggestions(page.text))
    # The honorific comes first, before the given name.
    assert page.text.index('id="field-honorific"') < page.text.index('id="field-given_name"')


async def register_by_form(client, **values) -> object:
    await client.get(FORM)
    data = {
        "given_name": "Jean",
        "family_name": "Dupont",
        "email": "jean@example.org",
        "organization": "Mission permanente de la France",
        "category": "member-state",
        "country": "FR",
        "language": "en",
        "consent": "yes",
        "_csrf_token": client.cookies.get("csrftoken"),
    } | values
    return await client.post(FORM, data=data, follow_redirects=False)


async def test_the_honorific_is_kept_shown_and_greets_the_person(client, demo):
    response = await register_by_form(client, honorific="  Ambassador ")
    assert response.status_code == 303
    row = await Registration.select(Registration.honorific, Registration.token).first()
    assert row["honorific"] == "Ambassador"
    [confirmed] = await outbox_messages("registration-confirmed")
    assert body_text(confirmed).startswith("Dear Ambassador Dupont,")
    assert "<p>Dear Ambassador Dupont,</p>" in body_html(confirmed)
    page = await client.get(f"/r/{row['token']}")
    assert re.search(r"<dt>Honorific</dt><dd>Ambassador</dd>", page.text)


async def test_without_an_honorific_the_salutation_is_the_given_name(client, demo):
    assert (await register_by_form(client)).status_code == 303
    [confirmed] = await outbox_messages("registration-confirmed")
    assert body_text(confirmed).startswith("Dear Jean,")


async def test_an_honorific_on_two_lines_or_too_long_is_refused_beside_its_field(client, demo):
    for value, problem in (
        ("H.E.\r\nBcc: x@example.org", "One line"),
        ("x" * 51, "Use at most 50 characters."),
    ):
        response = await register_by_form(client, honorific=value)
        assert response.status_code == 422
        assert 'id="honorific-error"' in response.text
        assert problem in response.text
    assert await Registration.count() == 0


async def test_the_participant_changes_their_honorific_from_the_private_page(client, demo):
    await register_by_form(client, honorific="Dr")
    row = await Registration.select(Registration.token).first()
    details = f"/r/{row['token']}/details"
    page = await client.get(details)
    assert 'value="Dr"' in page.text
    response = await client.post(
        details,
        data={
            "honorific": "Prof.",
            "given_name": "Jean",
            "family_name": "Dupont",
            "organization": "Mission permanente de la France",
            "country": "FR",
            "language": "en",
            "_csrf_token": client.cookies.get("csrftoken"),
        },
        follow_redirects=False,
    )
    assert response.status_code == 303
    assert (await Registration.select(Registration.honorific).first())["honorific"] == "Prof."
    [changed] = await outbox_messages("registration-details-changed")
    assert "Honorific: Prof." in body_text(changed)


async def test_the_api_takes_the_honorific(client, demo):
    response = await client.post(API, json=form(1, honorific="H.E. Ms"))
    assert response.status_code == 202
    assert (await Registration.select(Registration.honorific).first())["honorific"] == "H.E. Ms"


@pytest.mark.parametrize(
    ("value", "problem"),
    [(7, "Must be text."), ("x" * 51, "Use at most 50 characters.")],
)
async def test_the_api_names_a_bad_honorific(client, demo, value, problem):
    response = await client.post(API, json=form(1, honorific=value))
    assert response.status_code == 422
    assert response.json()["fields"] == {"honorific": problem}
    assert await Registration.count() == 0


async def test_openapi_documents_the_honorific(client, demo):
    schema = (await client.get("/schema/openapi.json")).json()
    body = schema["paths"][API.replace("idm-new-york", "{slug}")]["post"]["requestBody"]
    registration_in = body["content"]["application/json"]["schema"]["properties"]
    assert "honorific" in registration_in
    components = schema["components"]["schemas"]
    assert "honorific" in components["RegistrationOut"]["properties"]
    assert "delegation" in components["RegistrationOut"]["properties"]
    assert "honorific" in components["RegistrationPatch"]["properties"]
    assert {"honorific", "delegation"} <= set(components["Person"]["properties"])
    listing = schema["paths"]["/api/v1/meetings/{slug}/registrations"]["get"]["parameters"]
    assert "delegation" in {p["name"] for p in listing}
