"""The agenda builder: creating and changing meetings, rooms, sessions and who speaks in them.

Every verb runs in one write transaction that also writes the audit entry. Whatever a calendar can
see moves `Meeting.agenda_changed_at` (the feeds cache on it) and bumps the session's `sequence`
and `updated_at`. On a published meeting, moving, retiming, cancelling, restoring or adding a
session also records an `AgendaChange`, which participants are told about when an organizer
presses "Notify participants" (see `notices.py`). Cancelling a published meeting tells everyone
still registered at once, in the same transaction (see `cancel_meeting`).

Local times: organizers type times in the meeting's own zone. A time that does not exist there
(the hour skipped when clocks go forward) is refused with a message; a time that exists twice
(the hour repeated when clocks go back) is read as its FIRST occurrence, the one still on summer
time (`fold=0`), which is what people mean by "01:30" on that night more often than not.
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from idmevents.audit import Actor
from idmevents.audit import write as audit
from idmevents.db import locked, write_transaction
from idmevents.errors import Conflict, InvalidInput, NotFound
from idmevents.i18n import gettext, local_date, local_time
from idmevents.meetings import clashes as clash_finder
from idmevents.meetings.services import MEETING_STATUSES, PANELIST_ROLES, SESSION_KINDS
from idmevents.meetings.tables import (
    AgendaChange,
    Meeting,
    MeetingSession,
    Panelist,
    PanelistUnavailability,
    Room,
    SessionPanelist,
)
from idmevents.registrations import emails as registration_emails

UID_DOMAIN = "idmevents"
SLUG_PATTERN = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
SLUG_MAX = 100
# Which status may follow which. A published meeting never goes back to draft: calendars and
# participants already know it; it is cancelled (and may be reinstated) instead.
STATUS_TRANSITIONS = {
    "draft": {"published", "cancelled"},
    "published": {"cancelled"},
    "cancelled": {"published"},
}
MEETING_FIELDS = (
    "slug",
    "title",
    "theme",
    "description",
    "city",
    "venue_name",
    "venue_address",
    "timezone",
    "starts_on",
    "ends_on",
    "capacity",
    "status",
    "registration_opens_at",
    "registration_closes_at",
)
SESSION_FIELDS = ("title", "description", "kind", "starts_at", "ends_at", "room_id", "capacity")
# Edits to these meeting fields change what every event of the meeting shows in a calendar.
MEETING_FIELDS_IN_EVENTS = ("title", "city", "venue_name", "venue_address", "status")
# The organizers' message in the email that tells participants a meeting is cancelled.
CANCEL_MESSAGE_MAX = 2000


@dataclass(frozen=True)
class PanelistAssignment:
    panelist_id: int
    role: str = "speaker"


# ---------------------------------------------------------------------------------------------
# Local time


class NonexistentLocalTime(ValueError):
    pass


def is_timezone(name: str) -> bool:
    if not name or name != name.strip():
        return False
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return False
    return True


def common_timezones() -> list[str]:
    """IANA zone names people pick from (no legacy aliases such as "US/Eastern")."""
    return [
        *sorted(
            z
            for z in available_timezones()
            if "/" in z and not z.startswith(("Etc/", "SystemV/", "US/", "posix/", "right/"))
        ),
        "UTC",
    ]


def local_instant(day: date, clock: time, timezone: str) -> datetime:
    """The UTC instant of a wall-clock time in a zone; refuses times skipped by a DST change."""
    zone = ZoneInfo(timezone)
    candidate = datetime.combine(day, clock.replace(tzinfo=None, fold=0), zone)
    # A skipped time does not survive the round trip through UTC: 02:30 comes back as 03:30.
    back = candidate.astimezone(UTC).astimezone(zone)
    if back.replace(tzinfo=None) != candidate.replace(tzinfo=None):
        raise NonexistentLocalTime(
            gettext("%(time)s does not exist on %(day)s in %(zone)s: the clocks go forward then.")
            % {"time": clock.strftime("%H:%M"), "day": day.isoformat(), "zone": timezone}
        )
    return candidate.astimezone(UTC)


def wall_clock(moment: datetime, timezone: str) -> datetime:
    """The naive local date and time of an instant in a zone."""
    return moment.astimezone(ZoneInfo(timezone)).replace(tzinfo=None)


def _reanchor(moment: datetime, old_zone: str, new_zone: str, day_shift: int = 0) -> datetime:
    """The same wall-clock time (moved by whole days) in another zone, as an instant.

    A wall-clock time that the new zone skips is taken as zoneinfo reads it (the offset before
    the change), which lands it just after the gap, as calendar programs do.
    """
    local = wall_clock(moment, old_zone) + timedelta(days=day_shift)
    return local.replace(tzinfo=ZoneInfo(new_zone)).astimezone(UTC)


# ---------------------------------------------------------------------------------------------
# Helpers shared by the verbs

# Row ids are 32-bit integers in the database: a larger number in a URL or a form is simply an id
# that does not exist, and must not reach PostgreSQL (which would refuse the query outright).
MAX_ID = 2**31 - 1


def is_row_id(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and 0 < value <= MAX_ID


async def _meeting_for_update(slug: str) -> dict:
    meeting = await locked(Meeting.select().where(Meeting.slug == slug)).first()
    if meeting is None:
        raise NotFound(gettext("There is no meeting called “%(slug)s”.") % {"slug": slug})
    return meeting


async def _meeting_by_id(meeting_id: int) -> dict:
    meeting = await locked(Meeting.select().where(Meeting.id == meeting_id)).first()
    if meeting is None:
        raise NotFound(gettext("That meeting no longer exists."))
    return meeting


async def _session_for_update(session_id: int) -> tuple[dict, dict]:
    if not is_row_id(session_id):
        raise NotFound(gettext("There is no session %(id)s.") % {"id": session_id})
    row = await MeetingSession.select().where(MeetingSession.id == session_id).first()
    if row is None:
        raise NotFound(gettext("There is no session %(id)s.") % {"id": session_id})
    meeting = await _meeting_by_id(row["meeting"])
    row = await locked(MeetingSession.select().where(MeetingSession.id == session_id)).first()
    return row, meeting


async def mark_agenda_changed(meeting_ids: set[int] | list[int], now: datetime) -> None:
    if meeting_ids:
        await Meeting.update({Meeting.agenda_changed_at: now}).where(
            Meeting.id.is_in(list(meeting_ids))
        )


async def bump_sequence(session_ids: list[int], now: datetime) -> None:
    """The sessions' calendar view changed: calendars take the new version only if SEQUENCE grows."""
    if session_ids:
        await MeetingSession.update(
            {MeetingSession.sequence: MeetingSession.sequence + 1, MeetingSession.updated_at: now}
        ).where(MeetingSession.id.is_in(session_ids))


def check_text(errors: dict, values: dict, name: str, limit: int, *, required: bool) -> None:
    if name not in values:
        return
    value = values[name]
    if value is None:
        value = ""
    if not isinstance(value, str):
        errors[name] = gettext("Must be text.")
        return
    value = value.strip()
    values[name] = value
    if required and not value:
        errors[name] = gettext("Required.")
    elif len(value) > limit:
        errors[name] = gettext("At most %(n)s characters.") % {"n": limit}


def check_capacity(errors: dict, values: dict, name: str = "capacity") -> None:
    if name in values and values[name] is not None:
        value = values[name]
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            errors[name] = gettext("A whole number of seats, 0 or more (or empty for no limit).")
        elif value > 1_000_000:
            errors[name] = gettext("At most 1,000,000.")


def check_aware(errors: dict, values: dict, name: str) -> None:
    value = values.get(name)
    if value is not None and (
        not isinstance(value, datetime) or value.tzinfo is None or value.utcoffset() is None
    ):
        errors[name] = gettext("A date and time with its UTC offset, e.g. 2027-04-20T10:00-04:00.")


# ---------------------------------------------------------------------------------------------
# Meetings


async def list_meetings() -> list[dict]:
    """Every meeting, drafts included, latest first, with how many sessions each has."""
    meetings = await Meeting.select().order_by(Meeting.starts_on, ascending=False)
    counts = await MeetingSession.select(
        MeetingSession.meeting, MeetingSession.status, MeetingSession.id
    )
    per_meeting: dict[int, int] = {}
    for row in counts:
        if row["status"] != "cancelled":
            per_meeting[row["meeting"]] = per_meeting.get(row["meeting"], 0) + 1
    return [m | {"session_count": per_meeting.get(m["id"], 0)} for m in meetings]


async def get_meeting_any(slug: str) -> dict:
    meeting = await Meeting.select().where(Meeting.slug == slug).first()
    if meeting is None:
        raise NotFound(gettext("There is no meeting called “%(slug)s”.") % {"slug": slug})
    return meeting


def _validate_meeting(values: dict, merged: dict) -> dict[str, str]:
    """Field errors for meeting values; `merged` is the meeting as it would be after the change."""
    errors: dict[str, str] = {}
    check_text(errors, values, "title", 300, required=True)
    check_text(errors, values, "slug", SLUG_MAX, required=True)
    for name, limit in (("city", 100), ("venue_name", 200)):
        check_text(errors, values, name, limit, required=False)
    for name in ("theme", "description", "venue_address"):
        check_text(errors, values, name, 20_000, required=False)
    merged.update({k: v for k, v in values.items() if k not in errors})
    if "slug" in values and "slug" not in errors and not SLUG_PATTERN.match(values["slug"]):
        errors["slug"] = gettext(
            "Lower-case letters, digits and single hyphens, e.g. idm-geneva-2027."
        )
    if "timezone" in values and not (
        isinstance(values["timezone"], str) and is_timezone(values["timezone"])
    ):
        errors["timezone"] = gettext("An IANA time zone such as Europe/Zurich.")
    for name in ("starts_on", "ends_on"):
        if name in values and not (
            isinstance(values[name], date) and not isinstance(values[name], datetime)
        ):
            errors[name] = gettext("A date such as 2027-04-20.")
    if (
        "starts_on" not in errors
        and "ends_on" not in errors
        and isinstance(merged.get("starts_on"), date)
        and isinstance(merged.get("ends_on"), date)
        and merged["starts_on"] > merged["ends_on"]
    ):
        errors["ends_on"] = gettext("The last day cannot come before the first.")
    check_capacity(errors, values)
    for name in ("registration_opens_at", "registration_closes_at"):
        check_aware(errors, values, name)
    opens, closes = merged.get("registration_opens_at"), merged.get("registration_closes_at")
    if (
        "registration_opens_at" not in errors
        and "registration_closes_at" not in errors
        and isinstance(opens, datetime)
        and isinstance(closes, datetime)
        and opens.tzinfo is not None
        and closes.tzinfo is not None
        and closes <= opens
    ):
        errors["registration_closes_at"] = gettext("Registration must close after it opens.")
    if "status" in values and values["status"] not in MEETING_STATUSES:
        errors["status"] = gettext("One of: %(choices)s.") % {
            "choices": ", ".join(MEETING_STATUSES)
        }
    return errors


def _normalise_instants(values: dict) -> None:
    for name in ("registration_opens_at", "registration_closes_at"):
        if isinstance(values.get(name), datetime):
            values[name] = values[name].astimezone(UTC)


async def create_meeting(values: dict, *, by: Actor, now: datetime) -> dict:
    """A new meeting (a draft unless `status` says published). Raises InvalidInput or Conflict."""
    values = {k: v for k, v in values.items() if k in MEETING_FIELDS}
    values.setdefault("status", "draft")
    missing = {
        name: gettext("Required.")
        for name in ("slug", "title", "timezone", "starts_on", "ends_on")
        if values.get(name) in (None, "")
    }
    merged: dict = {}
    errors = _validate_meeting(values, merged) | missing
    if "status" not in errors and values["status"] == "cancelled":
        errors["status"] = gettext("A new meeting is a draft or published.")
    if errors:
        raise InvalidInput(gettext("Please correct the marked fields."), fields=errors)
    _normalise_instants(values)
    async with write_transaction():
        if await Meeting.exists().where(Meeting.slug == values["slug"]):
            raise Conflict(
                gettext("The address “%(slug)s” is taken by another meeting.")
                % {"slug": values["slug"]},
                fields={"slug": gettext("Taken by another meeting.")},
            )
        rows = await Meeting.insert(
            Meeting(**values, created_at=now, updated_at=now, agenda_changed_at=now)
        ).returning(*Meeting.all_columns())
        meeting = rows[0]
        await audit(
            by,
            "meeting.create",
            "meeting",
            meeting["id"],
            meeting_slug=meeting["slug"],
            summary=f"Created meeting {meeting['title']}",
            data=values,
            now=now,
        )
    return meeting


async def update_meeting(
    slug: str, values: dict, *, by: Actor, now: datetime, confirm_clashes: bool = False
) -> dict:
    """Change some of a meeting's fields (those present in `values`).

    A new time zone keeps every session at its local wall-clock time (an organizer correcting
    the zone means "10:00 there"). Publishing a meeting with clashes raises Conflict listing them
    unless `confirm_clashes`. A published meeting that becomes cancelled emails its participants,
    as `cancel_meeting` does.
    """
    meeting, _, _ = await _update_meeting(
        slug, values, by=by, now=now, confirm_clashes=confirm_clashes
    )
    return meeting


async def _update_meeting(
    slug: str,
    values: dict,
    *,
    by: Actor,
    now: datetime,
    confirm_clashes: bool = False,
    message: str = "",
) -> tuple[dict, dict, int]:
    """`update_meeting`, returning (the meeting now, what changed, participants emailed)."""
    values = {k: v for k, v in values.items() if k in MEETING_FIELDS}
    async with write_transaction():
        meeting = await _meeting_for_update(slug)
        merged = dict(meeting)
        errors = _validate_meeting(values, merged)
        for name in ("slug", "title", "timezone", "starts_on", "ends_on", "status"):
            if name in values and values[name] is None:
                errors[name] = gettext("Required.")
        if errors:
            raise InvalidInput(gettext("Please correct the marked fields."), fields=errors)
        _normalise_instants(values)
        changed = {k: v for k, v in values.items() if meeting.get(k) != v}
        if not changed:
            return meeting, {}, 0
        if "slug" in changed:
            if meeting["status"] != "draft":
                raise Conflict(
                    gettext(
                        "The address of a meeting that has been published cannot change: "
                        "calendars and links already point to it."
                    ),
                    fields={"slug": gettext("Fixed once published.")},
                )
            if await Meeting.exists().where(Meeting.slug == changed["slug"]):
                raise Conflict(
                    gettext("The address “%(slug)s” is taken by another meeting.")
                    % {"slug": changed["slug"]},
                    fields={"slug": gettext("Taken by another meeting.")},
                )
        if "status" in changed:
            await _check_transition(meeting, changed["status"], confirm_clashes)
        await Meeting.update({**changed, Meeting.updated_at: now}).where(
            Meeting.id == meeting["id"]
        )
        sessions = await MeetingSession.select(MeetingSession.id).where(
            MeetingSession.meeting == meeting["id"]
        )
        session_ids = [s["id"] for s in sessions]
        if "timezone" in changed and session_ids:
            await _move_sessions_to_zone(
                {**meeting, **changed}, meeting["timezone"], changed["timezone"], by=by, now=now
            )
        elif any(name in changed for name in MEETING_FIELDS_IN_EVENTS):
            await bump_sequence(session_ids, now)
        await mark_agenda_changed({meeting["id"]}, now)
        summary = "Changed " + ", ".join(sorted(changed))
        data: dict[str, Any] = {"before": {k: meeting[k] for k in changed}, "after": changed}
        notified = 0
        # Only a published meeting has participants; a draft is cancelled without a word.
        if changed.get("status") == "cancelled" and meeting["status"] == "published":
            notified = await registration_emails.queue_meeting_cancelled(
                meeting["id"], message=message, now=now
            )
            summary += f"; emailed {notified} participant(s) that the meeting is cancelled"
            data |= {"notified": notified, "message": message}
        await audit(
            by,
            _status_action(changed.get("status")) or "meeting.update",
            "meeting",
            meeting["id"],
            meeting_slug=changed.get("slug", meeting["slug"]),
            summary=summary,
            data=data,
            now=now,
        )
        updated = await Meeting.select().where(Meeting.id == meeting["id"]).first()
        return updated, changed, notified


def _status_action(status: str | None) -> str | None:
    return {"published": "meeting.publish", "cancelled": "meeting.cancel"}.get(status or "")


async def _check_transition(meeting: dict, status: str, confirm_clashes: bool) -> None:
    if status not in STATUS_TRANSITIONS[meeting["status"]]:
        raise Conflict(
            gettext("A %(old)s meeting cannot become %(new)s.")
            % {"old": meeting["status"], "new": status},
            fields={"status": gettext("Not allowed from %(old)s.") % {"old": meeting["status"]}},
        )
    if status == "published" and not confirm_clashes:
        found = await meeting_clashes(meeting)
        if found:
            raise Conflict(
                gettext(
                    "This meeting's agenda has %(n)s clash(es). Publish anyway only if you mean to."
                )
                % {"n": len(found)},
                clashes=[clash_summary(c, meeting["timezone"]) for c in found],
            )


async def _move_sessions_to_zone(
    meeting: dict, old_zone: str, new_zone: str, *, by: Actor, now: datetime
) -> None:
    sessions = await MeetingSession.select().where(MeetingSession.meeting == meeting["id"])
    for row in sessions:
        starts = _reanchor(row["starts_at"], old_zone, new_zone)
        ends = _reanchor(row["ends_at"], old_zone, new_zone)
        if (starts, ends) == (row["starts_at"], row["ends_at"]):
            continue
        await MeetingSession.update(
            {
                MeetingSession.starts_at: starts,
                MeetingSession.ends_at: ends,
                MeetingSession.sequence: MeetingSession.sequence + 1,
                MeetingSession.updated_at: now,
            }
        ).where(MeetingSession.id == row["id"])
        if meeting["status"] == "published" and row["status"] != "cancelled":
            await _record_change(
                meeting,
                row,
                "retimed",
                before=await _change_view(row, meeting),
                after=await _change_view(row | {"starts_at": starts, "ends_at": ends}, meeting),
                now=now,
            )


async def publish_meeting(
    slug: str, *, by: Actor, now: datetime, confirm_clashes: bool = False
) -> dict:
    return await update_meeting(
        slug, {"status": "published"}, by=by, now=now, confirm_clashes=confirm_clashes
    )


@dataclass(frozen=True)
class Cancellation:
    meeting: dict
    notified: int  # participants emailed that the meeting is cancelled
    already: bool  # it was cancelled before: nothing changed and nobody was emailed


async def cancel_meeting(slug: str, *, by: Actor, now: datetime, message: str = "") -> Cancellation:
    """Cancel the meeting: it stays on the site and in calendars, marked cancelled.

    If it was published, everyone still registered (confirmed, waiting or awaiting approval) is
    emailed in their language, once, in this transaction; confirmed people's calendar entry is
    cancelled with it. `message`, if any, is the organizers' word to them. Cancelling a cancelled
    meeting changes nothing and emails nobody.
    """
    values = {"message": message}
    errors: dict[str, str] = {}
    check_text(errors, values, "message", CANCEL_MESSAGE_MAX, required=False)
    if errors:
        raise InvalidInput(gettext("Please correct the marked fields."), fields=errors)
    meeting, changed, notified = await _update_meeting(
        slug,
        {"status": "cancelled"},
        by=by,
        now=now,
        message=values["message"].replace("\r\n", "\n"),
    )
    return Cancellation(meeting, notified, already="status" not in changed)


async def cancellation_audience(meeting: dict) -> int:
    """How many participants cancelling the meeting now would email."""
    if meeting["status"] != "published":
        return 0
    return len(await registration_emails.meeting_cancelled_audience(meeting["id"]))


async def duplicate_meeting(
    source_slug: str,
    *,
    slug: str,
    starts_on: date,
    timezone: str,
    title: str | None = None,
    city: str | None = None,
    venue_name: str | None = None,
    venue_address: str | None = None,
    by: Actor,
    now: datetime,
) -> dict:
    """A draft copy of a meeting on new dates in a new zone (New York → Geneva).

    Sessions keep their local wall-clock times relative to the first day: 10:00 on day 2 in New
    York becomes 10:00 on day 2 in Geneva. Rooms and panelist assignments come along; every
    session gets a new UID (it is a new calendar event). Cancelled sessions stay behind. The
    registration window moves by the same number of days, at the same local time.
    """
    source = await get_meeting_any(source_slug)
    length = source["ends_on"] - source["starts_on"]
    values = {
        "slug": slug,
        "title": source["title"] if title is None else title,
        "theme": source["theme"],
        "description": source["description"],
        "city": source["city"] if city is None else city,
        "venue_name": source["venue_name"] if venue_name is None else venue_name,
        "venue_address": source["venue_address"] if venue_address is None else venue_address,
        "timezone": timezone,
        "starts_on": starts_on,
        "ends_on": starts_on + length if isinstance(starts_on, date) else None,
        "capacity": source["capacity"],
        "status": "draft",
    }
    merged: dict = {}
    errors = _validate_meeting(values, merged)
    if errors:
        raise InvalidInput(gettext("Please correct the marked fields."), fields=errors)
    shift = (starts_on - source["starts_on"]).days
    for name in ("registration_opens_at", "registration_closes_at"):
        if source[name] is not None:
            values[name] = _reanchor(source[name], source["timezone"], timezone, shift)
    async with write_transaction():
        if await Meeting.exists().where(Meeting.slug == slug):
            raise Conflict(
                gettext("The address “%(slug)s” is taken by another meeting.") % {"slug": slug},
                fields={"slug": gettext("Taken by another meeting.")},
            )
        rows = await Meeting.insert(
            Meeting(
                **values,
                approval_categories=source["approval_categories"],
                created_at=now,
                updated_at=now,
                agenda_changed_at=now,
            )
        ).returning(*Meeting.all_columns())
        copy = rows[0]
        room_ids: dict[int, int] = {}
        for room in await Room.select().where(Room.meeting == source["id"]).order_by(Room.id):
            inserted = await Room.insert(
                Room(meeting=copy["id"], name=room["name"], capacity=room["capacity"])
            ).returning(Room.id)
            room_ids[room["id"]] = inserted[0]["id"]
        sessions = (
            await MeetingSession.select()
            .where(MeetingSession.meeting == source["id"])
            .where(MeetingSession.status != "cancelled")
            .order_by(MeetingSession.starts_at)
        )
        roles = await SessionPanelist.select().where(
            SessionPanelist.meeting_session.is_in([s["id"] for s in sessions] or [0])
        )
        for row in sessions:
            inserted = await MeetingSession.insert(
                MeetingSession(
                    meeting=copy["id"],
                    uid=new_uid(),
                    title=row["title"],
                    description=row["description"],
                    kind=row["kind"],
                    starts_at=_reanchor(row["starts_at"], source["timezone"], timezone, shift),
                    ends_at=_reanchor(row["ends_at"], source["timezone"], timezone, shift),
                    room=room_ids.get(row["room"]),
                    capacity=row["capacity"],
                    status="scheduled",
                    sequence=0,
                    created_at=now,
                    updated_at=now,
                    illustrative=row["illustrative"],
                )
            ).returning(MeetingSession.id)
            for role in (r for r in roles if r["meeting_session"] == row["id"]):
                await SessionPanelist.insert(
                    SessionPanelist(
                        meeting_session=inserted[0]["id"],
                        panelist=role["panelist"],
                        role=role["role"],
                        position=role["position"],
                    )
                )
        await audit(
            by,
            "meeting.duplicate",
            "meeting",
            copy["id"],
            meeting_slug=copy["slug"],
            summary=f"Copied from {source['slug']}",
            data={"source": source["slug"], "sessions": len(sessions)},
            now=now,
        )
    return copy


def new_uid() -> str:
    return f"{uuid.uuid4()}@{UID_DOMAIN}"


# ---------------------------------------------------------------------------------------------
# Rooms


async def _check_room(meeting_id: int, values: dict, *, room_id: int | None = None) -> None:
    errors: dict[str, str] = {}
    check_text(errors, values, "name", 200, required=True)
    check_capacity(errors, values)
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
    slug: str, *, name: str, capacity: int | None = None, by: Actor, now: datetime
) -> dict:
    values = {"name": name, "capacity": capacity}
    async with write_transaction():
        meeting = await _meeting_for_update(slug)
        await _check_room(meeting["id"], values)
        rows = await Room.insert(Room(meeting=meeting["id"], **values)).returning(
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
    if not is_row_id(room_id):
        raise NotFound(gettext("There is no room %(id)s.") % {"id": room_id})
    room = await Room.select().where(Room.id == room_id).first()
    if room is None:
        raise NotFound(gettext("There is no room %(id)s.") % {"id": room_id})
    return room


async def update_room(room_id: int, values: dict, *, by: Actor, now: datetime) -> dict:
    """Rename a room or change its capacity; a new name is a new LOCATION for its sessions."""
    values = {k: v for k, v in values.items() if k in ("name", "capacity")}
    async with write_transaction():
        room = await get_room(room_id)
        meeting = await _meeting_by_id(room["meeting"])
        await _check_room(meeting["id"], values, room_id=room_id)
        changed = {k: v for k, v in values.items() if room[k] != v}
        if not changed:
            return room
        await Room.update(changed).where(Room.id == room_id)
        if "name" in changed:
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


# ---------------------------------------------------------------------------------------------
# Sessions


async def get_session(session_id: int) -> dict:
    if not is_row_id(session_id):
        raise NotFound(gettext("There is no session %(id)s.") % {"id": session_id})
    row = (
        await MeetingSession.select(
            MeetingSession.all_columns(),
            MeetingSession.room.name.as_alias("room_name"),
            MeetingSession.meeting.slug.as_alias("meeting_slug"),
            MeetingSession.meeting.timezone.as_alias("timezone"),
            MeetingSession.meeting.status.as_alias("meeting_status"),
        )
        .where(MeetingSession.id == session_id)
        .first()
    )
    if row is None:
        raise NotFound(gettext("There is no session %(id)s.") % {"id": session_id})
    return row


async def session_panelists(session_id: int) -> list[dict]:
    return (
        await SessionPanelist.select(
            SessionPanelist.id,
            SessionPanelist.role,
            SessionPanelist.position,
            SessionPanelist.panelist.id.as_alias("panelist_id"),
            SessionPanelist.panelist.honorific.as_alias("honorific"),
            SessionPanelist.panelist.name.as_alias("name"),
        )
        .where(SessionPanelist.meeting_session == session_id)
        .order_by(SessionPanelist.position)
        .order_by(SessionPanelist.id)
    )


async def _validate_session(
    meeting: dict, values: dict, panelists: list[PanelistAssignment] | None
) -> dict:
    """The values cleaned (text stripped, instants in UTC), or InvalidInput naming each bad field."""
    values = dict(values)
    errors: dict[str, str] = {}
    check_text(errors, values, "title", 300, required=True)
    check_text(errors, values, "description", 20_000, required=False)
    if "kind" in values and values["kind"] not in SESSION_KINDS:
        errors["kind"] = gettext("One of: %(choices)s.") % {"choices": ", ".join(SESSION_KINDS)}
    for name in ("starts_at", "ends_at"):
        if name in values and values[name] is None:
            errors[name] = gettext("Required.")
        else:
            check_aware(errors, values, name)
    if (
        "starts_at" not in errors
        and "ends_at" not in errors
        and isinstance(values.get("starts_at"), datetime)
        and isinstance(values.get("ends_at"), datetime)
        and values["ends_at"] <= values["starts_at"]
    ):
        errors["ends_at"] = gettext("The session must end after it starts.")
    check_capacity(errors, values)
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


def _editable(meeting: dict) -> None:
    if meeting["status"] == "cancelled":
        raise Conflict(
            gettext("This meeting is cancelled: reinstate it before changing its agenda.")
        )


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
        }
        cleaned = await _validate_session(meeting, current | values, panelists)
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


# ---------------------------------------------------------------------------------------------
# Agenda changes


async def _change_view(row: dict, meeting: dict) -> dict:
    """What a participant sees of a session, frozen into the change record."""
    room_name = ""
    if row.get("room"):
        room = await Room.select(Room.name).where(Room.id == row["room"]).first()
        room_name = room["name"] if room else ""
    return {
        "title": row["title"],
        "starts_at": row["starts_at"].astimezone(UTC).isoformat(),
        "ends_at": row["ends_at"].astimezone(UTC).isoformat(),
        "room": room_name,
    }


async def _record_change(
    meeting: dict, row: dict, kind: str, before: dict, after: dict, *, now: datetime
) -> None:
    await AgendaChange.insert(
        AgendaChange(
            meeting=meeting["id"],
            meeting_session=row["id"],
            changed_at=now,
            kind=kind,
            summary=change_summary(kind, before, after, meeting["timezone"]),
            before=before,
            after=after,
        )
    )


def _when(view: dict, timezone: str) -> str:
    starts = datetime.fromisoformat(view["starts_at"])
    ends = datetime.fromisoformat(view["ends_at"])
    return "{} {}–{}".format(
        local_date(starts, timezone, style="medium"),
        local_time(starts, timezone, with_zone=False),
        local_time(ends, timezone),
    )


def change_summary(kind: str, before: dict, after: dict, timezone: str) -> str:
    """One line about a change, in the current language, with times in the meeting's zone."""
    title = after.get("title") or before.get("title", "")
    if kind == "retimed":
        return gettext("“%(title)s” moved from %(before)s to %(after)s.") % {
            "title": title,
            "before": _when(before, timezone),
            "after": _when(after, timezone),
        }
    if kind == "moved":
        return gettext("“%(title)s” moved from %(before)s to %(after)s.") % {
            "title": title,
            "before": before.get("room") or gettext("no room"),
            "after": after.get("room") or gettext("no room"),
        }
    if kind == "cancelled":
        return gettext("“%(title)s” (%(when)s) is cancelled.") % {
            "title": title,
            "when": _when(before, timezone),
        }
    if kind == "restored":
        return gettext("“%(title)s” (%(when)s) is back on the agenda.") % {
            "title": title,
            "when": _when(after, timezone),
        }
    return gettext("“%(title)s” (%(when)s) was added.") % {
        "title": title,
        "when": _when(after, timezone),
    }


async def recent_changes(meeting: dict, *, limit: int = 20) -> list[dict]:
    """The latest changes to a meeting's agenda, newest first, each with its line in this language."""
    rows = (
        await AgendaChange.select()
        .where(AgendaChange.meeting == meeting["id"])
        .order_by(AgendaChange.changed_at, ascending=False)
        .order_by(AgendaChange.id, ascending=False)
        .limit(limit)
        .output(load_json=True)
    )
    return [
        row
        | {"text": change_summary(row["kind"], row["before"], row["after"], meeting["timezone"])}
        for row in rows
    ]


# ---------------------------------------------------------------------------------------------
# Clashes


async def meeting_clashes(meeting: dict) -> list[clash_finder.Clash]:
    """The clashes that involve this meeting's sessions, including its panelists' other meetings."""
    columns = (
        MeetingSession.id,
        MeetingSession.meeting,
        MeetingSession.title,
        MeetingSession.starts_at,
        MeetingSession.ends_at,
        MeetingSession.room,
        MeetingSession.capacity,
        MeetingSession.status,
        MeetingSession.meeting.slug.as_alias("meeting_slug"),
        MeetingSession.meeting.timezone.as_alias("timezone"),
    )
    own = (
        await MeetingSession.select(*columns)
        .where(MeetingSession.meeting == meeting["id"])
        .where(MeetingSession.status != "cancelled")
    )
    own_roles = await _roles_of([s["id"] for s in own])
    people = sorted({p.id for refs in own_roles.values() for p in refs})
    others: list[dict] = []
    if people:
        other_ids = await SessionPanelist.select(SessionPanelist.meeting_session).where(
            SessionPanelist.panelist.is_in(people)
            & (SessionPanelist.meeting_session.meeting != meeting["id"])
            & (SessionPanelist.meeting_session.status != "cancelled")
            & (SessionPanelist.meeting_session.meeting.status != "cancelled")
        )
        ids = sorted({r["meeting_session"] for r in other_ids})
        if ids:
            others = await MeetingSession.select(*columns).where(MeetingSession.id.is_in(ids))
    other_roles = await _roles_of([s["id"] for s in others])
    roles = own_roles | other_roles
    slots = [
        clash_finder.SessionSlot(
            id=s["id"],
            meeting_id=s["meeting"],
            meeting_slug=s["meeting_slug"],
            timezone=s["timezone"],
            title=s["title"],
            starts_at=s["starts_at"],
            ends_at=s["ends_at"],
            room_id=s["room"],
            capacity=s["capacity"],
            status=s["status"],
            panelists=tuple(roles.get(s["id"], ())),
        )
        for s in [*own, *others]
    ]
    rooms = [
        clash_finder.RoomRef(r["id"], r["name"], r["capacity"])
        for r in await Room.select().where(Room.meeting == meeting["id"])
    ]
    away = []
    if people:
        away = [
            clash_finder.Unavailability(
                r["id"], r["panelist"], r["starts_at"], r["ends_at"], r["note"]
            )
            for r in await PanelistUnavailability.select().where(
                PanelistUnavailability.panelist.is_in(people)
            )
        ]
    days = clash_finder.MeetingDays(
        meeting["id"],
        meeting["slug"],
        meeting["timezone"],
        meeting["starts_on"],
        meeting["ends_on"],
    )
    found = clash_finder.find_clashes(slots, rooms=rooms, unavailability=away, meetings=[days])
    return clash_finder.involving_meeting(found, meeting["id"])


async def _roles_of(session_ids: list[int]) -> dict[int, list[clash_finder.PanelistRef]]:
    if not session_ids:
        return {}
    rows = await SessionPanelist.select(
        SessionPanelist.meeting_session,
        SessionPanelist.panelist.id.as_alias("panelist_id"),
        SessionPanelist.panelist.honorific.as_alias("honorific"),
        SessionPanelist.panelist.name.as_alias("name"),
    ).where(SessionPanelist.meeting_session.is_in(session_ids))
    roles: dict[int, list[clash_finder.PanelistRef]] = {}
    for r in rows:
        name = f"{r['honorific']} {r['name']}".strip()
        roles.setdefault(r["meeting_session"], []).append(
            clash_finder.PanelistRef(r["panelist_id"], name)
        )
    return roles


def _session_phrase(slot: clash_finder.SessionSlot, timezone: str) -> str:
    """“Title” (Tue 20 Apr 10:00–11:00 EDT, idm-new-york) in the session's own meeting's zone."""
    when = "{} {}–{}".format(
        local_date(slot.starts_at, slot.timezone, style="medium"),
        local_time(slot.starts_at, slot.timezone, with_zone=False),
        local_time(slot.ends_at, slot.timezone),
    )
    return f"“{slot.title}” ({when}, {slot.meeting_slug})"


def describe_clash(clash: clash_finder.Clash, timezone: str) -> str:
    """A sentence naming the sessions involved, in the current language."""
    phrases = [_session_phrase(s, timezone) for s in clash.sessions]
    if clash.kind == clash_finder.PANELIST_DOUBLE_BOOKED:
        return gettext("%(person)s is in two sessions at once: %(first)s and %(second)s.") % {
            "person": clash.panelist.name if clash.panelist else "",
            "first": phrases[0],
            "second": phrases[1],
        }
    if clash.kind == clash_finder.ROOM_DOUBLE_BOOKED:
        return gettext("%(room)s holds two sessions at once: %(first)s and %(second)s.") % {
            "room": clash.room.name if clash.room else "",
            "first": phrases[0],
            "second": phrases[1],
        }
    if clash.kind == clash_finder.PANELIST_UNAVAILABLE:
        away = clash.unavailability
        period = ""
        if away is not None:
            period = f"{local_datetime_short(away.starts_at, timezone)} – {local_datetime_short(away.ends_at, timezone)}"
            if away.note:
                period += f" ({away.note})"
        return gettext("%(person)s is unavailable %(period)s but speaks in %(session)s.") % {
            "person": clash.panelist.name if clash.panelist else "",
            "period": period,
            "session": phrases[0],
        }
    if clash.kind == clash_finder.OUTSIDE_MEETING_DAYS:
        return gettext("%(session)s is outside the meeting's days.") % {"session": phrases[0]}
    if clash.kind == clash_finder.ENDS_BEFORE_START:
        return gettext("%(session)s ends before it starts.") % {"session": phrases[0]}
    return gettext("%(session)s allows %(seats)s seats but %(room)s has only %(room_seats)s.") % {
        "session": phrases[0],
        "seats": clash.sessions[0].capacity,
        "room": clash.room.name if clash.room else "",
        "room_seats": clash.room.capacity if clash.room else "",
    }


def local_datetime_short(moment: datetime, timezone: str) -> str:
    return "{} {}".format(
        local_date(moment, timezone, style="medium"), local_time(moment, timezone)
    )


def clash_summary(clash: clash_finder.Clash, timezone: str) -> dict:
    """A clash as the API and the Conflict error body show it."""
    return {
        "kind": clash.kind,
        "detail": describe_clash(clash, timezone),
        "sessions": [
            {
                "id": s.id,
                "title": s.title,
                "meeting": s.meeting_slug,
                "starts_at": s.starts_at.astimezone(ZoneInfo(s.timezone)).isoformat(),
                "ends_at": s.ends_at.astimezone(ZoneInfo(s.timezone)).isoformat(),
            }
            for s in clash.sessions
        ],
        "panelist_id": clash.panelist.id if clash.panelist else None,
        "room_id": clash.room.id if clash.room else None,
    }
