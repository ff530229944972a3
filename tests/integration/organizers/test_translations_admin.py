"""Organizers write meeting and session content in French and Spanish through the builder's forms."""

from idmevents import content
from idmevents.meetings.tables import Meeting, MeetingSession, Panelist, Room
from idmevents.web.organizers import forms
from tests.integration.organizers.test_agenda_admin import organizer_client, post_form  # noqa: F401


async def test_admin_meeting_form_saves_and_shows_translations(organizer_client, demo):  # noqa: F811
    page = await organizer_client.get("/admin/meetings/idm-new-york/edit")
    assert page.status_code == 200
    assert 'name="translations.fr.title"' in page.text
    assert 'name="translations.es.venue_address"' in page.text
    assert 'name="translations.en.title"' not in page.text  # English is the original
    meeting = await Meeting.select().where(Meeting.slug == "idm-new-york").first()
    fields = {
        "title": meeting["title"],
        "timezone": meeting["timezone"],
        "starts_on": meeting["starts_on"].isoformat(),
        "ends_on": meeting["ends_on"].isoformat(),
        "original_language": "en",
        "translations.fr.title": "Premier atelier, New York",
        "translations.es.title": "Primer taller, Nueva York",
        "translations.fr.theme": "",
    }
    response = await post_form(
        organizer_client,
        "/admin/meetings/idm-new-york/edit",
        fields,
        form_url="/admin/meetings/idm-new-york/edit",
    )
    assert response.status_code == 303, response.text
    stored = content.load(
        (await Meeting.select().where(Meeting.slug == "idm-new-york").first())["translations"]
    )
    assert stored["fr"]["title"] == "Premier atelier, New York"
    assert stored["es"]["title"] == "Primer taller, Nueva York"
    assert "theme" not in stored["fr"]  # emptied in the form: the original shows instead
    page = await organizer_client.get("/admin/meetings/idm-new-york/edit")
    assert 'value="Primer taller, Nueva York"' in page.text


async def test_admin_meeting_form_shows_a_bad_translation_beside_its_field(organizer_client, demo):  # noqa: F811
    meeting = await Meeting.select().where(Meeting.slug == "idm-new-york").first()
    response = await post_form(
        organizer_client,
        "/admin/meetings/idm-new-york/edit",
        {
            "title": meeting["title"],
            "timezone": meeting["timezone"],
            "starts_on": meeting["starts_on"].isoformat(),
            "ends_on": meeting["ends_on"].isoformat(),
            "translations.es.title": "x" * 301,
        },
        form_url="/admin/meetings/idm-new-york/edit",
    )
    assert response.status_code == 422
    assert 'id="translations.es.title-error"' in response.text
    assert "At most 300 characters." in response.text
    after = await Meeting.select().where(Meeting.slug == "idm-new-york").first()
    assert after["translations"] == meeting["translations"]


async def test_admin_session_form_translation_raises_sequence_once(organizer_client, demo):  # noqa: F811
    session = await MeetingSession.select().order_by(MeetingSession.id).first()
    url = f"/admin/sessions/{session['id']}"
    page = await organizer_client.get(url)
    assert 'name="translations.es.description"' in page.text
    data = await _session_form(session) | {"translations.es.title": "Sesión de apertura (nuevo)"}
    response = await post_form(organizer_client, url, data)
    assert response.status_code == 303, response.text
    after = await MeetingSession.select().where(MeetingSession.id == session["id"]).first()
    assert after["sequence"] == session["sequence"] + 1
    assert content.load(after["translations"])["es"]["title"] == "Sesión de apertura (nuevo)"


async def _session_form(session: dict) -> dict:
    """The session's form as the page fills it in."""
    meeting = await Meeting.select().where(Meeting.id == session["meeting"]).first()
    return forms.session_form_values(session, meeting["timezone"])


async def test_admin_room_and_panelist_forms_save_translations(organizer_client, demo):  # noqa: F811
    room = await Room.select().order_by(Room.id).first()
    meeting = await Meeting.select().where(Meeting.id == room["meeting"]).first()
    builder_url = f"/admin/meetings/{meeting['slug']}"
    page = await organizer_client.get(builder_url)
    assert f'id="room-{room["id"]}-translations.fr.name"' in page.text
    response = await post_form(
        organizer_client,
        f"{builder_url}/rooms/{room['id']}",
        {
            "action": "save",
            "name": room["name"],
            "capacity": "" if room["capacity"] is None else str(room["capacity"]),
            "translations.fr.name": "Salle du Conseil",
            "translations.es.name": "Sala del Consejo",
        },
        form_url=builder_url,
    )
    assert response.status_code == 303, response.text
    stored = content.load(
        (await Room.select().where(Room.id == room["id"]).first())["translations"]
    )
    assert stored == {"fr": {"name": "Salle du Conseil"}, "es": {"name": "Sala del Consejo"}}

    person = await Panelist.select().order_by(Panelist.id).first()
    url = f"/admin/panelists/{person['id']}"
    response = await post_form(
        organizer_client,
        url,
        {
            "name": person["name"],
            "honorific": person["honorific"],
            "position": person["position"],
            "organization": person["organization"],
            "bio": person["bio"],
            "email": person["email"],
            "slug": person["slug"],
            "translations.fr.position": "Directrice générale",
            "translations.es.bio": "Una biografía.",
        },
    )
    assert response.status_code == 303, response.text
    stored = content.load(
        (await Panelist.select().where(Panelist.id == person["id"]).first())["translations"]
    )
    assert stored["fr"]["position"] == "Directrice générale"
    assert stored["es"]["bio"] == "Una biografía."
    page = await organizer_client.get(url)
    assert "Directrice générale" in page.text
