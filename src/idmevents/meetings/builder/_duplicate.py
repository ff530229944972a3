"""Duplicating a meeting: a draft copy on new dates in a new zone, with its rooms and sessions."""

from __future__ import annotations

import json
from datetime import date, datetime, timedelta

from idmevents import content
from idmevents.audit import Actor
from idmevents.db import write_transaction
from idmevents.errors import Conflict, InvalidInput
from idmevents.i18n import gettext
from idmevents.meetings.builder._meetings import _validate_meeting, created, get_meeting_any
from idmevents.meetings.builder._sessions import new_uid
from idmevents.meetings.builder._zones import _reanchor, wall_clock
from idmevents.meetings.tables import Meeting, MeetingSession, Room, SessionPanelist
from idmevents.validation import (
    DATE_RANGE_MESSAGE,
    EARLIEST,
    LATEST,
    check_aware,
    in_date_range,
)


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
    given = {"title": title, "city": city, "venue_name": venue_name, "venue_address": venue_address}
    values = _copy_values(source, slug=slug, starts_on=starts_on, timezone=timezone, given=given)
    errors = _validate_meeting(values, {})
    if "ends_on" in errors:  # the copy's last day follows from its first: that is what to change
        errors.setdefault("starts_on", errors.pop("ends_on"))
    if errors:
        raise InvalidInput(gettext("Please correct the marked fields."), fields=errors)
    shift = (starts_on - source["starts_on"]).days
    for name in ("registration_opens_at", "registration_closes_at"):
        if source[name] is not None:
            values[name] = _reanchor(source[name], source["timezone"], timezone, shift)
            check_aware(errors, values, name)
    if errors:
        raise InvalidInput(gettext("Please correct the marked fields."), fields=errors)
    await _check_sessions_in_range(source, timezone, shift)
    values["translations"] = json.dumps(values["translations"], ensure_ascii=False)
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
                invitation_categories=source["invitation_categories"],
                created_at=now,
                updated_at=now,
                agenda_changed_at=now,
            )
        ).returning(*Meeting.all_columns())
        copy = rows[0]
        room_ids = await _copy_rooms(source, copy)
        copied = await _copy_sessions(source, copy, room_ids, shift=shift, now=now)
        await created(
            copy,
            by,
            "meeting.duplicate",
            f"Copied from {source['slug']}",
            data={"source": source["slug"], "sessions": copied},
            now=now,
        )
    return copy


def _copy_values(
    source: dict, *, slug: str, starts_on: date, timezone: str, given: dict[str, str | None]
) -> dict:
    """The copy's fields: the source's, on the new dates and zone, with the details given."""
    length = source["ends_on"] - source["starts_on"]
    values = {
        "slug": slug,
        "title": source["title"],
        "theme": source["theme"],
        "description": source["description"],
        "city": source["city"],
        "venue_name": source["venue_name"],
        "venue_address": source["venue_address"],
        "timezone": timezone,
        "starts_on": starts_on,
        "ends_on": _shifted(starts_on, length),
        "capacity": source["capacity"],
        "interpretation": source.get("interpretation") or "",  # the languages go with the agenda
        "status": "draft",
        "original_language": source.get("original_language") or "en",
        # A copy with a new title keeps the other languages' titles only if none was given.
        "translations": _copied_translations(source, given),
    }
    return values | {name: value for name, value in given.items() if value is not None}


def _copied_translations(source: dict, given: dict) -> dict:
    """The source's translations, less those of the fields the copy names anew."""
    replaced = {name for name, value in given.items() if value is not None}
    copied = {
        lang: {k: v for k, v in texts.items() if k not in replaced}
        for lang, texts in content.load(source.get("translations")).items()
    }
    return {lang: texts for lang, texts in copied.items() if texts}


def _shifted(starts_on: object, length: timedelta) -> date | None:
    """The copy's last day; a first day past the range keeps its own error (`_validate_meeting`)."""
    if not isinstance(starts_on, date) or not in_date_range(starts_on):
        return starts_on if isinstance(starts_on, date) else None
    try:
        return starts_on + length
    except OverflowError:
        return date.max


async def _check_sessions_in_range(source: dict, timezone: str, shift: int) -> None:
    """Refuse a copy whose sessions would land outside the days a session may fall on."""
    sessions = await MeetingSession.select(MeetingSession.starts_at, MeetingSession.ends_at).where(
        (MeetingSession.meeting == source["id"]) & (MeetingSession.status != "cancelled")
    )
    for row in sessions:
        for name in ("starts_at", "ends_at"):
            local = wall_clock(row[name], source["timezone"]).date()
            if not (EARLIEST - local).days <= shift <= (LATEST - local).days:
                raise InvalidInput(
                    gettext("Please correct the marked fields."),
                    fields={"starts_on": gettext(DATE_RANGE_MESSAGE)},
                )


async def _copy_rooms(source: dict, copy: dict) -> dict[int, int]:
    """Copy the source's rooms; returns the copy's room id for each of the source's."""
    room_ids: dict[int, int] = {}
    for room in await Room.select().where(Room.meeting == source["id"]).order_by(Room.id):
        inserted = await Room.insert(
            Room(
                meeting=copy["id"],
                name=room["name"],
                capacity=room["capacity"],
                translations=room["translations"],
            )
        ).returning(Room.id)
        room_ids[room["id"]] = inserted[0]["id"]
    return room_ids


async def _copy_sessions(
    source: dict, copy: dict, room_ids: dict[int, int], *, shift: int, now: datetime
) -> int:
    """Copy the source's live sessions and their panelists as new events; returns how many."""
    sessions = (
        await MeetingSession.select()
        .where(MeetingSession.meeting == source["id"])
        .where(MeetingSession.status != "cancelled")
        .order_by(MeetingSession.starts_at)
    )
    roles = await SessionPanelist.select().where(
        SessionPanelist.meeting_session.is_in([s["id"] for s in sessions] or [0])
    )
    old_zone, new_zone = source["timezone"], copy["timezone"]
    for row in sessions:
        inserted = await MeetingSession.insert(
            MeetingSession(
                meeting=copy["id"],
                uid=new_uid(),
                title=row["title"],
                description=row["description"],
                kind=row["kind"],
                starts_at=_reanchor(row["starts_at"], old_zone, new_zone, shift),
                ends_at=_reanchor(row["ends_at"], old_zone, new_zone, shift),
                room=room_ids.get(row["room"]),
                capacity=row["capacity"],
                status="scheduled",
                sequence=0,
                created_at=now,
                updated_at=now,
                illustrative=row["illustrative"],
                interpretation=row["interpretation"],
                translations=row["translations"],
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
    return len(sessions)
