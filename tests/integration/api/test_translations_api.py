"""The agenda API reads and writes meeting content in English, French and Spanish."""

import pytest

from idmevents import content
from idmevents.meetings.tables import MeetingSession, Panelist, Room
from tests.integration.api.test_agenda_api import MEETING


@pytest.fixture
async def organizer(api_token):
    _, token = await api_token("organizer")
    return {"Authorization": f"Bearer {token}"}


async def test_api_meeting_translations_round_trip_and_merge(client, organizer):
    body = MEETING | {
        "description": "Two days of dialogue.",
        "venue_address": "405 East 42nd Street",
        "translations": {"fr": {"title": "Atelier de l’IDM", "venue_name": "Siège de l'ONU"}},
    }
    created = await client.post("/api/v1/meetings", json=body, headers=organizer)
    assert created.status_code == 201, created.text
    assert created.json()["original_language"] == "en"
    assert created.json()["translations"] == {
        "fr": {"title": "Atelier de l’IDM", "venue_name": "Siège de l'ONU"}
    }
    patched = await client.patch(
        "/api/v1/meetings/idm-test",
        json={"translations": {"es": {"title": "Taller del IDM"}, "fr": {"venue_name": ""}}},
        headers=organizer,
    )
    assert patched.status_code == 200, patched.text
    assert patched.json()["translations"] == {
        "fr": {"title": "Atelier de l’IDM"},
        "es": {"title": "Taller del IDM"},
    }
    assert patched.json()["description"] == "Two days of dialogue."


async def test_api_translation_breaking_a_text_rule_is_a_422_naming_it(client, organizer):
    await client.post("/api/v1/meetings", json=MEETING, headers=organizer)
    response = await client.patch(
        "/api/v1/meetings/idm-test",
        json={"translations": {"fr": {"title": "Deux\nlignes"}}},
        headers=organizer,
    )
    assert response.status_code == 422
    assert list(response.json()["fields"]) == ["translations.fr.title"]
    unknown = await client.patch(
        "/api/v1/meetings/idm-test",
        json={"translations": {"de": {"title": "Workshop"}}},
        headers=organizer,
    )
    assert unknown.status_code in (400, 422)
    assert "error" in unknown.json()
    original = await client.patch(
        "/api/v1/meetings/idm-test",
        json={"translations": {"en": {"title": "Again"}}},
        headers=organizer,
    )
    assert original.status_code == 422
    assert list(original.json()["fields"]) == ["translations.en"]


async def test_api_session_translation_raises_sequence_once(client, organizer):
    await client.post("/api/v1/meetings", json=MEETING, headers=organizer)
    created = await client.post(
        "/api/v1/meetings/idm-test/sessions",
        json={
            "title": "Opening",
            "starts_at": "2027-04-20T10:00:00-04:00",
            "ends_at": "2027-04-20T11:00:00-04:00",
            "translations": {"fr": {"title": "Ouverture"}},
        },
        headers=organizer,
    )
    assert created.status_code == 201, created.text
    session = created.json()
    assert (session["sequence"], session["translations"]) == (0, {"fr": {"title": "Ouverture"}})
    patched = await client.patch(
        f"/api/v1/sessions/{session['id']}",
        json={"translations": {"es": {"title": "Apertura", "description": "Palabras"}}},
        headers=organizer,
    )
    assert patched.status_code == 200, patched.text
    assert patched.json()["sequence"] == 1
    assert patched.json()["translations"] == {
        "fr": {"title": "Ouverture"},
        "es": {"title": "Apertura", "description": "Palabras"},
    }
    bad = await client.patch(
        f"/api/v1/sessions/{session['id']}",
        json={"translations": {"es": {"title": "x" * 301}}},
        headers=organizer,
    )
    assert bad.status_code in (400, 422)
    row = await MeetingSession.select().first()
    assert (row["sequence"], content.load(row["translations"])["es"]["title"]) == (1, "Apertura")


async def test_api_room_and_panelist_translations(client, organizer):
    await client.post("/api/v1/meetings", json=MEETING, headers=organizer)
    room = await client.post(
        "/api/v1/meetings/idm-test/rooms",
        json={"name": "Conference Room 4", "translations": {"fr": {"name": "Salle 4"}}},
        headers=organizer,
    )
    assert room.status_code == 201, room.text
    assert room.json()["translations"] == {"fr": {"name": "Salle 4"}}
    renamed = await client.patch(
        f"/api/v1/rooms/{room.json()['id']}",
        json={"translations": {"es": {"name": "Sala 4"}}},
        headers=organizer,
    )
    assert renamed.status_code == 200, renamed.text
    assert content.load((await Room.select().first())["translations"]) == {
        "fr": {"name": "Salle 4"},
        "es": {"name": "Sala 4"},
    }
    person = await client.post(
        "/api/v1/panelists",
        json={
            "name": "Ana Pérez",
            "position": "Director",
            "translations": {"es": {"position": "Directora"}},
        },
        headers=organizer,
    )
    assert person.status_code == 201, person.text
    changed = await client.patch(
        f"/api/v1/panelists/{person.json()['id']}",
        json={"translations": {"fr": {"position": "Directrice", "bio": "Une bio."}}},
        headers=organizer,
    )
    assert changed.status_code == 200, changed.text
    assert changed.json()["translations"] == {
        "es": {"position": "Directora"},
        "fr": {"position": "Directrice", "bio": "Une bio."},
    }
    assert (
        content.load((await Panelist.select().first())["translations"])["fr"]["bio"] == "Une bio."
    )


async def test_api_translations_are_documented_in_openapi(client):
    schema = (await client.get("/schema/openapi.json")).json()
    names = set(schema["components"]["schemas"])
    assert {"MeetingTexts", "SessionTexts", "RoomTexts", "PanelistTexts"} <= names
    assert "/api/v1/rooms/{room_id}" in schema["paths"]
    assert "/api/v1/panelists/{panelist_id}" in schema["paths"]
