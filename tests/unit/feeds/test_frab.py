"""frab schedule.xml and schedule.json keep voc/schedule's validator rules (tests/support/frab.py)."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from dataclasses import replace

import pytest

from idmevents.feeds.schedule import event_guid, frab_json, frab_slug, frab_xml
from tests.factories.agendas import geneva_agenda, new_york_agenda
from tests.support.frab import SLUG_XSD, json_problems, xml_problems

BASE_URL = "https://idm.example.org"


def short_slug_agenda():
    """A meeting whose slug is 3 characters before its first hyphen, as `idm-new-york-1`."""
    agenda = new_york_agenda()
    meeting = agenda.meeting | {"slug": "idm-new-york-1"}
    return replace(agenda, meeting=meeting)


@pytest.mark.parametrize("agenda", [new_york_agenda(), geneva_agenda(), short_slug_agenda()])
def test_every_frab_slug_matches_the_xsd_pattern(agenda):
    root = ET.fromstring(frab_xml(agenda, base_url=BASE_URL))
    slugs = [event.findtext("slug") for event in root.iter("event")]
    assert slugs
    assert [slug for slug in slugs if not SLUG_XSD.fullmatch(slug)] == []
    assert len(set(slugs)) == len(slugs)


def test_a_short_meeting_slug_becomes_a_long_enough_prefix():
    agenda = short_slug_agenda()
    item = agenda.items[0]
    assert frab_slug("idm-new-york-1", item).startswith("idm_new_york_1-")
    assert frab_slug("idm", item).startswith("idm_-")
    assert SLUG_XSD.fullmatch(frab_slug("idm", replace(item, id=1, title="")))


@pytest.mark.parametrize("agenda", [new_york_agenda(), geneva_agenda(), short_slug_agenda()])
def test_frab_xml_keeps_the_xsd_rules(agenda):
    assert xml_problems(frab_xml(agenda, base_url=BASE_URL)) == []


def test_frab_xml_of_a_meeting_without_sessions_still_has_its_days():
    agenda = replace(new_york_agenda(), items=[])
    data = frab_xml(agenda, base_url=BASE_URL)
    assert xml_problems(data) == []
    days = ET.fromstring(data).findall("day")
    assert [day.get("date") for day in days] == ["2027-04-20", "2027-04-21"]


def test_the_rule_checker_catches_a_slug_the_xsd_refuses():
    data = frab_xml(new_york_agenda(), base_url=BASE_URL)
    root = ET.fromstring(data)
    root.find("day/room/event/slug").text = "idm-new-york-1-opening"
    assert any("slug" in problem for problem in xml_problems(ET.tostring(root)))


@pytest.mark.parametrize("agenda", [new_york_agenda(), geneva_agenda(), short_slug_agenda()])
def test_frab_json_keeps_the_json_schema_rules(agenda):
    document = json.loads(frab_json(agenda, base_url=BASE_URL))
    assert json_problems(document) == []


def test_frab_json_holds_the_same_events_as_the_xml():
    agenda = new_york_agenda()
    document = json.loads(frab_json(agenda, base_url=BASE_URL))
    conference = document["schedule"]["conference"]
    assert (conference["acronym"], conference["time_zone_name"], conference["daysCount"]) == (
        "idm_new_york",
        "America/New_York",
        2,
    )
    from_json = {
        event["guid"]: (
            event["date"],
            event["start"],
            event["duration"],
            event["room"],
            event["slug"],
        )
        for day in conference["days"]
        for events in day["rooms"].values()
        for event in events
    }
    root = ET.fromstring(frab_xml(agenda, base_url=BASE_URL))
    from_xml = {
        event.get("guid"): tuple(
            event.findtext(tag) for tag in ("date", "start", "duration", "room", "slug")
        )
        for event in root.iter("event")
    }
    assert from_json == from_xml
    assert set(from_json) == {event_guid(item.uid) for item in agenda.items}
    panel = next(
        event
        for day in conference["days"]
        for events in day["rooms"].values()
        for event in events
        if event["persons"]
    )
    assert all(set(person) == {"id", "guid", "name"} for person in panel["persons"])


def test_the_json_rule_checker_catches_a_missing_field():
    document = json.loads(frab_json(new_york_agenda(), base_url=BASE_URL))
    event = next(iter(document["schedule"]["conference"]["days"][0]["rooms"].values()))[0]
    del event["guid"]
    event["slug"] = "ends-with-"
    problems = json_problems(document)
    assert any(".guid" in p for p in problems) and any(".slug" in p for p in problems)
