"""The agenda's JSON API through HTTP: guards, shapes, errors, and what a calendar would see."""

from datetime import UTC, datetime

import pytest

from idmevents.meetings.tables import AgendaChange, MeetingSession
from idmevents.registrations import services
from tests.factories.meetings import NOW, make_meeting
from tests.factories.registrations import form
from tests.support.outbox import outbox_messages

MEETING = {
    "slug": "idm-test",
    "title": "IDM test workshop",
    "theme": "Cooperation",
    "city": "New York",
    "venue": "UN Headquarters",
    "timezone": "America/New_York",
    "starts_on": "2027-04-20",
    "ends_on": "2027-04-21",
    "capacity": 300,
    "registration_opens_at": "2027-01-10T09:00:00-05:00",
    "registration_closes_at": "2027-04-19T00:00:00-04:00",
}


@pytest.fixture
async def organizer(api_token):
    _, token = await api_token("organizer")
    return {"Authorization": f"Bearer {token}"}


async def test_api_anonymous_gets_401(client):
    response = await client.post("/api/v1/meetings", json=MEETING)
    assert response.status_code == 401
    assert response.json()["error"] == "Authentication required"
    assert (await client.get("/api/v1/meetings/idm-new-york/clashes")).status_code == 401


async def test_api_checkin_role_gets_403(client, api_token, demo):
    _, token = await api_token("checkin")
    headers = {"Authorization": f"Bearer {token}"}
    response = await client.post("/api/v1/meetings", json=MEETING, headers=headers)
    assert response.status_code == 403
    session = await MeetingSession.select(MeetingSession.id).first()
    response = await client.patch(
        f"/api/v1/sessions/{session['id']}", json={"title": "Hijacked"}, headers=headers
    )
    assert response.status_code == 403
    assert (await MeetingSession.select(MeetingSession.title).first())["title"] != "Hijacked"


async def test_api_revoked_token_gets_401(client, api_token):
    from idmevents.auth.tables import ApiToken

    _, token = await api_token("organizer")
    await ApiToken.update({ApiToken.revoked_at: datetime.now(UTC)}).where(ApiToken.id > 0)
    response = await client.get(
        "/api/v1/meetings/idm-test", headers={"Authorization": f"Bearer {token}"}
    )
    assert response.status_code == 401


async def test_api_create_meeting_and_read_it_back(client, organizer):
    response = await client.post("/api/v1/meetings", json=MEETING, headers=organizer)
    assert response.status_code == 201, response.text
    body = response.json()
    assert {k: body[k] for k in MEETING if k != "capacity"} | {"capacity": body["capacity"]} == (
        MEETING
        | {
            # Instants come back in the meeting's local offset.
            "registration_opens_at": "2027-01-10T09:00:00-05:00",
            "registration_closes_at": "2027-04-19T00:00:00-04:00",
        }
    )
    assert (body["status"], body["rooms"], body["sessions"]) == ("draft", [], [])
    again = await client.get("/api/v1/meetings/idm-test", headers=organizer)
    assert again.json() == body


async def test_api_duplicate_slug_is_409(client, organizer):
    await client.post("/api/v1/meetings", json=MEETING, headers=organizer)
    response = await client.post("/api/v1/meetings", json=MEETING, headers=organizer)
    assert response.status_code == 409
    assert response.json()["fields"] == {"slug": "Taken by another meeting."}


async def test_api_bad_meeting_names_fields(client, organizer):
    bad = MEETING | {"timezone": "Nowhere/Land", "ends_on": "2027-04-19", "capacity": -5}
    response = await client.post("/api/v1/meetings", json=bad, headers=organizer)
    assert response.status_code == 422
    assert set(response.json()["fields"]) == {"capacity"}  # the shape is checked first
    response = await client.post("/api/v1/meetings", json=bad | {"capacity": 5}, headers=organizer)
    assert response.status_code == 422
    assert set(response.json()["fields"]) == {"timezone", "ends_on"}
    response = await client.post(
        "/api/v1/meetings", json=MEETING | {"slug": "Bad Slug"}, headers=organizer
    )
    assert response.status_code == 422
    assert set(response.json()["fields"]) == {"slug"}


async def test_api_naive_times_are_refused(client, organizer):
    response = await client.post(
        "/api/v1/meetings",
        json=MEETING | {"registration_opens_at": "2027-01-10T09:00:00"},
        headers=organizer,
    )
    assert response.status_code == 422
    assert "registration_opens_at" in response.json()["fields"]
    await client.post("/api/v1/meetings", json=MEETING, headers=organizer)
    response = await client.post(
        "/api/v1/meetings/idm-test/sessions",
        json={"title": "Panel", "starts_at": "2027-04-20T10:00", "ends_at": "2027-04-20T11:00"},
        headers=organizer,
    )
    assert response.status_code == 422
    assert "starts_at" in response.json()["fields"]


async def test_api_unknown_meeting_is_404(client, organizer):
    response = await client.get("/api/v1/meetings/nope", headers=organizer)
    assert response.status_code == 404
    response = await client.patch("/api/v1/sessions/999999", json={}, headers=organizer)
    assert response.status_code == 404


async def test_api_agenda_flow_with_clashes_publish_and_delete(client, organizer):
    await client.post("/api/v1/meetings", json=MEETING, headers=organizer)
    room = (
        await client.post(
            "/api/v1/meetings/idm-test/rooms",
            json={"name": "Conference Room 4", "capacity": 50},
            headers=organizer,
        )
    ).json()
    person = await client.post(
        "/api/v1/panelists",
        json={
            "name": "Louise Arbour",
            "honorific": "Ms",
            "position": "SRSG for International Migration",
            "organization": "United Nations",
            "bio": "",
        },
        headers=organizer,
    )
    assert person.status_code == 201
    person = person.json()
    session = {
        "title": "Opening",
        "starts_at": "2027-04-20T10:00:00-04:00",
        "ends_at": "2027-04-20T11:00:00-04:00",
        "room_id": room["id"],
        "panelists": [{"panelist_id": person["id"], "role": "keynote"}],
    }
    first = (
        await client.post("/api/v1/meetings/idm-test/sessions", json=session, headers=organizer)
    ).json()
    assert first["starts_at"] == "2027-04-20T10:00:00-04:00"
    assert first["panelists"] == [
        {"panelist_id": person["id"], "name": "Ms Louise Arbour", "role": "keynote", "order": 1}
    ]
    # Same room, same hour, given in UTC: a clash.
    second = (
        await client.post(
            "/api/v1/meetings/idm-test/sessions",
            json=session
            | {"title": "Clashing", "starts_at": "2027-04-20T14:30:00Z"}
            | {"ends_at": "2027-04-20T15:30:00Z", "panelists": []},
            headers=organizer,
        )
    ).json()
    clashes = (await client.get("/api/v1/meetings/idm-test/clashes", headers=organizer)).json()
    assert [(c["kind"], [s["id"] for s in c["sessions"]]) for c in clashes] == [
        ("room-double-booked", [first["id"], second["id"]])
    ]
    refused = await client.patch(
        "/api/v1/meetings/idm-test", json={"status": "published"}, headers=organizer
    )
    assert refused.status_code == 409
    assert [c["kind"] for c in refused.json()["clashes"]] == ["room-double-booked"]
    moved = await client.patch(
        f"/api/v1/sessions/{second['id']}",
        json={"starts_at": "2027-04-20T11:00:00-04:00", "ends_at": "2027-04-20T12:00:00-04:00"},
        headers=organizer,
    )
    assert moved.json()["starts_at"] == "2027-04-20T11:00:00-04:00"
    assert (await client.get("/api/v1/meetings/idm-test/clashes", headers=organizer)).json() == []
    published = await client.patch(
        "/api/v1/meetings/idm-test", json={"status": "published"}, headers=organizer
    )
    assert published.json()["status"] == "published"

    deleted = await client.delete(f"/api/v1/sessions/{second['id']}", headers=organizer)
    assert deleted.status_code == 200
    assert (deleted.json()["result"], deleted.json()["session"]["status"]) == (
        "cancelled",
        "cancelled",
    )
    # Retimed, then the meeting's status changed (every event shows it), then cancelled.
    assert deleted.json()["session"]["sequence"] == 3
    assert [c["kind"] for c in await AgendaChange.select(AgendaChange.kind)] == ["cancelled"]


async def test_api_openapi_documents_the_agenda(client):
    schema = (await client.get("/schema/openapi.json")).json()
    assert {
        "/api/v1/meetings",
        "/api/v1/meetings/{slug}",
        "/api/v1/meetings/{slug}/rooms",
        "/api/v1/meetings/{slug}/sessions",
        "/api/v1/meetings/{slug}/clashes",
        "/api/v1/sessions/{session_id}",
        "/api/v1/panelists",
    } <= set(schema["paths"])
    assert set(schema["paths"]["/api/v1/sessions/{session_id}"]) == {"get", "patch", "delete"}


async def test_api_ids_beyond_the_database_range_are_404(client, organizer):
    # Found by schemathesis on PostgreSQL: ids are 32-bit there, and a larger one must be a 404.
    for method in ("get", "patch", "delete"):
        kwargs = {"json": {}} if method == "patch" else {}
        response = await getattr(client, method)(
            "/api/v1/sessions/2147483648", headers=organizer, **kwargs
        )
        assert response.status_code == 404, (method, response.text)
    await client.post("/api/v1/meetings", json=MEETING, headers=organizer)
    response = await client.post(
        "/api/v1/meetings/idm-test/sessions",
        json={
            "title": "Panel",
            "starts_at": "2027-04-20T10:00:00-04:00",
            "ends_at": "2027-04-20T11:00:00-04:00",
            "room_id": 2**31 - 1,
        },
        headers=organizer,
    )
    assert response.status_code == 422
    assert set(response.json()["fields"]) == {"room_id"}


async def test_api_cancelling_a_published_meeting_emails_its_participants(client, organizer):
    meeting = await make_meeting(slug="idm-test", capacity=1)
    for n in (1, 2):
        await services.register(meeting, form(n), now=NOW)
    cancelled = await client.patch(
        "/api/v1/meetings/idm-test", json={"status": "cancelled"}, headers=organizer
    )
    assert cancelled.json()["status"] == "cancelled"
    again = await client.patch(
        "/api/v1/meetings/idm-test", json={"status": "cancelled"}, headers=organizer
    )
    assert again.status_code == 200
    messages = await outbox_messages("registration-meeting-cancelled")
    assert [(str(m["To"]), str(m["Subject"])) for m in messages] == [
        ("Ana Person 1 <person1@example.org>", "Meeting cancelled: Test workshop"),
        ("Ana Person 2 <person2@example.org>", "Meeting cancelled: Test workshop"),
    ]
