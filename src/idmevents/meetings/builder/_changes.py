"""The agenda's change log: what calendars must re-read, and what participants are told changed.

Whatever a calendar can see moves `Meeting.agenda_changed_at` (the feeds cache on it) and bumps
the session's `sequence`. On a published meeting, moving, retiming, cancelling, restoring or
adding a session also records an `AgendaChange`, which participants are told about when an
organizer presses "Notify participants".
"""

from __future__ import annotations

from datetime import UTC, datetime

from idmevents.i18n import gettext, local_date, local_time
from idmevents.meetings.tables import AgendaChange, Meeting, MeetingSession, Room


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
