"""The delegations API: create and list delegations, name delegates (409 past the quota), who may
call it, and its place in the OpenAPI document."""

from __future__ import annotations

import asyncio

from idmevents.registrations.tables import Registration
from tests.factories.meetings import make_meeting

CREATE = "/api/v1/meetings/test-meeting/delegations"


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


BODY = {
    "country": "CH",
    "focal_point": {"name": "Anna Focal", "email": "anna@mission.ch"},
    "quota": 3,
}


async def test_create_then_list_delegations_with_seats_used(client, api_token):
    await make_meeting(capacity=20)
    _, token = await api_token()
    created = await client.post(CREATE, json=BODY, headers=bearer(token))
    assert created.status_code == 201, created.text
    body = created.json()
    assert body["country"] == "CH"
    assert body["name"] == "Switzerland"
    assert body["quota"] == 3
    assert body["nomination_url"].startswith("http")
    assert "/d/" in body["nomination_url"]

    named = await client.post(
        f"/api/v1/delegations/{body['id']}/delegates",
        json={"given_name": "Jean", "family_name": "Dupont", "honorific": "H.E. Mr", "head": True},
        headers=bearer(token),
    )
    assert named.status_code == 201, named.text
    delegate = named.json()
    assert delegate["head"] is True
    assert delegate["honorific"] == "H.E. Mr"
    assert delegate["registration"]["status"] == "confirmed"
    assert delegate["registration"]["email"] == ""

    listed = await client.get(CREATE, headers=bearer(token))
    assert listed.status_code == 200
    [item] = listed.json()["items"]
    assert (item["seats_used"], item["seats_left"], item["head"]) == (
        1,
        2,
        delegate["registration"]["id"],
    )
    assert listed.json()["seats_held"] == 2


async def test_nominations_past_the_quota_get_409(client, api_token):
    await make_meeting(capacity=50)
    _, token = await api_token()
    delegation = (await client.post(CREATE, json=BODY, headers=bearer(token))).json()
    url = f"/api/v1/delegations/{delegation['id']}/delegates"
    answers = await asyncio.gather(
        *(
            client.post(
                url,
                json={"given_name": "D", "family_name": str(n), "email": f"d{n}@mission.ch"},
                headers=bearer(token),
            )
            for n in range(10)
        )
    )
    assert sorted(a.status_code for a in answers) == [201] * 3 + [409] * 7
    refused = next(a for a in answers if a.status_code == 409).json()
    assert refused["reason"] == "quota"
    assert await Registration.count() == 3


async def test_bad_delegation_input_is_422_and_duplicates_409(client, api_token):
    await make_meeting()
    _, token = await api_token()
    bad = await client.post(
        CREATE,
        json={"country": "ZZ", "focal_point": {"name": "", "email": "x"}, "quota": 3},
        headers=bearer(token),
    )
    assert bad.status_code == 422
    assert set(bad.json()["fields"]) >= {"country", "focal_point_name", "focal_point_email"}
    assert (await client.post(CREATE, json=BODY, headers=bearer(token))).status_code == 201
    again = await client.post(CREATE, json=BODY, headers=bearer(token))
    assert again.status_code == 409
    missing = await client.post(
        "/api/v1/meetings/nowhere/delegations", json=BODY, headers=bearer(token)
    )
    assert missing.status_code == 404
    nobody = await client.post(
        "/api/v1/delegations/999/delegates",
        json={"given_name": "A", "family_name": "B"},
        headers=bearer(token),
    )
    assert nobody.status_code == 404
    blank = await client.post(
        f"/api/v1/delegations/{(await client.get(CREATE, headers=bearer(token))).json()['items'][0]['id']}/delegates",
        json={"given_name": " ", "family_name": "B", "email": "not-an-address"},
        headers=bearer(token),
    )
    assert blank.status_code == 422
    assert set(blank.json()["fields"]) == {"given_name", "email"}


async def test_delegations_api_needs_an_organizer(client, api_token):
    await make_meeting()
    _, checkin = await api_token("checkin")
    assert (await client.get(CREATE)).status_code == 401
    assert (await client.post(CREATE, json=BODY, headers=bearer(checkin))).status_code == 403
    assert (
        await client.post(
            "/api/v1/delegations/1/delegates",
            json={"given_name": "A", "family_name": "B"},
            headers=bearer(checkin),
        )
    ).status_code == 403


async def test_delegation_routes_are_in_the_openapi_document(client):
    schema = (await client.get("/schema/openapi.json")).json()
    paths = schema["paths"]
    assert set(paths["/api/v1/meetings/{slug}/delegations"]) >= {"get", "post"}
    post = paths["/api/v1/delegations/{delegation_id}/delegates"]["post"]
    assert "409" in post["responses"]
    assert "201" in post["responses"]
