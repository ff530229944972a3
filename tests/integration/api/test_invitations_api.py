"""The invitations API, the delegations' link and invitation routes, the meetings API's
invitation-only categories and nomination deadline, and their place in the OpenAPI document."""

from __future__ import annotations

from idmevents.mail.tables import OutboxMessage
from tests.factories.delegations import make_delegation
from tests.factories.meetings import make_meeting

INVITATIONS = "/api/v1/meetings/test-meeting/invitations"


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


async def test_invite_then_list(client, api_token):
    await make_meeting()
    _, token = await api_token()
    created = await client.post(
        INVITATIONS,
        json={"email": "Ana@News.example.org", "category": "media", "language": "fr"},
        headers=bearer(token),
    )
    assert created.status_code == 201, created.text
    body = created.json()
    assert (body["email"], body["category"], body["language"], body["used_at"]) == (
        "Ana@news.example.org",  # the domain lower-cased, as registrations store it
        "media",
        "fr",
        None,
    )
    assert "/meetings/test-meeting/register?invitation=" in body["url"]
    again = await client.post(
        INVITATIONS,
        json={"email": "ana@news.example.org", "category": "media"},
        headers=bearer(token),
    )
    assert again.status_code == 409
    assert again.json()["reason"] == "duplicate"
    bad = await client.post(
        INVITATIONS, json={"email": "nope", "category": "media"}, headers=bearer(token)
    )
    assert bad.status_code == 422
    unknown = await client.post(
        INVITATIONS, json={"email": "a@b.org", "category": "royalty"}, headers=bearer(token)
    )
    assert unknown.status_code == 422
    listed = await client.get(INVITATIONS, headers=bearer(token))
    assert [item["email"] for item in listed.json()["items"]] == ["Ana@news.example.org"]
    assert await OutboxMessage.count().where(OutboxMessage.kind == "registration-invitation") == 1
    assert (await client.get(INVITATIONS)).status_code == 401


async def test_meetings_api_takes_invitation_categories_and_nomination_deadline(client, api_token):
    await make_meeting(timezone="Europe/Zurich")
    _, token = await api_token()
    changed = await client.patch(
        "/api/v1/meetings/test-meeting",
        json={
            "invitation_categories": ["media", "academia"],
            "nomination_deadline": "2027-04-01T18:00:00+02:00",
        },
        headers=bearer(token),
    )
    assert changed.status_code == 200, changed.text
    body = changed.json()
    assert body["invitation_categories"] == ["academia", "media"]
    assert body["nomination_deadline"] == "2027-04-01T18:00:00+02:00"
    wrong = await client.patch(
        "/api/v1/meetings/test-meeting",
        json={"invitation_categories": ["royalty"]},
        headers=bearer(token),
    )
    assert wrong.status_code == 422


async def test_focal_points_invitations_through_the_api_once_per_send_id(client, api_token):
    meeting = await make_meeting()
    ch = await make_delegation(meeting, "CH")
    await make_delegation(meeting, "FR")
    _, token = await api_token()
    url = "/api/v1/meetings/test-meeting/delegations/invitations"
    first = await client.post(url, json={"send_id": "s1"}, headers=bearer(token))
    assert (first.status_code, first.json()) == (202, {"queued": 2})
    repeat = await client.post(url, json={"send_id": "s1"}, headers=bearer(token))
    assert repeat.json() == {"queued": 0}
    one = await client.post(
        url, json={"send_id": "s2", "delegations": [ch["id"]]}, headers=bearer(token)
    )
    assert one.json() == {"queued": 1}
    listed = await client.get("/api/v1/meetings/test-meeting/delegations", headers=bearer(token))
    item = next(i for i in listed.json()["items"] if i["id"] == ch["id"])
    assert item["invited_at"] is not None and item["reminded_at"] is None
    assert item["language"] == "en"


async def test_new_routes_are_in_the_openapi_document(client):
    paths = (await client.get("/schema/openapi.json")).json()["paths"]
    for path in (
        "/api/v1/meetings/{slug}/invitations",
        "/api/v1/delegations/{delegation_id}/nomination-link/revoke",
        "/api/v1/delegations/{delegation_id}/nomination-link",
        "/api/v1/meetings/{slug}/delegations/invitations",
        "/api/v1/nominations/{token}/access-code",
    ):
        assert path in paths, path
    register = paths["/api/v1/meetings/{slug}/registrations"]["post"]
    assert "403" in register["responses"]
