"""Feeds and schedules in the reader's language: ?lang= for public feeds, the participant's own
language for their personal feed; untranslated text in the original language."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET

import pytest
import vobject
from icalendar import Calendar

from idmevents.meetings.tables import MeetingSession
from idmevents.registrations.tables import Registration
from tests.factories.feeds import make_registration

IDENTITY = {"accept-encoding": "identity"}
OPENING = "idm-new-york-opening@idmevents"

EXPECTED = {
    "fr": ("Séance d’ouverture", "Salle du Conseil de tutelle", "Ouverture", "Orateur principal"),
    "es": (
        "Sesión de apertura",
        "Salón del Consejo de Administración Fiduciaria",
        "Apertura",
        "Orador principal",
    ),
    "en": ("Opening session", "Trusteeship Council Chamber", "Opening", "Keynote speaker"),
}


def parsed(response) -> tuple[dict, dict]:
    """The feed read by icalendar and by vobject: {uid: event} each."""
    calendar = Calendar.from_ical(response.content)
    by_icalendar = {str(e["UID"]): e for e in calendar.walk("VEVENT")}
    by_vobject = {e.uid.value: e for e in vobject.readOne(response.text).vevent_list}
    return by_icalendar, by_vobject


@pytest.mark.parametrize("lang", ["fr", "es", "en"])
async def test_meeting_feed_in_each_language(client, demo, lang):
    title, room, kind, role = EXPECTED[lang]
    response = await client.get(f"/meetings/idm-new-york/agenda.ics?lang={lang}", headers=IDENTITY)
    assert response.status_code == 200
    by_icalendar, by_vobject = parsed(response)
    event = by_icalendar[OPENING]
    assert str(event["SUMMARY"]) == title
    assert str(event["LOCATION"]).startswith(room)
    assert [str(c) for c in event["CATEGORIES"].cats] == [kind]
    assert f"{role}: Ms Amina J. Mohammed" in str(event["DESCRIPTION"])
    assert by_vobject[OPENING].summary.value == title
    assert by_vobject[OPENING].location.value.startswith(room)


async def test_feeds_in_two_languages_are_two_documents_and_one_uid_each(client, demo):
    french = await client.get("/meetings/idm-new-york/agenda.ics?lang=fr", headers=IDENTITY)
    spanish = await client.get("/meetings/idm-new-york/agenda.ics?lang=es", headers=IDENTITY)
    assert french.headers["etag"] != spanish.headers["etag"]
    again = await client.get("/meetings/idm-new-york/agenda.ics?lang=fr", headers=IDENTITY)
    assert again.content == french.content
    assert set(parsed(french)[0]) == set(parsed(spanish)[0])


async def test_session_event_follows_lang_and_falls_back_to_the_original(client, demo):
    session = await MeetingSession.select().where(MeetingSession.uid == OPENING).first()
    url = f"/meetings/idm-new-york/sessions/{session['id']}/event.ics"
    response = await client.get(f"{url}?lang=es", headers=IDENTITY)
    by_icalendar, by_vobject = parsed(response)
    assert str(by_icalendar[OPENING]["SUMMARY"]) == "Sesión de apertura"
    assert by_vobject[OPENING].summary.value == "Sesión de apertura"
    calendar = Calendar.from_ical(response.content)
    assert "Diálogo Internacional sobre la Migración 2017" in str(calendar["X-WR-CALNAME"])
    # No Spanish title: the Spanish feed shows the English original.
    await MeetingSession.update({MeetingSession.translations: "{}"}).where(
        MeetingSession.id == session["id"]
    )
    response = await client.get(f"{url}?lang=es", headers=IDENTITY)
    assert str(parsed(response)[0][OPENING]["SUMMARY"]) == "Opening session"


async def test_personal_feed_is_in_the_participants_language(client, demo):
    registration = await make_registration("idm-geneva")
    await Registration.update({Registration.language: "es"}).where(
        Registration.id == registration["id"]
    )
    # A calendar app sends no language, or its own: the participant's choice wins.
    response = await client.get(
        f"/r/{registration['feed_token']}/agenda.ics",
        headers=IDENTITY | {"accept-language": "fr"},
    )
    assert response.status_code == 200
    by_icalendar, by_vobject = parsed(response)
    opening = "idm-geneva-opening@idmevents"
    assert str(by_icalendar[opening]["SUMMARY"]) == "Sesión de apertura"
    assert by_vobject[opening].summary.value == "Sesión de apertura"
    calendar = Calendar.from_ical(response.content)
    assert "Segundo taller" in str(calendar["X-WR-CALNAME"]) and "Ginebra" in str(calendar["NAME"])


@pytest.mark.parametrize(
    ("lang", "title"), [("fr", "Séance d’ouverture"), ("es", "Sesión de apertura")]
)
async def test_frab_schedule_in_the_requested_language(client, demo, lang, title):
    response = await client.get(f"/meetings/idm-new-york/schedule.xml?lang={lang}")
    assert response.status_code == 200
    root = ET.fromstring(response.content)
    assert root.find("conference/title").text == EXPECTED_TITLES[lang]
    opening = next(e for e in root.iter("event") if e.find("title").text == title)
    assert opening.find("language").text == lang
    assert (
        opening.find("slug").text == f"idm_new_york-{opening.get('id')}-opening-session"
    )  # frab_slug: XSD-valid prefix
    english = ET.fromstring(
        (await client.get("/meetings/idm-new-york/schedule.xml?lang=en")).content
    )
    slugs = {e.find("slug").text for e in english.iter("event")}
    assert {e.find("slug").text for e in root.iter("event")} == slugs  # slugs never move


EXPECTED_TITLES = {
    "fr": "Dialogue international sur la migration 2017 — Premier atelier, New York",
    "es": "Diálogo Internacional sobre la Migración 2017 — Primer taller, Nueva York",
}


async def test_json_schedule_in_the_requested_language(client, demo):
    french = json.loads((await client.get("/meetings/idm-geneva/agenda.json?lang=fr")).content)
    spanish = json.loads((await client.get("/meetings/idm-geneva/agenda.json?lang=es")).content)
    assert french["meeting"]["title"].endswith("Deuxième atelier, Genève")
    assert spanish["meeting"]["city"] == "Ginebra"
    titles = {s["title"] for s in spanish["sessions"]}
    assert "Acto paralelo: datos para la gobernanza de la migración" in titles
