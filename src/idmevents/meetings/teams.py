"""Meeting teams: which organizers and check-in staff work on which meeting.

Administrators see every meeting. Anyone else sees the meetings whose team they belong to, and
the objects hanging off them (sessions, rooms, registrations, emails); a panelist, reusable across
meetings, is seen by the teams of the meetings they speak at, and by everyone while they speak at
none. The web layer asks these questions once per request (`web.scope`), not in each handler.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from piccolo.table import Table

from idmevents.audit import Actor
from idmevents.audit import write as audit
from idmevents.auth.tables import User
from idmevents.db import is_unique_violation, through, write_transaction
from idmevents.errors import Conflict, InvalidInput, NotFound
from idmevents.i18n import gettext
from idmevents.meetings.tables import (
    Meeting,
    MeetingSession,
    MeetingTeam,
    Panelist,
    PanelistUnavailability,
    Room,
    SessionPanelist,
)
from idmevents.validation import is_row_id

# Roles that belong to meetings; an administrator sees all of them without joining.
TEAM_ROLES = ("organizer", "checkin")


async def meeting_ids_of_user(user_id: int) -> frozenset[int]:
    """The meetings whose team `user_id` belongs to."""
    rows = await MeetingTeam.select(MeetingTeam.meeting).where(MeetingTeam.user == user_id)
    return frozenset(row["meeting"] for row in rows)


async def members(meeting_id: int) -> list[dict]:
    """The meeting's team, by name: id, email, display_name, role, active."""
    rows = await MeetingTeam.select(
        *through(MeetingTeam.user, "id", "email", "display_name", "role", "active"),
    ).where(MeetingTeam.meeting == meeting_id)
    return sorted(rows, key=lambda r: ((r["display_name"] or r["email"]).casefold(), r["id"]))


async def candidates(meeting_id: int) -> list[dict]:
    """Active organizers and check-in staff who are not in the meeting's team yet."""
    inside = {row["id"] for row in await members(meeting_id)}
    rows = await User.select(User.id, User.email, User.display_name, User.role).where(
        User.role.is_in(list(TEAM_ROLES)), User.active.eq(True)
    )
    rows = [r for r in rows if r["id"] not in inside]
    return sorted(rows, key=lambda r: ((r["display_name"] or r["email"]).casefold(), r["id"]))


async def _meeting(meeting_id: int) -> dict:
    meeting = await Meeting.select(Meeting.id, Meeting.slug).where(Meeting.id == meeting_id).first()
    if meeting is None:
        raise NotFound(gettext("No such meeting."))
    return meeting


async def add_member(meeting_id: int, user_id: int, *, by: Actor, now: datetime) -> dict:
    """Put an organizer or check-in account in the meeting's team. Raises InvalidInput or Conflict."""
    meeting = await _meeting(meeting_id)
    user = None
    if is_row_id(user_id):
        user = await User.select(User.id, User.email, User.role).where(User.id == user_id).first()
    if user is None or user["role"] not in TEAM_ROLES:
        raise InvalidInput(
            gettext("Please correct the marked fields."),
            fields={"user": gettext("Choose an organizer or check-in account.")},
        )
    try:
        async with write_transaction():
            if await MeetingTeam.exists().where(
                MeetingTeam.meeting == meeting_id, MeetingTeam.user == user_id
            ):
                raise Conflict(gettext("%(email)s is in the team already.") % user)
            await MeetingTeam.insert(MeetingTeam(meeting=meeting_id, user=user_id, added_at=now))
            await _audit_team(
                by, "add", meeting, user_id, f"Added {user['email']} to the team", now
            )
    except Exception as exc:
        if is_unique_violation(exc):
            raise Conflict(gettext("%(email)s is in the team already.") % user) from exc
        raise
    return user


async def join_creator(meeting_id: int, by: Actor, *, now: datetime) -> None:
    """The account that made a meeting joins its team (inside the caller's transaction)."""
    if by.user_id is None:
        return
    role = await User.select(User.role).where(User.id == by.user_id).first()
    if role is not None and role["role"] in TEAM_ROLES:
        await MeetingTeam.insert(MeetingTeam(meeting=meeting_id, user=by.user_id, added_at=now))


async def remove_member(meeting_id: int, user_id: int, *, by: Actor, now: datetime) -> None:
    """Take an account out of the meeting's team. Raises NotFound when it is not in it."""
    meeting = await _meeting(meeting_id)
    async with write_transaction():
        row = await (
            MeetingTeam.select(MeetingTeam.id, MeetingTeam.user.email.as_alias("email"))
            .where(MeetingTeam.meeting == meeting_id, MeetingTeam.user == user_id)
            .first()
        )
        if row is None:
            raise NotFound(gettext("This account is not in the meeting's team."))
        await MeetingTeam.delete().where(MeetingTeam.id == row["id"])
        await _audit_team(
            by, "remove", meeting, user_id, f"Removed {row['email']} from the team", now
        )


async def _audit_team(
    by: Actor, change: str, meeting: dict, user_id: int, summary: str, now: datetime
) -> None:
    """The audit entry of a change to the team ("add" or "remove"), on the meeting."""
    await audit(
        by,
        f"meeting.team_{change}",
        "meeting",
        meeting["id"],
        meeting_slug=meeting["slug"],
        summary=summary,
        data={"user": user_id},
        now=now,
    )


# Which meetings own an object named in a path: a set of meeting ids, or None when there is no
# such object (the handler answers its own 404). An empty set means "shared by everyone".


async def owners_of_slug(slug: str) -> frozenset[int] | None:
    row = await Meeting.select(Meeting.id).where(Meeting.slug == slug).first()
    return None if row is None else frozenset({row["id"]})


async def owners_of_row(table: type[Table], row_id: int) -> frozenset[int] | None:
    """The meeting a row of `table` (one with a `meeting` column) belongs to, as a set; None:
    no such row."""
    row = await table.select(table.meeting).where(table.id == row_id).first()
    return None if row is None else frozenset({row["meeting"]})


async def owners_of_session(session_id: int) -> frozenset[int] | None:
    return await owners_of_row(MeetingSession, session_id)


async def owners_of_room(room_id: int) -> frozenset[int] | None:
    return await owners_of_row(Room, room_id)


async def owners_of_panelist(panelist_id: int) -> frozenset[int]:
    """The meetings a panelist speaks at (empty: on no agenda yet, in everyone's directory)."""
    rows = await SessionPanelist.select(
        SessionPanelist.meeting_session.meeting.as_alias("meeting")
    ).where(SessionPanelist.panelist == panelist_id)
    return frozenset(row["meeting"] for row in rows)


async def owners_of_unavailability(period_id: int) -> frozenset[int] | None:
    row = (
        await PanelistUnavailability.select(PanelistUnavailability.panelist)
        .where(PanelistUnavailability.id == period_id)
        .first()
    )
    return None if row is None else await owners_of_panelist(row["panelist"])


def panelist_visible(owners: Iterable[int], allowed: frozenset[int] | None) -> bool:
    owners = frozenset(owners)
    return allowed is None or not owners or bool(owners & allowed)


async def visible_panelist_ids(allowed: frozenset[int] | None) -> frozenset[int] | None:
    """The panelists a team member may see (None: every one)."""
    if allowed is None:
        return None
    every = {row["id"] for row in await Panelist.select(Panelist.id)}
    per: dict[int, set[int]] = {}
    for row in await SessionPanelist.select(
        SessionPanelist.panelist, SessionPanelist.meeting_session.meeting.as_alias("meeting")
    ):
        per.setdefault(row["panelist"], set()).add(row["meeting"])
    return frozenset(p for p in every if panelist_visible(per.get(p, ()), allowed))
