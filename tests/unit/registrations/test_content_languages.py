"""Emails name the meeting and its sessions in the participant's language."""

import json
from datetime import UTC, datetime

from icalendar import Calendar

from idmevents.audit import SYSTEM
from idmevents.meetings import builder
from idmevents.meetings.tables import Meeting, MeetingSession, Room
from idmevents.registrations import services
from idmevents.registrations.tables import Registration
from tests.factories.meetings import NOW, make_meeting, make_session
from tests.factories.registrations import form
from tests.support.notices import notify
from tests.support.outbox import body_html, body_text, calendar_part, outbox_messages
from tests.unit.registrations.test_notices import (
    LATER,
    ny,
    published_meeting_with_two_sessions,
    register,
)

NBSP = "\u00a0"


async def translated_meeting() -> dict:
    meeting = await make_meeting(capacity=5)
    await Meeting.update(
        {
            Meeting.translations: json.dumps(
                {
                    "fr": {"title": "Atelier d’essai", "venue_name": "Siège de l’ONU"},
                    "es": {"title": "Taller de prueba"},
                }
            )
        }
    ).where(Meeting.id == meeting["id"])
    await make_session(meeting, "opening", starts_at=datetime(2027, 4, 20, 14, tzinfo=UTC))
    return await Meeting.select().where(Meeting.id == meeting["id"]).first()


async def test_confirmation_in_french_names_the_meeting_in_french():
    meeting = await translated_meeting()
    await services.register(meeting, form(1, language="fr"), now=NOW)
    [message] = await outbox_messages("registration-confirmed")
    assert str(message["Subject"]) == f"Inscription confirmée{NBSP}: Atelier d’essai"
    assert "Atelier d’essai" in body_text(message)
    assert "Atelier d’essai" in body_html(message)
    # The calendar holds the person's sessions (idmevents.registrations.invitation), each at the
    # venue in the person's language.
    event = Calendar.from_ical(calendar_part(message).get_content()).events[0]
    assert str(event["SUMMARY"]) == "Session opening"  # the session has no French title
    assert "Siège de l’ONU" in str(event["LOCATION"])


async def test_confirmation_in_spanish_falls_back_to_the_original_venue():
    meeting = await translated_meeting()
    await services.register(meeting, form(1, language="es"), now=NOW)
    [message] = await outbox_messages("registration-confirmed")
    assert "Taller de prueba" in str(message["Subject"])
    event = Calendar.from_ical(calendar_part(message).get_content()).events[0]
    assert str(event["SUMMARY"]) == "Session opening"
    assert "United Nations Headquarters" in str(event["LOCATION"])  # no Spanish venue


async def test_agenda_notice_names_sessions_in_the_participants_language():
    meeting, first, _ = await published_meeting_with_two_sessions()
    room = await builder.create_room(
        "idm-test", name="Room 4", translations={"es": {"name": "Sala 4"}}, by=SYSTEM, now=NOW
    )
    await builder.update_meeting(
        "idm-test", {"translations": {"es": {"title": "Taller del IDM"}}}, by=SYSTEM, now=NOW
    )
    await builder.update_session(
        first["id"],
        {"translations": {"es": {"title": "Mesa 1"}}, "room_id": room["id"]},
        by=SYSTEM,
        now=NOW,
    )
    await builder.update_session(
        first["id"], {"starts_at": ny(11), "ends_at": ny(12)}, by=SYSTEM, now=LATER
    )
    await register(meeting["id"], "Lucia")
    await Registration.update({Registration.language: "es"}).where(
        Registration.given_name == "Lucia"
    )
    await notify("idm-test", now=LATER)
    [message] = await outbox_messages("agenda-changed")
    assert "Taller del IDM" in str(message["Subject"])
    text = body_text(message)
    assert "Mesa 1" in text and "Panel 1" not in text
    calendar = Calendar.from_ical(calendar_part(message).get_content())
    [event] = calendar.events
    assert str(event["SUMMARY"]) == "Mesa 1"
    assert str(event["LOCATION"]).startswith("Sala 4")
    assert await Room.count() == 1
    assert (await MeetingSession.select().where(MeetingSession.id == first["id"]).first())[
        "sequence"
    ] >= 2
