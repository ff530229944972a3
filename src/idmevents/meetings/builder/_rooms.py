"""Rooms of a meeting: a room's name is the LOCATION of every session held in it."""

from __future__ import annotations

import json
from datetime import datetime

from idmevents import content
from idmevents.audit import Actor
from idmevents.audit import write as audit
from idmevents.db import by_id, write_transaction
from idmevents.errors import Conflict, InvalidInput, NotFound
from idmevents.i18n import gettext
from idmevents.meetings.builder._changes import bump_sequence, mark_agenda_changed
from idmevents.meetings.builder._meetings import _meeting_by_id, _meeting_for_update
from idmevents.meetings.tables import MeetingSession, Room
from idmevents.validation import check_capacity, check_text


async def _check_room(
    meeting: dict, values: dict, *, room_id: int | None = None, current: object = None
) -> None:
    """Check the values in place; `values["translations"]` becomes the room's whole new set."""
    meeting_id = meeting["id"]
    errors: dict[str, str] = {}
    check_text(errors, values, "name", 200, required=True, lines="single_line")
    check_capacity(errors, values)
    content.check_translations(
        errors, values, content.ROOM_TEXT, content.original_language(meeting), current
    )
    if errors:
        raise InvalidInput(gettext("Please correct the marked fields."), fields=errors)
    if "name" in values:
        others = await Room.select(Room.id, Room.name).where(Room.meeting == meeting_id)
        if any(
            r["name"].casefold() == values["name"].casefold() and r["id"] != room_id for r in others
        ):
            raise Conflict(
                gettext("This meeting already has a room called “%(name)s”.")
                % {"name": values["name"]},
                fields={"name": gettext("Already used in this meeting.")},
            )


async def create_room(
    slug: str,
    *,
    name: str,
    capacity: int | None = None,
    translations: dict | None = None,
    by: Actor,
    now: datetime,
) -> dict:
    values: dict = {"name": name, "capacity": capacity}
    if translations:
        values["translations"] = translations
    async with write_transaction():
        meeting = await _meeting_for_update(slug)
        await _check_room(meeting, values)
        stored = dict(values)
        if "translations" in stored:
            stored["translations"] = json.dumps(stored["translations"], ensure_ascii=False)
        rows = await Room.insert(Room(meeting=meeting["id"], **stored)).returning(
            *Room.all_columns()
        )
        await audit(
            by,
            "room.create",
            "room",
            rows[0]["id"],
            meeting_slug=slug,
            summary=f"Added room {values['name']}",
            data=values,
            now=now,
        )
    return rows[0]


async def get_room(room_id: int) -> dict:
    missing = NotFound(gettext("There is no room %(id)s.") % {"id": room_id})
    return await by_id(Room.select(), room_id, missing)


async def update_room(room_id: int, values: dict, *, by: Actor, now: datetime) -> dict:
    """Rename a room or change its capacity; a new name is a new LOCATION for its sessions."""
    values = {k: v for k, v in values.items() if k in ("name", "capacity", "translations")}
    async with write_transaction():
        room = await get_room(room_id)
        meeting = await _meeting_by_id(room["meeting"])
        await _check_room(meeting, values, room_id=room_id, current=room["translations"])
        changed = content.changes(room, values)
        if not changed:
            return room
        stored = dict(changed)
        if "translations" in stored:
            stored["translations"] = json.dumps(stored["translations"], ensure_ascii=False)
        await Room.update(stored).where(Room.id == room_id)
        if "name" in changed or "translations" in changed:
            in_room = await MeetingSession.select(MeetingSession.id).where(
                MeetingSession.room == room_id
            )
            await bump_sequence([s["id"] for s in in_room], now)
            await mark_agenda_changed({meeting["id"]}, now)
        await audit(
            by,
            "room.update",
            "room",
            room_id,
            meeting_slug=meeting["slug"],
            summary=f"Changed room {room['name']}",
            data={"before": {k: room[k] for k in changed}, "after": changed},
            now=now,
        )
    return room | changed


async def delete_room(room_id: int, *, by: Actor, now: datetime) -> None:
    """Remove a room that no scheduled session uses (move those sessions first)."""
    async with write_transaction():
        room = await get_room(room_id)
        meeting = await _meeting_by_id(room["meeting"])
        used = await MeetingSession.select(MeetingSession.id, MeetingSession.status).where(
            MeetingSession.room == room_id
        )
        if any(s["status"] != "cancelled" for s in used):
            raise Conflict(
                gettext("Sessions are scheduled in “%(name)s”: move them to another room first.")
                % {"name": room["name"]}
            )
        await bump_sequence([s["id"] for s in used], now)
        await Room.delete().where(Room.id == room_id)
        if used:
            await mark_agenda_changed({meeting["id"]}, now)
        await audit(
            by,
            "room.delete",
            "room",
            room_id,
            meeting_slug=meeting["slug"],
            summary=f"Removed room {room['name']}",
            now=now,
        )
