"""Issue 11 through the API: text that would break a calendar line and dates outside 1900-2200
are refused with a 422 naming the field, nothing is written, and the calendars still answer."""

import pytest

from idmevents.meetings.tables import Meeting, MeetingSession, Panelist, Room
from idmevents.validation import DATE_RANGE_MESSAGE, SINGLE_LINE_MESSAGE

INJECTION = "IDM\r\nBEGIN:VEVENT\r\nSUMMARY:evil"


@pytest.fixture
async def organizer(api_token):
    _, token = await api_token("organizer")
    return {"Authorization": f"Bearer {token}"}


async def calendars_answer(client) -> None:
    """The meeting's feed and every one of its sessions' events still answer 200."""
    assert (await client.get("/meetings/idm-new-york/agenda.ics")).status_code == 200
    meeting = await Meeting.select(Meeting.id).where(Meeting.slug == "idm-new-york").first()
    sessions = await MeetingSession.select(MeetingSession.id).where(
        MeetingSession.meeting == meeting["id"]
    )
    assert sessions
    for row in sessions:
        url = f"/meetings/idm-new-york/sessions/{row['id']}/event.ics"
        response = await client.get(url)
        assert response.status_code == 200, url
        assert "evil" not in response.text


async def test_api_meeting_title_with_a_line_break_is_422_and_changes_nothing(
    client, organizer, demo
):
    before = await Meeting.select().where(Meeting.slug == "idm-new-york").first()
    response = await client.patch(
        "/api/v1/meetings/idm-new-york", json={"title": INJECTION}, headers=organizer
    )
    assert response.status_code == 422
    assert response.json()["fields"] == {"title": SINGLE_LINE_MESSAGE}
    after = await Meeting.select().where(Meeting.slug == "idm-new-york").first()
    assert after == before
    await calendars_answer(client)
    for field in ("city", "venue"):
        response = await client.patch(
            "/api/v1/meetings/idm-new-york", json={field: "A\nB"}, headers=organizer
        )
        assert response.status_code == 422
        assert list(response.json()["fields"]) == ["venue_name" if field == "venue" else field]


async def test_api_message_is_translated(client, organizer, demo):
    response = await client.patch(
        "/api/v1/meetings/idm-new-york?lang=fr",
        json={"title": INJECTION},
        headers=organizer | {"Accept-Language": "fr"},
    )
    assert response.status_code == 422
    assert response.json()["fields"]["title"] == "Une seule ligne, sans saut de ligne."


async def test_api_session_title_room_and_panelist_name_with_line_breaks_are_422(
    client, organizer, demo
):
    session = await MeetingSession.select().first()
    response = await client.patch(
        f"/api/v1/sessions/{session['id']}", json={"title": INJECTION}, headers=organizer
    )
    assert response.status_code == 422
    assert response.json()["fields"] == {"title": SINGLE_LINE_MESSAGE}
    assert (await MeetingSession.select().where(MeetingSession.id == session["id"]).first()) == (
        session
    )

    rooms = await Room.count()
    response = await client.post(
        "/api/v1/meetings/idm-new-york/rooms", json={"name": "Room\r4"}, headers=organizer
    )
    assert response.status_code == 422
    assert response.json()["fields"] == {"name": SINGLE_LINE_MESSAGE}
    assert await Room.count() == rooms

    people = await Panelist.count()
    for field in ("name", "honorific", "organization", "position"):
        body = {"name": "Ana Rojas"} | {field: "Ana\r\nATTENDEE:mailto:x@evil.example"}
        response = await client.post("/api/v1/panelists", json=body, headers=organizer)
        assert response.status_code == 422, field
        assert response.json()["fields"] == {field: SINGLE_LINE_MESSAGE}
    assert await Panelist.count() == people
    await calendars_answer(client)


async def test_api_crlf_in_a_description_is_stored_as_lf(client, organizer, demo):
    session = await MeetingSession.select(MeetingSession.id).first()
    response = await client.patch(
        f"/api/v1/sessions/{session['id']}",
        json={"description": "First line\r\nSecond line\rThird"},
        headers=organizer,
    )
    assert response.status_code == 200
    row = await MeetingSession.select().where(MeetingSession.id == session["id"]).first()
    assert row["description"] == "First line\nSecond line\nThird"
    response = await client.patch(
        "/api/v1/meetings/idm-new-york",
        json={"theme": "Para one\r\n\r\nPara two"},
        headers=organizer,
    )
    assert response.status_code == 200
    meeting = await Meeting.select().where(Meeting.slug == "idm-new-york").first()
    assert meeting["theme"] == "Para one\n\nPara two"
    response = await client.patch(
        f"/api/v1/sessions/{session['id']}", json={"description": "Bell\x07"}, headers=organizer
    )
    assert response.status_code == 422
    assert list(response.json()["fields"]) == ["description"]
    await calendars_answer(client)


async def test_api_meeting_days_outside_the_range_are_422(client, organizer, demo):
    before = await Meeting.select().where(Meeting.slug == "idm-new-york").first()
    for field, value in (("ends_on", "9999-12-31"), ("starts_on", "0207-04-20")):
        response = await client.patch(
            "/api/v1/meetings/idm-new-york", json={field: value}, headers=organizer
        )
        assert response.status_code == 422, field
        assert response.json()["fields"] == {field: DATE_RANGE_MESSAGE}
    response = await client.patch(
        "/api/v1/meetings/idm-new-york",
        json={"registration_closes_at": "9999-12-31T00:00:00Z"},
        headers=organizer,
    )
    assert response.status_code == 422
    assert list(response.json()["fields"]) == ["registration_closes_at"]
    assert await Meeting.select().where(Meeting.slug == "idm-new-york").first() == before
    assert (
        await client.get("/api/v1/meetings/idm-new-york/clashes", headers=organizer)
    ).status_code == 200
    await calendars_answer(client)


async def test_api_sessions_outside_the_range_are_422(client, organizer, demo):
    count = await MeetingSession.count()
    for starts, ends in (
        ("0001-01-01T10:00:00Z", "0001-01-01T11:00:00Z"),
        ("0001-01-01T00:00:00+01:00", "0001-01-01T01:00:00+01:00"),
        ("9999-12-31T22:00:00-05:00", "9999-12-31T23:00:00-05:00"),
    ):
        response = await client.post(
            "/api/v1/meetings/idm-new-york/sessions",
            json={"title": "Far away", "starts_at": starts, "ends_at": ends},
            headers=organizer,
        )
        assert response.status_code == 422, starts
        assert response.json()["fields"] == {
            "starts_at": DATE_RANGE_MESSAGE,
            "ends_at": DATE_RANGE_MESSAGE,
        }
    assert await MeetingSession.count() == count
    session = await MeetingSession.select().first()
    response = await client.patch(
        f"/api/v1/sessions/{session['id']}",
        json={"ends_at": "2201-01-01T10:00:00Z"},
        headers=organizer,
    )
    assert response.status_code == 422
    assert list(response.json()["fields"]) == ["ends_at"]
    assert await MeetingSession.select().where(MeetingSession.id == session["id"]).first() == (
        session
    )
    await calendars_answer(client)
