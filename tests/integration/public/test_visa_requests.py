"""Visa invitation letters end to end: a participant asks from their private page (422 on bad
dates or passport), an organizer approves (the letter PDF, in the participant's language, names
the person, the passport and the code; they are emailed its link) or declines with a reason
(emailed); /verify/{code} is valid until the person is cancelled; the API does the same."""

from __future__ import annotations

import re

import pytest

from idmevents.audit import PARTICIPANT
from idmevents.delegations import visa_requests
from idmevents.registrations import services as registrations
from idmevents.registrations.tables import VisaRequest
from tests.factories.meetings import NOW, make_meeting
from tests.factories.registrations import form
from tests.integration.public.test_programme_pdf import pdf_text
from tests.support.outbox import body_text, outbox_messages

# make_meeting: 20–21 April 2027.
GOOD = {
    "passport_name": "ANA MARÍA PERSON",
    "nationality": "PE",
    "birth_date": "1984-02-29",
    "passport_number": "pe 123-4567",
    "passport_expiry": "2031-06-30",
    "arrival": "2027-04-18",
    "departure": "2027-04-23",
    "purpose": "To attend the workshop.",
}


async def post_form(client, page: str, action: str, data: dict):
    shown = await client.get(page)
    token = re.search(r'name="_csrf_token" value="([^"]+)"', shown.text).group(1)
    return await client.post(action, data=data | {"_csrf_token": token}, follow_redirects=False)


async def participant(language: str = "en", n: int = 1) -> dict:
    meeting = await make_meeting()
    result = await registrations.register(
        meeting, form(n, given_name="Ana", language=language), now=NOW
    )
    return result.registration


async def ask(client, registration: dict, **changes):
    page = f"/r/{registration['token']}/visa"
    return await post_form(client, page, page, GOOD | changes)


@pytest.fixture
async def organizer(client, make_user, login):
    user, password = await make_user("organizer")
    await login(client, user["email"], password)
    return client


async def approve(client, registration: dict):
    page = "/admin/meetings/test-meeting/visa-letters/"
    return await post_form(client, page, f"{page}{registration['id']}/approve", {})


async def test_private_page_links_to_the_form_which_is_prefilled(client):
    registration = await participant()
    manage = await client.get(f"/r/{registration['token']}")
    assert f'href="/r/{registration["token"]}/visa"' in manage.text
    page = await client.get(f"/r/{registration['token']}/visa")
    assert page.status_code == 200
    assert page.headers["cache-control"] == "no-store"
    assert 'value="Ana Person 1"' in page.text  # the passport name starts as the registered one
    assert 'value="2027-04-20"' in page.text and 'value="2027-04-21"' in page.text
    assert "To attend the meeting “Test workshop”" in page.text


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"arrival": "2027-03-01"}, "arrival"),  # weeks before the meeting
        ({"departure": "2027-06-01"}, "departure"),  # weeks after it
        ({"arrival": "2027-04-21", "departure": "2027-04-20"}, "departure"),
        ({"arrival": "not a date"}, "arrival"),
        ({"passport_number": "12"}, "passport_number"),
        ({"passport_number": "AB<script>"}, "passport_number"),
        ({"passport_expiry": "2027-04-22"}, "passport_expiry"),  # expires before leaving
        ({"birth_date": "2030-01-01"}, "birth_date"),
        ({"nationality": "QQ"}, "nationality"),
        ({"passport_name": ""}, "passport_name"),
    ],
)
async def test_a_bad_request_is_422_on_the_form_and_nothing_is_kept(client, changes, field):
    registration = await participant()
    response = await ask(client, registration, **changes)
    assert response.status_code == 422
    assert f'href="#field-{field}"' in response.text
    assert 'aria-invalid="true"' in response.text
    assert await VisaRequest.count() == 0


async def test_approved_letter_in_french_and_spanish_names_person_passport_and_code(
    client, organizer
):
    for n, (language, words) in enumerate(
        (
            ("fr", ("Lettre d’invitation pour le visa", "Pérou", "29 février 1984")),
            ("es", ("Carta de invitación para el visado", "Perú", "29 de febrero de 1984")),
        ),
        start=1,
    ):
        meeting = await make_meeting(slug=f"visa-{language}")
        registration = (
            await registrations.register(
                meeting, form(n, given_name="Ana", language=language), now=NOW
            )
        ).registration
        page = f"/r/{registration['token']}/visa"
        sent = await post_form(client, page, page, GOOD)
        assert sent.status_code == 303, sent.text
        assert (await client.get(page)).status_code == 200
        admin = f"/admin/meetings/visa-{language}/visa-letters/"
        listed = await client.get(admin)
        assert "Ana Person" in listed.text
        approved = await post_form(client, admin, f"{admin}{registration['id']}/approve", {})
        assert approved.status_code == 303, approved.text

        row = (
            await VisaRequest.select().where(VisaRequest.registration == registration["id"]).first()
        )
        assert row["status"] == "approved"
        code = row["letter_code"]
        pdf = await client.get(f"/r/{registration['token']}/visa-letter.pdf")
        assert pdf.status_code == 200
        assert pdf.headers["content-type"] == "application/pdf"
        text = " ".join(pdf_text(pdf.content).split())
        for expected in ("ANA MARÍA PERSON", "PE1234567", code, f"/verify/{code}", *words):
            assert expected in text, (language, expected)
        # Organizers download the same letter, from the visa letters page the desk links to.
        desk_page = await client.get(f"/admin/registrations/{registration['id']}")
        assert f'href="{admin.rstrip("/")}"' in desk_page.text
        assert f'href="{admin}{registration["id"]}/letter.pdf"' in (await client.get(admin)).text
        desk = await client.get(f"{admin}{registration['id']}/letter.pdf")
        assert desk.status_code == 200
        assert code in " ".join(pdf_text(desk.content).split())

        [email] = [
            m for m in await outbox_messages("visa-approved") if registration["email"] in m["To"]
        ]
        assert f"/r/{registration['token']}/visa-letter.pdf" in body_text(email)
        assert code in body_text(email)
        assert "Hello" not in body_text(email)  # in the participant's language


async def test_letter_verifies_until_the_person_is_cancelled_and_the_pdf_goes(client, organizer):
    registration = await participant()
    assert (await ask(client, registration)).status_code == 303
    assert (await approve(client, registration)).status_code == 303
    code = (await VisaRequest.select(VisaRequest.letter_code).first())["letter_code"]
    check = await client.get(f"/verify/{code}")
    assert "This letter is valid." in check.text
    assert "PE1234567" not in check.text and "1984" not in check.text
    await registrations.cancel(registration["id"], by=PARTICIPANT, now=NOW)
    again = await client.get(f"/verify/{code}")
    assert "This letter is not valid" in again.text
    gone = await client.get(f"/r/{registration['token']}/visa-letter.pdf")
    assert gone.status_code == 409
    desk = await client.get(
        f"/admin/meetings/test-meeting/visa-letters/{registration['id']}/letter.pdf"
    )
    assert desk.status_code == 409


async def test_decline_needs_a_reason_and_emails_it_and_the_person_may_ask_again(client, organizer):
    registration = await participant(language="es")
    assert (await ask(client, registration)).status_code == 303
    page = "/admin/meetings/test-meeting/visa-letters/"
    action = f"{page}{registration['id']}/decline"
    empty = await post_form(client, page, action, {"reason": "  "})
    assert empty.status_code == 422
    assert (await VisaRequest.select(VisaRequest.status).first())["status"] == "pending"
    declined = await post_form(
        client, page, action, {"reason": "El número de pasaporte no coincide."}
    )
    assert declined.status_code == 303
    [email] = await outbox_messages("visa-declined")
    assert "El número de pasaporte no coincide." in body_text(email)
    assert "Carta de invitación" in email["Subject"] or "carta de invitación" in body_text(email)
    again = await post_form(client, page, action, {"reason": "twice"})
    assert again.status_code == 409
    # The participant sees the reason and may send a corrected request.
    shown = await client.get(f"/r/{registration['token']}/visa")
    assert "El número de pasaporte no coincide." in shown.text
    assert (await ask(client, registration, passport_number="PE7654321")).status_code == 303
    row = await VisaRequest.select().first()
    assert (row["status"], row["passport_number"]) == ("pending", "PE7654321")


async def test_unconfirmed_people_cannot_ask(client):
    meeting = await make_meeting(capacity=0)
    waiting = (await registrations.register(meeting, form(1), now=NOW)).registration
    response = await ask(client, waiting)
    assert response.status_code == 409
    assert "only issued for a confirmed registration" in response.text
    assert await VisaRequest.count() == 0


async def test_api_ask_list_approve_and_decline(client, api_token):
    registration = await participant()
    other = (
        await registrations.register(
            await make_meeting(slug="other-meeting"), form(2, given_name="Bo"), now=NOW
        )
    ).registration
    body = {k: v for k, v in GOOD.items() if k != "purpose"}
    bad = await client.post(
        f"/api/v1/r/{registration['token']}/visa-request", json=body | {"arrival": "2027-01-01"}
    )
    assert bad.status_code == 422
    assert "arrival" in bad.json()["fields"]
    asked = await client.post(f"/api/v1/r/{registration['token']}/visa-request", json=body)
    assert asked.status_code == 202, asked.text
    assert asked.json() == {"status": "pending"}
    twice = await client.post(f"/api/v1/r/{registration['token']}/visa-request", json=body)
    assert twice.status_code == 409
    assert (
        await client.post(f"/api/v1/r/{other['token']}/visa-request", json=body)
    ).status_code == 202
    assert (await client.post("/api/v1/r/nosuchtoken/visa-request", json=body)).status_code == 404

    _, token = await api_token()
    headers = {"Authorization": f"Bearer {token}"}
    listed = await client.get("/api/v1/meetings/test-meeting/visa-requests", headers=headers)
    assert listed.status_code == 200
    [item] = listed.json()["items"]
    assert (item["registration_id"], item["status"], item["nationality"]) == (
        registration["id"],
        "pending",
        "Peru",
    )
    assert "passport_number" not in item
    issued = await client.post(
        f"/api/v1/registrations/{registration['id']}/visa-letter", headers=headers
    )
    assert issued.status_code == 201
    row = await VisaRequest.select().where(VisaRequest.registration == registration["id"]).first()
    assert (row["status"], row["letter_code"]) == ("approved", issued.json()["code"])
    assert len(await outbox_messages("visa-approved")) == 1

    no_reason = await client.post(
        f"/api/v1/registrations/{other['id']}/visa-letter/decline",
        json={"reason": ""},
        headers=headers,
    )
    assert no_reason.status_code == 422
    declined = await client.post(
        f"/api/v1/registrations/{other['id']}/visa-letter/decline",
        json={"reason": "Incomplete"},
        headers=headers,
    )
    assert declined.json() == {"registration_id": other["id"], "status": "declined"}
    decided = await client.post(
        f"/api/v1/registrations/{registration['id']}/visa-letter/decline",
        json={"reason": "Too late"},
        headers=headers,
    )
    assert decided.status_code == 409
    assert (await client.get("/api/v1/meetings/test-meeting/visa-requests")).status_code == 401


async def test_replacing_the_delegate_voids_the_letter_at_once(client):
    from idmevents.delegations import services as delegations
    from tests.factories.delegations import make_delegation, nominee

    meeting = await make_meeting()
    delegation = await make_delegation(meeting, "PE", quota=1)
    named = await delegations.nominate(delegation, nominee(1), by=PARTICIPANT, now=NOW)
    registration = named.registration
    assert (await ask(client, registration)).status_code == 303
    letter = await visa_requests.approve(registration["id"], by=PARTICIPANT, now=NOW)
    assert (await client.get(f"/r/{registration['token']}/visa-letter.pdf")).status_code == 200
    assert "This letter is valid." in (await client.get(f"/verify/{letter['code']}")).text

    delegation = await delegations.get_delegation(delegation["id"])
    await delegations.nominate(
        delegation, nominee(2), by=PARTICIPANT, now=NOW, replacing=registration["id"]
    )
    assert "This letter is not valid" in (await client.get(f"/verify/{letter['code']}")).text
    assert (await client.get(f"/r/{registration['token']}/visa-letter.pdf")).status_code == 409
