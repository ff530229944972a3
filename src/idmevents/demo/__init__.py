"""The IDM 2017 demo: two workshops, their agendas, panelists and (illustrative) delegations,
loaded from idm2017.toml."""

from __future__ import annotations

import json
import tomllib
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from idmevents import content
from idmevents.audit import SYSTEM
from idmevents.db import write_transaction
from idmevents.delegations import services as delegations
from idmevents.delegations.tables import Delegation
from idmevents.meetings.tables import Meeting, MeetingSession, Panelist, Room, SessionPanelist

DATA_FILE = Path(__file__).with_name("idm2017.toml")
UID_DOMAIN = "idmevents"


def load_data(path: Path = DATA_FILE) -> dict:
    with path.open("rb") as handle:
        return tomllib.load(handle)


def coming_first_day(announced: date, today: date) -> date:
    """The first day moved to the next year in which it is still ahead: same ISO week and weekday."""
    _, week, weekday = announced.isocalendar()
    year = today.year
    while True:
        candidate = date.fromisocalendar(year, week, weekday)
        if candidate > today:
            return candidate
        year += 1


def session_uid(meeting_slug: str, key: str) -> str:
    return f"{meeting_slug}-{key}@{UID_DOMAIN}"


def _at(first_day: date, day: int, clock: str, zone: ZoneInfo) -> datetime:
    local = datetime.combine(first_day + timedelta(days=day - 1), time.fromisoformat(clock), zone)
    return local.astimezone(UTC)


def _translations(spec: dict, fields: tuple[str, ...], extra: dict | None = None) -> str:
    """The data file's `<field>_fr` / `<field>_es` keys as a `translations` JSON value."""
    found: dict[str, dict[str, str]] = {}
    for lang in ("fr", "es"):
        texts = {name: (extra or spec).get(f"{name}_{lang}", "") for name in fields}
        texts = {name: text for name, text in texts.items() if text}
        if texts:
            found[lang] = texts
    return json.dumps(found, ensure_ascii=False, sort_keys=True)


def _differs(row: dict, name: str, value: object) -> bool:
    if name == "translations":
        return content.load(row.get(name)) != content.load(value)
    return row.get(name) != value


async def _upsert(table, match, values: dict) -> tuple[int, str]:
    """Insert or update one row; returns (id, "created" | "updated" | "unchanged")."""
    row = await table.select().where(match).first()
    if row is None:
        result = await table.insert(table(**values)).returning(table.id)
        return result[0]["id"], "created"
    changed = {k: v for k, v in values.items() if _differs(row, k, v)}
    if changed:
        await table.update(changed).where(table.id == row["id"])
    return row["id"], "updated" if changed else "unchanged"


def _meeting_texts(data: dict, spec: dict) -> dict:
    """A meeting's translated keys, with the theme the two workshops share."""
    return spec | {f"theme_{lang}": data.get(f"theme_{lang}", "") for lang in ("fr", "es")}


async def load_demo(
    *, as_announced: bool = False, now: datetime | None = None, delegations: bool = True
) -> dict[str, int]:
    """Load (or bring back to the data file) the two workshops. Running it twice changes nothing.

    `delegations=False` leaves out the illustrative delegations, whose quotas hold seats: tests
    that count seats on the demo meetings start from the workshops alone."""
    now = now or datetime.now(UTC)
    data = load_data()
    counts = {"meetings": 0, "sessions": 0, "panelists": 0}
    async with write_transaction():
        panelist_ids: dict[str, int] = {}
        for person in data["panelists"]:
            values = {
                k: person.get(k, "")
                for k in ("slug", "honorific", "name", "position", "organization", "bio")
            }
            values["translations"] = _translations(person, ("position", "bio"))
            panelist_ids[person["slug"]], _ = await _upsert(
                Panelist, Panelist.slug == person["slug"], values
            )
            counts["panelists"] += 1

        for spec in data["meetings"]:
            zone = ZoneInfo(spec["timezone"])
            announced = spec["announced_first_day"]
            first_day = announced if as_announced else coming_first_day(announced, now.date())
            last_day = first_day + timedelta(days=spec["days"] - 1)
            opens = datetime.combine(first_day - timedelta(days=365), time(9), zone).astimezone(UTC)
            closes = datetime.combine(first_day, time(0), zone).astimezone(UTC)
            meeting_id, _ = await _upsert(
                Meeting,
                Meeting.slug == spec["slug"],
                {
                    "slug": spec["slug"],
                    "title": spec["title"],
                    "theme": data["theme"],
                    "description": spec.get("description", ""),
                    "city": spec["city"],
                    "venue_name": spec["venue_name"],
                    "venue_address": spec["venue_address"],
                    "timezone": spec["timezone"],
                    "starts_on": first_day,
                    "ends_on": last_day,
                    "registration_opens_at": opens,
                    "registration_closes_at": closes,
                    "capacity": spec.get("capacity"),
                    "approval_categories": data["approval_categories"],
                    "status": "published",
                    "original_language": "en",
                    "translations": _translations(
                        spec, tuple(content.MEETING_TEXT), extra=_meeting_texts(data, spec)
                    ),
                },
            )
            counts["meetings"] += 1
            room_ids: dict[str, int] = {}
            for room in spec.get("rooms", []):
                room_ids[room["key"]], _ = await _upsert(
                    Room,
                    (Room.meeting == meeting_id) & (Room.name == room["name"]),
                    {
                        "meeting": meeting_id,
                        "name": room["name"],
                        "capacity": room.get("capacity"),
                        "translations": _translations(room, ("name",)),
                    },
                )
            any_changed = False
            for item in spec.get("sessions", []):
                uid = session_uid(spec["slug"], item["key"])
                values = {
                    "meeting": meeting_id,
                    "uid": uid,
                    "title": item["title"],
                    "description": item.get("description", ""),
                    "kind": item["kind"],
                    "starts_at": _at(first_day, item["day"], item["start"], zone),
                    "ends_at": _at(first_day, item["day"], item["end"], zone),
                    "room": room_ids.get(item.get("room", "")),
                    "capacity": item.get("capacity"),
                    "status": "scheduled",
                    "illustrative": item.get("illustrative", False),
                    "translations": _translations(item, ("title", "description")),
                }
                session_id, outcome = await _upsert(
                    MeetingSession, MeetingSession.uid == uid, values
                )
                roles_changed = await _sync_roles(
                    session_id, item.get("panelists", []), panelist_ids
                )
                if outcome != "unchanged" or roles_changed:
                    any_changed = True
                if outcome == "updated" or (outcome == "unchanged" and roles_changed):
                    # Calendars only pick up a change to an event they know with a higher SEQUENCE.
                    await MeetingSession.update(
                        {
                            MeetingSession.sequence: MeetingSession.sequence + 1,
                            MeetingSession.updated_at: now,
                        }
                    ).where(MeetingSession.id == session_id)
                counts["sessions"] += 1
            if any_changed:
                await Meeting.update(
                    {Meeting.agenda_changed_at: now, Meeting.updated_at: now}
                ).where(Meeting.id == meeting_id)
        if delegations:
            counts["delegations"] = await _load_delegations(data.get("delegations", []), now=now)
    return counts


async def _load_delegations(specs: list[dict], *, now: datetime) -> int:
    """The illustrative delegations, each added once: one already there (with its delegates and
    link) is left as it is."""
    for spec in specs:
        meeting = await Meeting.select().where(Meeting.slug == spec["meeting"]).first()
        exists = await Delegation.exists().where(
            (Delegation.meeting == meeting["id"]) & (Delegation.country == spec["country"])
        )
        if exists:
            continue
        form = delegations.check_delegation(
            {key: spec[key] for key in delegations.FORM_FIELDS if key in spec}
        )
        await delegations.insert_delegation(meeting, form, by=SYSTEM, now=now)
    return len(specs)


async def _sync_roles(session_id: int, wanted: list[dict], panelist_ids: dict[str, int]) -> bool:
    current = await SessionPanelist.select().where(SessionPanelist.meeting_session == session_id)
    have = {(r["panelist"], r["role"], r["position"]) for r in current}
    want = {(panelist_ids[p["slug"]], p["role"], order) for order, p in enumerate(wanted)}
    if have == want:
        return False
    await SessionPanelist.delete().where(SessionPanelist.meeting_session == session_id)
    if want:
        await SessionPanelist.insert(
            *[
                SessionPanelist(meeting_session=session_id, panelist=pid, role=role, position=order)
                for pid, role, order in sorted(want, key=lambda w: w[2])
            ]
        )
    return True
