"""Translations of meeting content through the agenda builder: checked, merged, seen by calendars."""

import json
from datetime import UTC, datetime, timedelta

import pytest

from idmevents import content
from idmevents.audit import SYSTEM
from idmevents.errors import InvalidInput
from idmevents.meetings import builder, panelists
from idmevents.meetings.tables import Meeting, MeetingSession, Room
from tests.unit.meetings.test_builder import NOW, make_meeting, make_session

LATER = NOW + timedelta(hours=1)


async def test_meeting_translations_are_stored_and_merged():
    await make_meeting(translations={"fr": {"title": "Atelier de l’IDM"}})
    await builder.update_meeting(
        "idm-test",
        {"translations": {"es": {"title": "Taller del IDM"}, "fr": {"theme": "Thème"}}},
        by=SYSTEM,
        now=LATER,
    )
    row = await Meeting.select().first()
    assert content.load(row["translations"]) == {
        "fr": {"title": "Atelier de l’IDM", "theme": "Thème"},
        "es": {"title": "Taller del IDM"},
    }
    assert row["original_language"] == "en"


async def test_meeting_translation_with_a_line_break_in_a_title_is_refused():
    await make_meeting()
    with pytest.raises(InvalidInput) as caught:
        await builder.update_meeting(
            "idm-test",
            {"translations": {"fr": {"title": "Deux\nlignes"}}, "original_language": "en"},
            by=SYSTEM,
            now=LATER,
        )
    assert list(caught.value.fields) == ["translations.fr.title"]
    assert content.load((await Meeting.select().first())["translations"]) == {}


async def test_meeting_original_language_must_be_ours():
    with pytest.raises(InvalidInput) as caught:
        await make_meeting(original_language="de")
    assert list(caught.value.fields) == ["original_language"]


async def test_meeting_translation_bumps_every_session_once():
    await make_meeting()
    session = await make_session()
    await builder.update_meeting(
        "idm-test", {"translations": {"fr": {"title": "Atelier"}}}, by=SYSTEM, now=LATER
    )
    row = await MeetingSession.select().where(MeetingSession.id == session["id"]).first()
    assert (row["sequence"], row["updated_at"]) == (1, LATER)


async def test_session_translation_raises_sequence_once():
    await make_meeting()
    session = await make_session(translations={"fr": {"title": "Table ronde 1"}})
    assert content.load(session["translations"]) == {"fr": {"title": "Table ronde 1"}}
    await builder.update_session(
        session["id"],
        {"translations": {"es": {"title": "Mesa redonda 1"}}},
        by=SYSTEM,
        now=LATER,
    )
    row = await MeetingSession.select().where(MeetingSession.id == session["id"]).first()
    assert row["sequence"] == 1
    assert content.load(row["translations"]) == {
        "fr": {"title": "Table ronde 1"},
        "es": {"title": "Mesa redonda 1"},
    }
    # The same translation again changes nothing: no new version for calendars.
    await builder.update_session(
        session["id"], {"translations": {"es": {"title": "Mesa redonda 1"}}}, by=SYSTEM, now=NOW
    )
    row = await MeetingSession.select().where(MeetingSession.id == session["id"]).first()
    assert row["sequence"] == 1


async def test_session_translation_in_the_original_language_is_refused():
    await make_meeting(original_language="fr", title="Atelier")
    with pytest.raises(InvalidInput) as caught:
        await make_session(translations={"fr": {"title": "Table ronde"}})
    assert list(caught.value.fields) == ["translations.fr"]
    assert await MeetingSession.count() == 0


async def test_room_translation_bumps_its_sessions():
    await make_meeting()
    room = await builder.create_room(
        "idm-test",
        name="Conference Room 4",
        translations={"fr": {"name": "Salle 4"}},
        by=SYSTEM,
        now=NOW,
    )
    session = await make_session(room_id=room["id"])
    await builder.update_room(
        room["id"], {"translations": {"es": {"name": "Sala 4"}}}, by=SYSTEM, now=LATER
    )
    row = await Room.select().first()
    assert content.load(row["translations"]) == {
        "fr": {"name": "Salle 4"},
        "es": {"name": "Sala 4"},
    }
    stored = await MeetingSession.select().where(MeetingSession.id == session["id"]).first()
    assert stored["sequence"] == 1


async def test_panelist_translation_bumps_their_sessions():
    await make_meeting()
    person = await panelists.create_panelist(
        {
            "name": "Ana Pérez",
            "position": "Director",
            "translations": {"es": {"position": "Directora"}},
        },
        by=SYSTEM,
        now=NOW,
    )
    session = await make_session(panelists=[builder.PanelistAssignment(person["id"])])
    await panelists.update_panelist(
        person["id"], {"translations": {"fr": {"position": "Directrice"}}}, by=SYSTEM, now=LATER
    )
    stored = await panelists.get_panelist(person["id"])
    assert content.load(stored["translations"]) == {
        "es": {"position": "Directora"},
        "fr": {"position": "Directrice"},
    }
    row = await MeetingSession.select().where(MeetingSession.id == session["id"]).first()
    assert row["sequence"] == 1


async def test_duplicate_keeps_translations_of_fields_not_renamed():
    await make_meeting(translations={"fr": {"title": "Atelier", "theme": "Thème"}})
    await builder.create_room(
        "idm-test", name="Room 1", translations={"fr": {"name": "Salle 1"}}, by=SYSTEM, now=NOW
    )
    await make_session(translations={"fr": {"title": "Table ronde"}})
    copy = await builder.duplicate_meeting(
        "idm-test",
        slug="idm-copy",
        starts_on=datetime(2027, 7, 18, tzinfo=UTC).date(),
        timezone="Europe/Zurich",
        title="IDM Geneva",
        by=SYSTEM,
        now=LATER,
    )
    assert json.loads(copy["translations"]) == {"fr": {"theme": "Thème"}}
    rooms = await Room.select().where(Room.meeting == copy["id"])
    assert content.load(rooms[0]["translations"]) == {"fr": {"name": "Salle 1"}}
    sessions = await MeetingSession.select().where(MeetingSession.meeting == copy["id"])
    assert content.load(sessions[0]["translations"]) == {"fr": {"title": "Table ronde"}}
