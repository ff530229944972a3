"""The list of participants in every format (page, CSV, JSON API): only those who consented,
never the cancelled or replaced; provisional (confirmed) and final (checked in) editions; grouped
by category then delegation, the head first."""

from __future__ import annotations

import csv
import io

import pytest

from idmevents.audit import PARTICIPANT, SYSTEM
from idmevents.delegations import services
from idmevents.registrations import services as registrations
from idmevents.registrations.tables import CheckIn
from tests.factories.delegations import make_delegation, nominee
from tests.factories.meetings import NOW, make_meeting
from tests.factories.registrations import form

HIDDEN = ("Bruno", "Carl", "Frank", "Gina")


@pytest.fixture
async def organizer(client, make_user, login, api_token):
    user, password = await make_user("organizer")
    await login(client, user["email"], password)
    _, token = await api_token(email="api@example.org")
    return {"Authorization": f"Bearer {token}"}


async def people() -> dict[str, int]:
    meeting = await make_meeting(capacity=50)
    delegation = await make_delegation(meeting, "CH", quota=3)
    ids = {}
    for name, consent, head in (
        ("Alice", True, True),
        ("Bruno", True, False),
        ("Carl", False, False),
    ):
        result = await services.nominate(
            delegation,
            nominee(name, given_name=name, list_consent=consent, head=head),
            by=SYSTEM,
            now=NOW,
        )
        ids[name] = result.registration["id"]
    delegation = await services.get_delegation(delegation["id"])
    dora = await services.nominate(
        delegation,
        nominee("Dora", given_name="Dora", list_consent=True),
        by=SYSTEM,
        now=NOW,
        replacing=ids["Bruno"],
    )
    ids["Dora"] = dora.registration["id"]
    for name, consent, category in (
        ("Eve", True, "civil-society"),
        ("Frank", False, "civil-society"),
        ("Gina", True, "academia"),
    ):
        result = await registrations.register(
            meeting,
            form(name, given_name=name, list_consent=consent, category=category, country=""),
            now=NOW,
        )
        ids[name] = result.registration["id"]
    await registrations.cancel(ids["Gina"], by=PARTICIPANT, now=NOW)
    for name in ("Alice", "Eve"):
        await CheckIn.insert(CheckIn(registration=ids[name]))
    return ids


def names_in(text: str, names) -> set[str]:
    return {name for name in names if name in text}


async def test_list_honours_consent_cancellation_and_replacement_in_every_format(client, organizer):
    await people()
    everyone = ("Alice", "Dora", "Eve", *HIDDEN)
    for edition, shown in (("provisional", {"Alice", "Dora", "Eve"}), ("final", {"Alice", "Eve"})):
        page = await client.get(f"/admin/meetings/test-meeting/participants/?edition={edition}")
        assert page.status_code == 200
        assert names_in(page.text, everyone) == shown, edition

        sheet = await client.get(f"/admin/meetings/test-meeting/participants/csv?edition={edition}")
        assert sheet.status_code == 200
        rows = list(csv.DictReader(io.StringIO(sheet.text)))
        assert {row["given_name"] for row in rows} == shown, edition

        api = await client.get(
            f"/api/v1/meetings/test-meeting/participants?edition={edition}", headers=organizer
        )
        assert api.status_code == 200
        assert names_in(api.text, everyone) == shown, edition


async def test_list_is_grouped_by_category_then_delegation_head_first(client, organizer):
    await people()
    body = (
        await client.get("/api/v1/meetings/test-meeting/participants", headers=organizer)
    ).json()
    assert body["edition"] == "provisional"
    assert [c["code"] for c in body["categories"]] == ["member-state", "civil-society"]
    [switzerland] = body["categories"][0]["groups"]
    assert switzerland["name"] == "Switzerland"
    assert [(p["given_name"], p["head"], p["honorific"]) for p in switzerland["people"]] == [
        ("Alice", True, "Ms"),
        ("Dora", False, "Ms"),
    ]
    french = (
        await client.get(
            "/api/v1/meetings/test-meeting/participants?language=fr", headers=organizer
        )
    ).json()
    assert french["categories"][0]["groups"][0]["name"] == "Suisse"


async def test_participants_api_rejects_an_unknown_edition_and_needs_a_token(client, organizer):
    await make_meeting()
    bad = await client.get(
        "/api/v1/meetings/test-meeting/participants?edition=draft", headers=organizer
    )
    assert bad.status_code in (400, 422)
    client.cookies.clear()
    assert (await client.get("/api/v1/meetings/test-meeting/participants")).status_code == 401


async def test_public_registration_api_takes_list_consent(client):
    from idmevents.registrations.tables import Registration

    await make_meeting(opens_at=None, closes_at=None)
    response = await client.post(
        "/api/v1/meetings/test-meeting/registrations", json=form(1, list_consent=True)
    )
    assert response.status_code == 202
    silent = await client.post("/api/v1/meetings/test-meeting/registrations", json=form(3))
    assert silent.status_code == 202
    stored = await Registration.select(Registration.email, Registration.list_consent)
    assert {r["email"]: r["list_consent"] for r in stored} == {
        "person1@example.org": True,
        "person3@example.org": False,
    }
    wrong = await client.post(
        "/api/v1/meetings/test-meeting/registrations", json=form(2, list_consent="yes")
    )
    assert wrong.status_code == 422
    assert "list_consent" in wrong.json()["fields"]
