"""`interpretation` through the API: the meeting's default, each session's own, refused codes,
and the OpenAPI schema that documents it."""

from __future__ import annotations

from idmevents.meetings.tables import MeetingSession
from tests.integration.api.test_agenda_api import MEETING, organizer  # noqa: F401

SESSION = {
    "title": "Opening",
    "starts_at": "2027-04-20T10:00:00-04:00",
    "ends_at": "2027-04-20T11:00:00-04:00",
}


async def test_sessions_take_the_meetings_interpretation_unless_given(client, organizer):  # noqa: F811
    created = (await client.post("/api/v1/meetings", json=MEETING, headers=organizer)).json()
    assert created["interpretation"] == []
    response = await client.patch(
        "/api/v1/meetings/idm-test",
        json={"interpretation": ["ar", "zh", "en", "fr", "ru", "es"]},
        headers=organizer,
    )
    assert response.status_code == 200, response.text
    assert response.json()["interpretation"] == ["ar", "zh", "en", "fr", "ru", "es"]
    plain = await client.post("/api/v1/meetings/idm-test/sessions", json=SESSION, headers=organizer)
    assert plain.status_code == 201, plain.text
    assert plain.json()["interpretation"] == ["ar", "zh", "en", "fr", "ru", "es"]
    own = await client.post(
        "/api/v1/meetings/idm-test/sessions",
        json=SESSION | {"title": "Side event", "interpretation": ["EN", "fr", "ase"]},
        headers=organizer,
    )
    assert own.json()["interpretation"] == ["en", "fr", "ase"]
    sequence = own.json()["sequence"]
    patched = await client.patch(
        f"/api/v1/sessions/{own.json()['id']}", json={"interpretation": []}, headers=organizer
    )
    assert patched.status_code == 200, patched.text
    # Calendars see it (DESCRIPTION): a new version of the event.
    assert patched.json()["interpretation"] == [] and patched.json()["sequence"] > sequence
    listed = (await client.get("/api/v1/meetings/idm-test", headers=organizer)).json()
    assert [s["interpretation"] for s in listed["sessions"]] == [
        ["ar", "zh", "en", "fr", "ru", "es"],
        [],
    ]


async def test_unknown_codes_are_422_and_change_nothing(client, organizer):  # noqa: F811
    await client.post("/api/v1/meetings", json=MEETING, headers=organizer)
    session = (
        await client.post(
            "/api/v1/meetings/idm-test/sessions",
            json=SESSION | {"interpretation": ["en", "fr"]},
            headers=organizer,
        )
    ).json()
    for bad in (["en", "xx"], ["klingon"], "en,fr", [1]):
        response = await client.patch(
            f"/api/v1/sessions/{session['id']}", json={"interpretation": bad}, headers=organizer
        )
        assert response.status_code == 422, (bad, response.text)
        response = await client.patch(
            "/api/v1/meetings/idm-test", json={"interpretation": bad}, headers=organizer
        )
        assert response.status_code == 422, (bad, response.text)
    response = await client.post(
        "/api/v1/meetings/idm-test/sessions",
        json=SESSION | {"interpretation": ["zz"]},
        headers=organizer,
    )
    assert response.status_code == 422
    assert response.json()["fields"]["interpretation"].startswith("Unknown language code: zz.")
    rows = await MeetingSession.select(MeetingSession.interpretation)
    assert rows == [{"interpretation": "en,fr"}]
    meeting = (await client.get("/api/v1/meetings/idm-test", headers=organizer)).json()
    assert meeting["interpretation"] == []


async def test_openapi_documents_interpretation(client):
    schemas = (await client.get("/schema/openapi.json")).json()["components"]["schemas"]

    def schema(suffix: str) -> dict:  # the name, whatever module prefix Litestar gives it
        return next(v for k, v in schemas.items() if k.split("_")[-1] == suffix)

    for name in ("SessionCreate", "SessionPatch", "MeetingPatch"):
        assert "interpretation" in schema(name)["properties"], name
    assert "ISO 639" in str(schema("SessionPatch")["properties"]["interpretation"])
    assert "interpretation" in schema("SessionOut")["properties"]
    assert "interpretation" in schema("MeetingOut")["properties"]
