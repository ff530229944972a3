"""Issue 11 through the organizers' forms: a line break in a one-line field and a day outside
1900-2200 are shown beside the field (422), nothing is written, and the calendars still answer."""

import html

import pytest

from idmevents.meetings.tables import Meeting, MeetingSession, Panelist, Room
from idmevents.validation import DATE_RANGE_MESSAGE, SINGLE_LINE_MESSAGE
from idmevents.web.organizers.forms import meeting_form_values

INJECTION = "IDM\r\nBEGIN:VEVENT\r\nSUMMARY:evil"


@pytest.fixture
async def organizer_client(client, make_user, login):
    user, password = await make_user("organizer")
    response = await login(client, user["email"], password)
    assert response.status_code == 303
    return client


async def post_form(client, url: str, data: dict, *, form_url: str | None = None):
    """GET the page holding the form (CSRF cookie), then POST it."""
    await client.get(form_url or url)
    return await client.post(
        url, data=data | {"_csrf_token": client.cookies.get("csrftoken")}, follow_redirects=False
    )


async def new_york() -> dict:
    return await Meeting.select().where(Meeting.slug == "idm-new-york").first()


async def test_admin_meeting_form_refuses_line_breaks_and_far_days(organizer_client, demo):
    before = await new_york()
    values = meeting_form_values(before)
    for change, field, message in (
        ({"title": INJECTION}, "title", SINGLE_LINE_MESSAGE),
        ({"venue_name": "Hall\nB"}, "venue_name", SINGLE_LINE_MESSAGE),
        ({"ends_on": "9999-12-31"}, "ends_on", DATE_RANGE_MESSAGE),
        ({"registration_opens_at": "0001-01-01T00:00"}, "registration_opens_at", None),
    ):
        response = await post_form(
            organizer_client,
            "/admin/meetings/idm-new-york/edit",
            values | change,
            form_url="/admin/meetings/idm-new-york/edit",
        )
        assert response.status_code == 422, field
        assert html.escape(message or DATE_RANGE_MESSAGE) in response.text, field
        assert await new_york() == before, field
    assert (await organizer_client.get("/admin/meetings/idm-new-york")).status_code == 200
    assert (await organizer_client.get("/meetings/idm-new-york/agenda.ics")).status_code == 200


async def test_admin_meeting_form_stores_crlf_as_lf(organizer_client, demo):
    values = meeting_form_values(await new_york())
    response = await post_form(
        organizer_client,
        "/admin/meetings/idm-new-york/edit",
        values | {"description": "One\r\nTwo", "venue_address": "760 UN Plaza\r\nNew York"},
        form_url="/admin/meetings/idm-new-york/edit",
    )
    assert response.status_code == 303
    meeting = await new_york()
    assert (meeting["description"], meeting["venue_address"]) == (
        "One\nTwo",
        "760 UN Plaza\nNew York",
    )


async def test_admin_session_form_refuses_line_breaks_and_far_days(organizer_client, demo):
    count = await MeetingSession.count()
    for data, field, message in (
        (
            {"title": INJECTION, "day": "2027-04-20", "starts_at": "10:00", "ends_at": "11:00"},
            "title",
            SINGLE_LINE_MESSAGE,
        ),
        (
            {"title": "Far", "day": "0001-01-01", "starts_at": "00:00", "ends_at": "01:00"},
            "day",
            DATE_RANGE_MESSAGE,
        ),
    ):
        response = await post_form(
            organizer_client,
            "/admin/meetings/idm-new-york/sessions",
            data,
            form_url="/admin/meetings/idm-new-york",
        )
        assert response.status_code == 422, field
        assert html.escape(message) in response.text, field
    assert await MeetingSession.count() == count
    session = await MeetingSession.select().first()
    response = await post_form(
        organizer_client,
        f"/admin/sessions/{session['id']}",
        {
            "title": "Opening\rSUMMARY:evil",
            "day": "2027-04-20",
            "starts_at": "10:00",
            "ends_at": "11:00",
        },
        form_url=f"/admin/sessions/{session['id']}",
    )
    assert response.status_code == 422
    assert html.escape(SINGLE_LINE_MESSAGE) in response.text
    assert (await MeetingSession.select().where(MeetingSession.id == session["id"]).first()) == (
        session
    )


async def test_admin_room_and_panelist_forms_refuse_line_breaks(organizer_client, demo):
    meeting = await new_york()
    room = await Room.select().where(Room.meeting == meeting["id"]).first()
    response = await post_form(
        organizer_client,
        f"/admin/meetings/idm-new-york/rooms/{room['id']}",
        {"name": "Room\r\nLOCATION:evil", "capacity": ""},
        form_url="/admin/meetings/idm-new-york",
    )
    assert response.status_code == 422
    assert html.escape(SINGLE_LINE_MESSAGE) in response.text
    assert await Room.select().where(Room.id == room["id"]).first() == room

    person = await Panelist.select().first()
    response = await post_form(
        organizer_client,
        f"/admin/panelists/{person['id']}",
        {"name": "Louise\r\nATTENDEE:mailto:x@evil.example", "slug": person["slug"]},
        form_url=f"/admin/panelists/{person['id']}",
    )
    assert response.status_code == 422
    assert html.escape(SINGLE_LINE_MESSAGE) in response.text
    assert await Panelist.select().where(Panelist.id == person["id"]).first() == person
    assert (await organizer_client.get("/meetings/idm-new-york/agenda.ics")).status_code == 200


async def test_admin_duplicate_past_the_range_is_refused(organizer_client, demo):
    count = await Meeting.count()
    meeting = await new_york()
    assert meeting["ends_on"] > meeting["starts_on"]  # a copy starting on the last day overflows
    response = await post_form(
        organizer_client,
        "/admin/meetings/idm-new-york/duplicate",
        {
            "slug": "idm-far-future",
            "starts_on": "2200-12-31",
            "timezone": "Europe/Zurich",
            "title": meeting["title"],
        },
        form_url="/admin/meetings/idm-new-york/duplicate",
    )
    assert response.status_code == 422
    assert html.escape(DATE_RANGE_MESSAGE) in response.text
    assert await Meeting.count() == count
