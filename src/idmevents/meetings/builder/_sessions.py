"""Sessions of a meeting, and the panelists who speak in each, in order and with their role.

Every change a calendar can see bumps the session's `sequence` and `updated_at` and moves the
meeting's `agenda_changed_at`; on a published meeting, retiming, moving, cancelling, restoring
or adding a session also records an agenda change for participants (see `_changes`).
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime

from idmevents import content
from idmevents.audit import Actor
from idmevents.audit import write as audit
from idmevents.db import by_id, locked, through, write_transaction
from idmevents.errors import InvalidInput, NotFound
from idmevents.i18n import gettext
from idmevents.meetings.builder._changes import (
    _change_view,
    _record_change,
    bump_sequence,
    mark_agenda_changed,
)
from idmevents.meetings.builder._meetings import (
    _editable,
    _meeting_by_id,
    _meeting_for_update,
    check_order,
    check_url,
)
from idmevents.meetings.services import PANELIST_ROLES, SESSION_KINDS
from idmevents.meetings.tables import MeetingSession, Panelist, Room, SessionPanelist
from idmevents.validation import (
    check_aware,
    check_capacity,
    check_language_codes,
    check_text,
    is_row_id,
)

UID_DOMAIN = "idmevents"
SESSION_FIELDS = (
    "title",
    "description",
    "kind",
    "starts_at",
    "ends_at",
    "room_id",
    "capacity",
    "webcast_url",
    "interpretation",
    "translations",
)


@dataclass(frozen=True)
class PanelistAssignment:
    panelist_id: int
    role: str = "speaker"


def new_uid() -> str:
    return f"{uuid.uuid4()}@{UID_DOMAIN}"


async def _session_for_update(session_id: int) -> tuple[dict, dict]:
    row = await by_id(MeetingSession.select(), session_id, _no_session(session_id))
    meeting = await _meeting_by_id(row["meeting"])
    row = await locked(MeetingSession.select().where(MeetingSession.id == session_id)).first()
    return row, meeting


def _no_session(session_id: object) -> NotFound:
    return NotFound(gettext("There is no session %(id)s.") % {"id": session_id})


async def get_session(session_id: int) -> dict:
    query = MeetingSession.select(
        MeetingSession.all_columns(),
        MeetingSession.room.name.as_alias("room_name"),
        *through(MeetingSession.meeting, "timezone", slug="meeting_slug", status="meeting_status"),
    )
    return await by_id(query, session_id, _no_session(session_id))


async def session_panelists(session_id: int) -> list[dict]:
    return (
        await SessionPanelist.select(
            SessionPanelist.id,
            SessionPanelist.role,
            SessionPanelist.position,
            *through(SessionPanelist.panelist, "honorific", "name", id="panelist_id"),
        )
        .where(SessionPanelist.meeting_session == session_id)
        .order_by(SessionPanelist.position)
        .order_by(SessionPanelist.id)
    )


async def _validate_session(
    meeting: dict,
    values: dict,
    panelists: list[PanelistAssignment] | None,
    *,
    translations: object = None,
) -> dict:
    """The values cleaned (text stripped, instants in UTC), or InvalidInput naming each bad field.

    `translations` are the session's current ones: given translations are merged into them.
    """
    values = dict(values)
    errors: dict[str, str] = {}
    check_text(errors, values, "title", 300, required=True, lines="single_line")
    check_text(errors, values, "description", 20_000, required=False, lines="multi_line")
    content.check_translations(
        errors, values, content.SESSION_TEXT, content.original_language(meeting), translations
    )
    if "kind" in values and values["kind"] not in SESSION_KINDS:
        errors["kind"] = gettext("One of: %(choices)s.") % {"choices": ", ".join(SESSION_KINDS)}
    for name in ("starts_at", "ends_at"):
        if name in values and values[name] is None:
            errors[name] = gettext("Required.")
        else:
            check_aware(errors, values, name)
    check_order(errors, values, "starts_at", "ends_at", datetime)
    check_capacity(errors, values)
    check_url(errors, values, "webcast_url")
    check_language_codes(errors, values)
    room_id = values.get("room_id")
    if room_id is not None and (
        not is_row_id(room_id)
        or not await Room.exists().where((Room.id == room_id) & (Room.meeting == meeting["id"]))
    ):
        errors["room_id"] = gettext("Choose one of this meeting's rooms.")
    if panelists is not None:
        problem = await _check_assignments(panelists)
        if problem:
            errors["panelists"] = problem
    if errors:
        raise InvalidInput(gettext("Please correct the marked fields."), fields=errors)
    for name in ("starts_at", "ends_at"):
        if isinstance(values.get(name), datetime):
            values[name] = values[name].astimezone(UTC)
    return values


async def _check_assignments(assignments: list[PanelistAssignment]) -> str | None:
    ids = [a.panelist_id for a in assignments]
    bad_ids = [i for i in ids if not is_row_id(i)]
    if bad_ids:
        return gettext("No such panelist: %(ids)s.") % {"ids": ", ".join(map(str, bad_ids))}
    if len(set(ids)) != len(ids):
        return gettext("Each panelist once per session.")
    bad_role = next((a.role for a in assignments if a.role not in PANELIST_ROLES), None)
    if bad_role is not None:
        return gettext("Role must be one of: %(choices)s.") % {"choices": ", ".join(PANELIST_ROLES)}
    if ids:
        found = await Panelist.select(Panelist.id).where(Panelist.id.is_in(ids))
        missing = sorted(set(ids) - {r["id"] for r in found})
        if missing:
            return gettext("No such panelist: %(ids)s.") % {
                "ids": ", ".join(str(i) for i in missing)
            }
    return None


async def create_session(
    slug: str,
    values: dict,
    *,
    panelists: list[PanelistAssignment] | None = None,
    by: Actor,
    now: datetime,
) -> dict:
    """Add a session; on a published meeting this is an "added" change participants hear about."""
    values = {k: v for k, v in values.items() if k in SESSION_FIELDS}
    values.setdefault("kind", "panel")
    for name in ("title", "starts_at", "ends_at"):
        values.setdefault(name, None)
    async with write_transaction():
        meeting = await _meeting_for_update(slug)
        _editable(meeting)
        values = await _validate_session(meeting, values, panelists)
        row = MeetingSession(
            meeting=meeting["id"],
            uid=new_uid(),
            title=values["title"],
            description=values.get("description", ""),
            kind=values["kind"],
            starts_at=values["starts_at"],
            ends_at=values["ends_at"],
            room=values.get("room_id"),
            capacity=values.get("capacity"),
            webcast_url=values.get("webcast_url") or "",
            # Unless given, the languages the meeting's sessions are interpreted into.
            interpretation=values.get("interpretation", meeting.get("interpretation") or ""),
            translations=json.dumps(values.get("translations") or {}, ensure_ascii=False),
            status="scheduled",
            sequence=0,
            created_at=now,
            updated_at=now,
        )
        inserted = await MeetingSession.insert(row).returning(*MeetingSession.all_columns())
        session = inserted[0]
        if panelists:
            await _replace_panelists(session["id"], panelists)
        if meeting["status"] == "published":
            await _record_change(
                meeting,
                session,
                "added",
                before={},
                after=await _change_view(session, meeting),
                now=now,
            )
        await mark_agenda_changed({meeting["id"]}, now)
        await audit(
            by,
            "session.create",
            "session",
            session["id"],
            meeting_slug=slug,
            summary=f"Added session {session['title']}",
            data=values | {"panelists": [a.__dict__ for a in panelists or []]},
            now=now,
        )
    return session


async def update_session(
    session_id: int,
    values: dict,
    *,
    panelists: list[PanelistAssignment] | None = None,
    by: Actor,
    now: datetime,
) -> dict:
    """Change a session's fields (those present) and, if given, its whole list of panelists."""
    values = {k: v for k, v in values.items() if k in SESSION_FIELDS}
    async with write_transaction():
        row, meeting = await _session_for_update(session_id)
        _editable(meeting)
        current = {
            "title": row["title"],
            "description": row["description"],
            "kind": row["kind"],
            "starts_at": row["starts_at"],
            "ends_at": row["ends_at"],
            "room_id": row["room"],
            "capacity": row["capacity"],
            "webcast_url": row["webcast_url"],
            "interpretation": row["interpretation"],
            "translations": content.load(row["translations"]),
        }
        cleaned = await _validate_session(
            meeting, current | values, panelists, translations=row["translations"]
        )
        values = {k: cleaned[k] for k in values}
        changed = {k: v for k, v in values.items() if current[k] != v}
        roles_changed = False
        if panelists is not None:
            before_roles = [
                (p["panelist_id"], p["role"]) for p in await session_panelists(session_id)
            ]
            roles_changed = before_roles != [(a.panelist_id, a.role) for a in panelists]
        if not changed and not roles_changed:
            return row
        if changed:
            update = {("room" if k == "room_id" else k): v for k, v in changed.items()}
            if "translations" in update:
                update["translations"] = json.dumps(update["translations"], ensure_ascii=False)
            await MeetingSession.update(update).where(MeetingSession.id == session_id)
        if roles_changed:
            await _replace_panelists(session_id, panelists or [])
        await bump_sequence([session_id], now)
        await mark_agenda_changed({meeting["id"]}, now)
        after_row = row | {("room" if k == "room_id" else k): v for k, v in changed.items()}
        if meeting["status"] == "published" and row["status"] != "cancelled":
            before_view = await _change_view(row, meeting)
            after_view = await _change_view(after_row, meeting)
            if "starts_at" in changed or "ends_at" in changed:
                await _record_change(meeting, row, "retimed", before_view, after_view, now=now)
            if "room_id" in changed:
                await _record_change(meeting, row, "moved", before_view, after_view, now=now)
        await audit(
            by,
            "session.update",
            "session",
            session_id,
            meeting_slug=meeting["slug"],
            summary=f"Changed session {after_row['title']}: "
            + ", ".join(sorted(list(changed) + (["panelists"] if roles_changed else []))),
            data={"before": {k: current[k] for k in changed}, "after": changed},
            now=now,
        )
        return await MeetingSession.select().where(MeetingSession.id == session_id).first()


async def set_session_status(session_id: int, status: str, *, by: Actor, now: datetime) -> dict:
    """Cancel ("cancelled") or restore ("scheduled") a session; both are changes calendars see."""
    if status not in ("cancelled", "scheduled"):
        raise InvalidInput(fields={"status": gettext("Either cancelled or scheduled.")})
    async with write_transaction():
        row, meeting = await _session_for_update(session_id)
        _editable(meeting)
        if row["status"] == status:
            return row
        await MeetingSession.update({MeetingSession.status: status}).where(
            MeetingSession.id == session_id
        )
        await bump_sequence([session_id], now)
        await mark_agenda_changed({meeting["id"]}, now)
        kind = "cancelled" if status == "cancelled" else "restored"
        if meeting["status"] == "published":
            view = await _change_view(row, meeting)
            await _record_change(
                meeting,
                row,
                kind,
                before=view | {"status": row["status"]},
                after=view | {"status": status},
                now=now,
            )
        await audit(
            by,
            "session.cancel" if kind == "cancelled" else "session.restore",
            "session",
            session_id,
            meeting_slug=meeting["slug"],
            summary=f"{kind.capitalize()} session {row['title']}",
            now=now,
        )
        return row | {"status": status}


async def delete_session(session_id: int, *, by: Actor, now: datetime) -> str:
    """Erase a session of a draft meeting; on a meeting ever shown to the public, cancel it instead.

    A published (or cancelled) meeting's calendars already hold the event: erasing it would leave
    it in every subscriber's calendar forever, while a cancelled one reaches them as
    STATUS:CANCELLED. Returns "deleted" or "cancelled".
    """
    row = await get_session(session_id)
    if row["meeting_status"] != "draft":
        await set_session_status(session_id, "cancelled", by=by, now=now)
        return "cancelled"
    async with write_transaction():
        row, meeting = await _session_for_update(session_id)
        await MeetingSession.delete().where(MeetingSession.id == session_id)
        await mark_agenda_changed({meeting["id"]}, now)
        await audit(
            by,
            "session.delete",
            "session",
            session_id,
            meeting_slug=meeting["slug"],
            summary=f"Deleted session {row['title']}",
            now=now,
        )
    return "deleted"


async def _replace_panelists(session_id: int, assignments: list[PanelistAssignment]) -> None:
    await SessionPanelist.delete().where(SessionPanelist.meeting_session == session_id)
    for position, assignment in enumerate(assignments, start=1):
        await SessionPanelist.insert(
            SessionPanelist(
                meeting_session=session_id,
                panelist=assignment.panelist_id,
                role=assignment.role,
                position=position,
            )
        )


async def assign_panelist(
    session_id: int,
    panelist_id: int,
    *,
    role: str,
    order: int | None = None,
    by: Actor,
    now: datetime,
) -> None:
    """Put a panelist on a session with a role, at a place in its order (1 = first; None = last)."""
    await get_session(session_id)
    current = await session_panelists(session_id)
    assignments = [PanelistAssignment(p["panelist_id"], p["role"]) for p in current]
    existing = next((i for i, a in enumerate(assignments) if a.panelist_id == panelist_id), None)
    if existing is not None:
        assignments.pop(existing)
    place = len(assignments) if order is None else max(0, min(order - 1, len(assignments)))
    assignments.insert(place, PanelistAssignment(panelist_id, role))
    await update_session(session_id, {}, panelists=assignments, by=by, now=now)


async def unassign_panelist(session_id: int, panelist_id: int, *, by: Actor, now: datetime) -> None:
    await get_session(session_id)
    current = await session_panelists(session_id)
    assignments = [
        PanelistAssignment(p["panelist_id"], p["role"])
        for p in current
        if p["panelist_id"] != panelist_id
    ]
    await update_session(session_id, {}, panelists=assignments, by=by, now=now)
