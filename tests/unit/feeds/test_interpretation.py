"""The languages a session is interpreted into, in every feed: the iCalendar feed (a DESCRIPTION
line and one X-IDM-INTERPRETATION per language), the JSON agenda, and frab XML and JSON (in the description: frab's
<language> is the language spoken), which keep their schemas' rules."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from dataclasses import replace

import vobject
from icalendar import Calendar

from idmevents import i18n
from idmevents.feeds.ical import calendar_bytes
from idmevents.feeds.schedule import agenda_json, frab_json, frab_xml
from tests.factories.agendas import BASE_URL, new_york_agenda
from tests.support.frab import json_problems, xml_problems
from tests.support.icaljs import read_with_icaljs
from tests.unit.feeds.test_schedule import INFO

CODES = ("ar", "zh", "en", "fr", "ru", "es")


def interpreted_agenda():
    """New York's agenda with its first session interpreted into the six UN languages."""
    agenda = new_york_agenda()
    first, *others = agenda.items
    assert not first.cancelled
    return replace(agenda, items=[replace(first, interpretation=CODES), *others]), first.uid


def in_language(language: str, make):
    token = i18n.set_language(language)
    try:
        return make()
    finally:
        i18n.reset_language(token)


def test_ical_feed_says_it_in_words_and_for_programs():
    agenda, uid = interpreted_agenda()
    data = calendar_bytes([agenda], INFO, base_url=BASE_URL)
    events = {str(e["UID"]): e for e in Calendar.from_ical(data).walk("VEVENT")}
    assert [str(code) for code in events[uid]["X-IDM-INTERPRETATION"]] == list(CODES)
    assert (
        "Interpretation: Arabic, Chinese, English, French, Russian, and Spanish"
        in events[uid]["DESCRIPTION"]
    )
    others = [e for key, e in events.items() if key != uid]
    assert others and all("X-IDM-INTERPRETATION" not in e for e in others)
    assert all("Interpretation" not in str(e.get("DESCRIPTION", "")) for e in others)
    # Still a calendar every reader takes: vobject and ical.js read the same event and text.
    parsed = {e.uid.value: e for e in vobject.readOne(data.decode()).vevent_list}
    assert [p.value for p in parsed[uid].contents["x-idm-interpretation"]] == list(CODES)
    by_icaljs = {e["uid"]: e for e in read_with_icaljs(data)["events"]}
    assert "Interpretation: Arabic" in by_icaljs[uid]["description"]


def test_ical_feed_names_the_languages_in_the_readers_language():
    agenda, uid = interpreted_agenda()
    data = in_language("fr", lambda: calendar_bytes([agenda], INFO, base_url=BASE_URL))
    event = next(e for e in Calendar.from_ical(data).walk("VEVENT") if str(e["UID"]) == uid)
    assert (
        "Interprétation\u00a0: arabe, chinois, anglais, français, russe et espagnol"
        in event["DESCRIPTION"]
    )


def test_json_agenda_lists_the_codes():
    agenda, uid = interpreted_agenda()
    sessions = json.loads(agenda_json(agenda, base_url=BASE_URL))["sessions"]
    assert {s["uid"]: s["interpretation"] for s in sessions} == {
        item.uid: (list(CODES) if item.uid == uid else []) for item in agenda.items
    }


def test_frab_xml_and_json_say_it_in_the_description_and_keep_their_rules():
    agenda, _ = interpreted_agenda()
    data = frab_xml(agenda, base_url=BASE_URL)
    assert xml_problems(data) == []
    descriptions = [e.findtext("description") for e in ET.fromstring(data).iter("event")]
    assert sum("Interpretation: Arabic, Chinese" in d for d in descriptions) == 1
    # <language> stays the language the session is held in.
    assert {e.findtext("language") for e in ET.fromstring(data).iter("event")} == {"en"}
    document = json.loads(frab_json(agenda, base_url=BASE_URL))
    assert json_problems(document) == []
    events = [
        event
        for day in document["schedule"]["conference"]["days"]
        for room in day["rooms"].values()
        for event in room
    ]
    assert sum("Interpretation: Arabic, Chinese" in e["description"] for e in events) == 1
