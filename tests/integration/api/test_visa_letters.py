"""Visa letters: the API issues a code and a URL; /verify/{code} shows only the name, the meeting
and whether the letter is valid, and says it is not once the registration is cancelled."""

from __future__ import annotations

from idmevents.audit import PARTICIPANT
from idmevents.registrations import services as registrations
from tests.factories.meetings import NOW, make_meeting
from tests.factories.registrations import form


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


async def test_letter_verifies_until_the_registration_is_cancelled(client, api_token):
    meeting = await make_meeting()
    person = await registrations.register(meeting, form(1, given_name="Ana"), now=NOW)
    _, token = await api_token()
    issued = await client.post(
        f"/api/v1/registrations/{person.registration['id']}/visa-letter", headers=bearer(token)
    )
    assert issued.status_code == 201, issued.text
    body = issued.json()
    assert set(body) == {"code", "url"}
    assert body["url"].endswith(f"/verify/{body['code']}")

    page = await client.get(f"/verify/{body['code']}")
    assert page.status_code == 200
    assert "Ana Person 1" in page.text
    assert "Test workshop" in page.text
    assert "This letter is valid." in page.text
    assert "person1@example.org" not in page.text
    assert "Permanent Mission of Chile" not in page.text

    await registrations.cancel(person.registration["id"], by=PARTICIPANT, now=NOW)
    again = await client.get(f"/verify/{body['code'].lower()}")
    assert "This letter is not valid" in again.text
    assert "This letter is valid." not in again.text


async def test_letter_refused_for_unconfirmed_and_unknown(client, api_token):
    meeting = await make_meeting(capacity=0)
    waiting = await registrations.register(meeting, form(1), now=NOW)
    _, token = await api_token()
    refused = await client.post(
        f"/api/v1/registrations/{waiting.registration['id']}/visa-letter", headers=bearer(token)
    )
    assert refused.status_code == 409
    assert refused.json()["reason"] == "not-confirmed"
    missing = await client.post("/api/v1/registrations/999/visa-letter", headers=bearer(token))
    assert missing.status_code == 404
    assert (await client.get("/verify/NOSUCHCODE")).status_code == 404
    assert (
        await client.post(f"/api/v1/registrations/{waiting.registration['id']}/visa-letter")
    ).status_code == 401
