"""The clashes of one meeting's agenda, read from the database and told in words.

The finding itself is `meetings.clashes`, a pure function; this module gathers what it needs (the
meeting's sessions, its panelists' sessions in other meetings, rooms, unavailable periods) and
describes each clash in the current language for the pages, the API and the Conflict error body.
"""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from idmevents.db import through
from idmevents.i18n import gettext, local_date, local_time
from idmevents.meetings import clashes as clash_finder
from idmevents.meetings.tables import MeetingSession, PanelistUnavailability, Room, SessionPanelist
from idmevents.records import copy_fields

# What the clash finder needs of a session, with its meeting's address and zone.
_SLOT_COLUMNS = (
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


async def meeting_clashes(meeting: dict) -> list[clash_finder.Clash]:
    """The clashes that involve this meeting's sessions, including its panelists' other meetings."""
    own = (
        await MeetingSession.select(*_SLOT_COLUMNS)
        .where(MeetingSession.meeting == meeting["id"])
        .where(MeetingSession.status != "cancelled")
    )
    own_roles = await _roles_of([s["id"] for s in own])
    people = sorted({p.id for refs in own_roles.values() for p in refs})
    others = await _their_other_sessions(people, meeting["id"])
    roles = own_roles | await _roles_of([s["id"] for s in others])
    slots = [_slot(s, roles.get(s["id"], ())) for s in [*own, *others]]
    rooms = [
        clash_finder.RoomRef(r["id"], r["name"], r["capacity"])
        for r in await Room.select().where(Room.meeting == meeting["id"])
    ]
    days = clash_finder.MeetingDays(
        meeting["id"],
        meeting["slug"],
        meeting["timezone"],
        meeting["starts_on"],
        meeting["ends_on"],
    )
    found = clash_finder.find_clashes(
        slots, rooms=rooms, unavailability=await _unavailability(people), meetings=[days]
    )
    return clash_finder.involving_meeting(found, meeting["id"])


async def _their_other_sessions(people: list[int], meeting_id: int) -> list[dict]:
    """The live sessions of other live meetings in which these panelists speak."""
    if not people:
        return []
    other_ids = await SessionPanelist.select(SessionPanelist.meeting_session).where(
        SessionPanelist.panelist.is_in(people)
        & (SessionPanelist.meeting_session.meeting != meeting_id)
        & (SessionPanelist.meeting_session.status != "cancelled")
        & (SessionPanelist.meeting_session.meeting.status != "cancelled")
    )
    ids = sorted({r["meeting_session"] for r in other_ids})
    if not ids:
        return []
    return await MeetingSession.select(*_SLOT_COLUMNS).where(MeetingSession.id.is_in(ids))


def _slot(row: dict, panelists) -> clash_finder.SessionSlot:
    return copy_fields(
        clash_finder.SessionSlot,
        row,
        meeting_id=row["meeting"],
        room_id=row["room"],
        panelists=tuple(panelists),
    )


async def _unavailability(people: list[int]) -> list[clash_finder.Unavailability]:
    if not people:
        return []
    return [
        clash_finder.Unavailability(r["id"], r["panelist"], r["starts_at"], r["ends_at"], r["note"])
        for r in await PanelistUnavailability.select().where(
            PanelistUnavailability.panelist.is_in(people)
        )
    ]


async def _roles_of(session_ids: list[int]) -> dict[int, list[clash_finder.PanelistRef]]:
    if not session_ids:
        return {}
    rows = await SessionPanelist.select(
        SessionPanelist.meeting_session,
        *through(SessionPanelist.panelist, "honorific", "name", id="panelist_id"),
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
