"""A meeting's reminders through `PATCH /api/v1/meetings/{slug}`: read, written, checked, documented."""

from tests.integration.api.test_agenda_api import MEETING, organizer  # noqa: F401


async def test_api_reminders_default_then_patched(client, organizer):  # noqa: F811
    created = (await client.post("/api/v1/meetings", json=MEETING, headers=organizer)).json()
    assert (created["reminders"], created["reminders_enabled"], created["follow_up_url"]) == (
        ["-P7D", "-P1D"],
        True,
        "",
    )
    response = await client.patch(
        "/api/v1/meetings/idm-test",
        json={
            "reminders": ["-P1D", "-P1W", "PT2H"],
            "reminders_enabled": False,
            "follow_up_url": "https://www.iom.int/idm",
        },
        headers=organizer,
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert (body["reminders"], body["reminders_enabled"], body["follow_up_url"]) == (
        ["-P7D", "-P1D", "PT2H"],
        False,
        "https://www.iom.int/idm",
    )
    assert (await client.get("/api/v1/meetings/idm-test", headers=organizer)).json() == body


async def test_api_bad_reminders_are_422_naming_the_field(client, organizer):  # noqa: F811
    await client.post("/api/v1/meetings", json=MEETING, headers=organizer)
    for bad in (
        {"reminders": ["-P7D", "next week"]},
        {"reminders": "-P7D"},
        {"reminders": ["-P0D"]},
        {"reminders": ["-P1D"] * 11},
        {"follow_up_url": "ftp://example.org/x"},
        {"reminders_enabled": "yes"},
    ):
        response = await client.patch("/api/v1/meetings/idm-test", json=bad, headers=organizer)
        assert response.status_code == 422, (bad, response.text)
        body = response.json()
        assert set(body.get("fields", {})) <= set(bad) and body["detail"], (bad, body)
    body = (await client.get("/api/v1/meetings/idm-test", headers=organizer)).json()
    assert body["reminders"] == ["-P7D", "-P1D"]


async def test_api_openapi_documents_reminders(client):
    schema = (await client.get("/schema/openapi.json")).json()
    components = schema["components"]["schemas"]
    patch = next(v for k, v in components.items() if k.endswith("MeetingPatch"))
    out = next(v for k, v in components.items() if k.endswith("MeetingOut"))
    for name in ("reminders", "reminders_enabled", "follow_up_url"):
        assert name in patch["properties"] and name in out["properties"]
