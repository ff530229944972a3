"""A meeting's mode, online places and links through `PATCH /api/v1/meetings/{slug}`."""

from tests.integration.api.test_agenda_api import MEETING, organizer  # noqa: F401

FIELDS = ("mode", "capacity_online", "webcast_url", "remote_url")


async def test_api_mode_and_links_default_then_patched(client, organizer):  # noqa: F811
    created = (await client.post("/api/v1/meetings", json=MEETING, headers=organizer)).json()
    assert {k: created[k] for k in FIELDS} == {
        "mode": "in_person",
        "capacity_online": None,
        "webcast_url": "",
        "remote_url": "",
    }
    wanted = {
        "mode": "hybrid",
        "capacity_online": 20,
        "webcast_url": "https://webtv.un.org/idm",
        "remote_url": "https://meet.example.org/j/123",
    }
    response = await client.patch("/api/v1/meetings/idm-test", json=wanted, headers=organizer)
    assert response.status_code == 200, response.text
    assert {k: response.json()[k] for k in FIELDS} == wanted


async def test_api_bad_mode_and_links_are_422(client, organizer):  # noqa: F811
    await client.post("/api/v1/meetings", json=MEETING, headers=organizer)
    for bad in (
        {"mode": "radio"},
        {"capacity_online": -1},
        {"webcast_url": "javascript:alert(1)"},
        {"remote_url": "not a link"},
    ):
        response = await client.patch("/api/v1/meetings/idm-test", json=bad, headers=organizer)
        assert response.status_code == 422, (bad, response.text)
    body = (await client.get("/api/v1/meetings/idm-test", headers=organizer)).json()
    assert body["mode"] == "in_person" and body["remote_url"] == ""


async def test_api_openapi_documents_mode_and_attendance(client):
    schema = (await client.get("/schema/openapi.json")).json()
    components = schema["components"]["schemas"]
    patch = next(v for k, v in components.items() if k.endswith("MeetingPatch"))
    assert set(FIELDS) <= set(patch["properties"])
    register = schema["paths"]["/api/v1/meetings/{slug}/registrations"]["post"]
    body = register["requestBody"]["content"]["application/json"]["schema"]
    assert "attendance" in body["properties"]
    assert "attendance" in components["RegistrationOut"]["properties"]
