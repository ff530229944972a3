"""The rules of voc/schedule's validators that our frab documents must keep, checked in Python.

No XSD or JSON-schema validator is installed here, so the rules we rely on are written out below,
as voc/schedule's `validator/xsd/schedule.xml.xsd` and `validator/json/schema.json` state them:
which elements and fields are required (and for XML, allowed), their value patterns, and what
must be unique. `xml_problems` and `json_problems` return what breaks them (empty: valid).
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections import Counter
from datetime import date, datetime

# XSD patterns match the whole value.
SLUG_XSD = re.compile(r"[a-z0-9_]{4,}-[a-z0-9\-_]{4,}")
SLUG_JSON = re.compile(r"^[a-z0-9_-]+[a-z0-9]$")
ACRONYM_JSON = re.compile(r"^[a-z0-9_-][a-z0-9_]{3,}(-2[0-9]{3}-[a-z]+)?$")
UUID = re.compile(r"[0-9a-fA-F]{8}(-[0-9a-fA-F]{4}){3}-[0-9a-fA-F]{12}")
DATETIME_TZ = re.compile(r".+(Z|\+[0-9]{1,2}:[0-9]{2}|-[0-9]{1,2}:[0-9]{2})")
DURATION_XSD = re.compile(r"([0-9]{1,2}:[0-9]{2})|([0-9]{1,2}:[0-9]{2}:[0-9]{1,2})")
DURATION_JSON = re.compile(r"^[0-9]+:[0-9]{2}$")
START = re.compile(r"([0-2][0-9]:[0-5][0-9])|([0-2][0-9]:[0-5][0-9]:[0-5][0-9])")
HTTP_URI = re.compile(r"https?://.*")

CONFERENCE_REQUIRED = {"title", "acronym"}
CONFERENCE_ALLOWED = CONFERENCE_REQUIRED | {
    "start",
    "end",
    "days",
    "timeslot_duration",
    "base_url",
    "time_zone_name",
}
EVENT_REQUIRED = {
    "room",
    "title",
    "subtitle",
    "type",
    "date",
    "start",
    "duration",
    "abstract",
    "slug",
    "track",
}
EVENT_ALLOWED = EVENT_REQUIRED | {
    "logo",
    "persons",
    "language",
    "description",
    "recording",
    "links",
    "attachments",
    "video_download_url",
    "url",
}


def _full(pattern: re.Pattern, value: str | None) -> bool:
    return value is not None and pattern.fullmatch(value) is not None


def _is_date(value: str | None) -> bool:
    try:
        date.fromisoformat(value or "")
    except ValueError:
        return False
    return True


def _is_datetime_tz(value: str | None) -> bool:
    try:
        datetime.fromisoformat(value or "")
    except ValueError:
        return False
    return _full(DATETIME_TZ, value)


def _positive(value: str | None) -> bool:
    return value is not None and value.isdigit() and int(value) > 0


def xml_problems(data: bytes) -> list[str]:
    root = ET.fromstring(data)
    problems: list[str] = []
    if root.tag != "schedule":
        return [f"root is <{root.tag}>"]
    # sequence: generator?, version, conference, day+
    tags = [child.tag for child in root]
    expected = (["generator"] if tags[:1] == ["generator"] else []) + ["version", "conference"]
    if tags[: len(expected)] != expected or set(tags[len(expected) :]) != {"day"}:
        problems.append(f"schedule's children are {tags}")
    conference = root.find("conference")
    if conference is not None:
        names = Counter(child.tag for child in conference)
        if missing := CONFERENCE_REQUIRED - set(names):
            problems.append(f"conference lacks {sorted(missing)}")
        if extra := set(names) - CONFERENCE_ALLOWED:
            problems.append(f"conference has {sorted(extra)}")
        if any(count > 1 for count in names.values()):
            problems.append("conference repeats an element")
        for tag in ("start", "end"):
            if conference.find(tag) is not None and not _is_date(conference.findtext(tag)):
                problems.append(f"conference/{tag} is not a date")
        if not _full(DURATION_XSD, conference.findtext("timeslot_duration", "00:00")):
            problems.append("timeslot_duration")
        if conference.find("base_url") is not None and not _full(
            HTTP_URI, conference.findtext("base_url")
        ):
            problems.append("base_url")
    for day in root.findall("day"):
        if any(child.tag != "room" for child in day):
            problems.append("day holds something other than rooms")
        if not _is_date(day.get("date")) or not _positive(day.get("index")):
            problems.append(f"day {day.attrib}")
        for name in ("start", "end"):
            if day.get(name) is not None and not _is_datetime_tz(day.get(name)):
                problems.append(f"day {name} {day.get(name)!r}")
        for room in day:
            if any(child.tag != "event" for child in room):
                problems.append("room holds something other than events")
            for event in room:
                problems += _event_problems(event)
    events = list(root.iterfind("day/room/event"))
    for what, values in (
        ("guid", [e.get("guid") for e in events]),
        ("id", [e.get("id") for e in events]),
        ("slug", [e.findtext("slug") for e in events]),
        ("day index", [d.get("index") for d in root.findall("day")]),
    ):
        repeated = [value for value, count in Counter(values).items() if count > 1]
        if repeated:
            problems.append(f"{what} not unique: {repeated}")
    return problems


def _event_problems(event: ET.Element) -> list[str]:
    problems = []
    names = Counter(child.tag for child in event)
    where = f"event {event.get('id')}"
    if missing := EVENT_REQUIRED - set(names):
        problems.append(f"{where} lacks {sorted(missing)}")
    if extra := set(names) - EVENT_ALLOWED:
        problems.append(f"{where} has {sorted(extra)}")
    if any(count > 1 for count in names.values()):
        problems.append(f"{where} repeats an element")
    if not _positive(event.get("id")):
        problems.append(f"{where}: id")
    if not _full(UUID, event.get("guid")):
        problems.append(f"{where}: guid {event.get('guid')!r}")
    if not _is_datetime_tz(event.findtext("date")):
        problems.append(f"{where}: date {event.findtext('date')!r}")
    if not _full(START, event.findtext("start")):
        problems.append(f"{where}: start {event.findtext('start')!r}")
    if not _full(DURATION_XSD, event.findtext("duration")):
        problems.append(f"{where}: duration {event.findtext('duration')!r}")
    if not _full(SLUG_XSD, event.findtext("slug")):
        problems.append(f"{where}: slug {event.findtext('slug')!r}")
    if event.find("url") is not None and not _full(HTTP_URI, event.findtext("url")):
        problems.append(f"{where}: url")
    for person in event.iterfind("persons/person"):
        if person.get("id") is not None and not _positive(person.get("id")):
            problems.append(f"{where}: person id")
    for parent, child in (("persons", "person"), ("links", "link")):
        holder = event.find(parent)
        if holder is not None and any(c.tag != child for c in holder):
            problems.append(f"{where}: {parent}")
    return problems


def _types(value: object, expected: tuple[type, ...]) -> bool:
    return isinstance(value, expected) and not (isinstance(value, bool) and bool not in expected)


JSON_EVENT_REQUIRED = {
    "abstract": str,
    "date": str,
    "duration": str,
    "guid": str,
    "id": int,
    "language": str,
    "links": list,
    "persons": list,
    "room": str,
    "slug": str,
    "start": str,
    "subtitle": str,
    "title": str,
    "track": str,
    "type": str,
    "url": str,
}
JSON_EVENT_ALLOWED = set(JSON_EVENT_REQUIRED) | {
    "logo",
    "description",
    "recording_license",
    "do_not_record",
    "do_not_stream",
    "attachments",
    "answers",
}
CONFERENCE_JSON_REQUIRED = {
    "title": str,
    "acronym": str,
    "days": list,
    "daysCount": int,
    "start": str,
    "end": str,
    "timeslot_duration": str,
}
CONFERENCE_JSON_ALLOWED = set(CONFERENCE_JSON_REQUIRED) | {
    "description",
    "time_zone_name",
    "logo",
    "colors",
    "keywords",
    "url",
    "tracks",
    "rooms",
    "meta",
}


def json_problems(document: dict) -> list[str]:
    problems: list[str] = []
    if set(document) - {"schedule", "$schema", "generator"} or "schedule" not in document:
        return [f"top level has {sorted(document)}"]
    schedule = document["schedule"]
    if not _types(schedule.get("version"), (str,)) or "rooms" in schedule:
        problems.append("schedule: version, no rooms")
    conference = schedule.get("conference") or {}
    for name, kind in CONFERENCE_JSON_REQUIRED.items():
        if not _types(conference.get(name), (kind,)):
            problems.append(f"conference.{name}")
    if extra := set(conference) - CONFERENCE_JSON_ALLOWED:
        problems.append(f"conference has {sorted(extra)}")
    if not ACRONYM_JSON.match(conference.get("acronym", "")):
        problems.append(f"acronym {conference.get('acronym')!r}")
    for room in conference.get("rooms", []):
        if set(room) - {"name", "guid", "description", "capacity"} or not (
            _types(room.get("name"), (str,)) and _full(UUID, room.get("guid"))
        ):
            problems.append(f"room {room}")
    for day in conference.get("days", []):
        if set(day) != {"index", "date", "day_start", "day_end", "rooms"}:
            problems.append(f"day has {sorted(day)}")
            continue
        if not (_types(day["index"], (int,)) and _is_date(day["date"])):
            problems.append(f"day {day['index']!r} {day['date']!r}")
        if not (_is_datetime_tz(day["day_start"]) and _is_datetime_tz(day["day_end"])):
            problems.append(f"day {day['date']}: start or end")
        if not isinstance(day["rooms"], dict):
            problems.append("day rooms is not an object")
            continue
        for events in day["rooms"].values():
            for event in events:
                problems += _json_event_problems(event)
    return problems


def _json_event_problems(event: dict) -> list[str]:
    problems = []
    where = f"event {event.get('id')}"
    for name, kind in JSON_EVENT_REQUIRED.items():
        if not _types(event.get(name), (kind,)):
            problems.append(f"{where}.{name}")
    if extra := set(event) - JSON_EVENT_ALLOWED:
        problems.append(f"{where} has {sorted(extra)}")
    if not (isinstance(event.get("id"), int) and event["id"] >= 1):
        problems.append(f"{where}.id")
    if not _full(UUID, event.get("guid")):
        problems.append(f"{where}.guid")
    if not _is_datetime_tz(event.get("date")):
        problems.append(f"{where}.date")
    if not DURATION_JSON.match(event.get("duration", "")):
        problems.append(f"{where}.duration")
    if not SLUG_JSON.match(event.get("slug", "")):
        problems.append(f"{where}.slug {event.get('slug')!r}")
    for person in event.get("persons", []):
        # oneOf frab (public_name and id) or pretalx (name): exactly one of them.
        frab = "public_name" in person and isinstance(person.get("id"), int)
        pretalx = isinstance(person.get("name"), str)
        if frab == pretalx:
            problems.append(f"{where}: person {person}")
    return problems
