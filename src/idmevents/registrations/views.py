"""What the pages, the API and the emails read about registrations: sessions to choose, positions, results.

Read models only: nothing here changes a registration, so the emails (`registrations.emails`) can
read them without importing the verbs that queue those emails (`registrations.services`).
"""

from __future__ import annotations

import json
import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime

from piccolo.query.functions.aggregate import Count

from idmevents import content, urls
from idmevents.errors import NotFound
from idmevents.i18n import gettext
from idmevents.meetings.services import registration_is_open
from idmevents.meetings.tables import Meeting, MeetingSession
from idmevents.registrations.invitation import MeetingSpan
from idmevents.registrations.labels import ACTIVE_STATUSES
from idmevents.registrations.tables import Registration, SessionAttendance
from idmevents.validation import language_codes

TOKEN_BYTES = 32
ATTENDANCES = ("in_person", "online")


def is_hybrid(meeting: Mapping) -> bool:
    return meeting.get("mode") == "hybrid"


def attendance_for(meeting: Mapping, chosen: str | None) -> str:
    """Where a registration takes part: a hybrid meeting lets the person choose (in the room
    unless they say otherwise); the others decide for them."""
    mode = meeting.get("mode") or "in_person"
    if mode == "hybrid":
        return chosen or "in_person"
    return "online" if mode == "online" else "in_person"


def remote_link(meeting: Mapping, registration: Mapping) -> str:
    """The private remote-participation link, for a confirmed online participant; else ""."""
    if (
        meeting.get("mode") in ("online", "hybrid")
        and registration.get("attendance") == "online"
        and registration.get("status") == "confirmed"
    ):
        return meeting.get("remote_url") or ""
    return ""


def seat_pool(meeting: Mapping, attendance: str) -> str | None:
    """Which seats and waiting list a registration counts in: its attendance in a hybrid
    meeting (each has its own), None (all one) otherwise."""
    return attendance if is_hybrid(meeting) else None


def in_pool(pool: str | None):
    """The condition on Registration for the seats of `pool` (see `seat_pool`)."""
    return Registration.attendance == pool if pool is not None else None


@dataclass(frozen=True)
class SessionChoice:
    """A session someone can sign up for, and where this registration stands with it."""

    id: int
    title: str
    kind: str
    starts_at: datetime
    ends_at: datetime
    room_name: str
    capacity: int | None
    places_left: int | None  # None: no limit
    chosen: bool = False
    status: str | None = None  # confirmed | waitlisted, when chosen
    position: int | None = None  # on the session's waiting list, once the registration is confirmed
    # The title in other languages (idmevents.content): {"fr": {"title": …}}.
    translations: dict = field(default_factory=dict, compare=False, hash=False)
    interpretation: tuple[str, ...] = field(default=(), compare=False)  # language codes


@dataclass
class RegistrationView:
    """A registration as its private page shows it."""

    registration: dict
    meeting: dict
    waitlist_position: int | None
    sessions: list[SessionChoice] = field(default_factory=list)
    registration_open: bool = False

    @property
    def active(self) -> bool:
        return self.registration["status"] in ACTIVE_STATUSES


@dataclass(frozen=True)
class RegistrationResult:
    registration: dict
    waitlist_position: int | None
    sessions: list[SessionChoice]
    changed: tuple[str, ...] = ()  # the fields an edit changed

    @property
    def status(self) -> str:
        return self.registration["status"]

    @property
    def token(self) -> str:
        return self.registration["token"]


def new_token() -> str:
    return secrets.token_urlsafe(TOKEN_BYTES)


def manage_url(token: str) -> str:
    return urls.manage_page(token)


def _category_list(meeting: dict, name: str) -> list[str]:
    value = meeting.get(name) or []
    if isinstance(value, str):  # Piccolo hands JSON columns back as text
        value = json.loads(value or "[]")
    return list(value)


def approval_categories(meeting: dict) -> list[str]:
    return _category_list(meeting, "approval_categories")


def invitation_categories(meeting: dict) -> list[str]:
    """The categories one registers in only with an organizer's invitation for one's address."""
    return _category_list(meeting, "invitation_categories")


async def scheduled_sessions(meeting_id: int) -> list[dict]:
    """The meeting's scheduled sessions with their room's name, in time order: what a person's
    agenda (`meeting_span`) and the sessions they may choose are made of."""
    return await (
        MeetingSession.select(
            MeetingSession.all_columns(), MeetingSession.room.name.as_alias("room_name")
        )
        .where((MeetingSession.meeting == meeting_id) & (MeetingSession.status == "scheduled"))
        .order_by(MeetingSession.starts_at)
        .order_by(MeetingSession.id)
    )


async def choosable_sessions(meeting_id: int) -> dict[int, dict]:
    """The sessions a participant may sign up for: scheduled ones, breaks aside, in time order."""
    rows = await scheduled_sessions(meeting_id)
    return {row["id"]: row for row in rows if row["kind"] != "break"}


async def get_by_token(token: str) -> dict:
    # Tokens are 43 characters; anything else is not one of ours and needs no query.
    if not token or len(token) > 64:
        raise NotFound(gettext("There is no registration at this address."))
    row = await Registration.select().where(Registration.token == token).first()
    if row is None:
        raise NotFound(gettext("There is no registration at this address."))
    return row


async def waitlist_position(registration: dict) -> int | None:
    """1 for the first in line; None when the registration is not waiting."""
    if registration["status"] != "waitlisted" or registration["waitlist_seq"] is None:
        return None
    condition = (
        (Registration.meeting == registration["meeting"])
        & (Registration.status == "waitlisted")
        & (Registration.waitlist_seq <= registration["waitlist_seq"])
    )
    meeting = await Meeting.select(Meeting.mode).where(Meeting.id == registration["meeting"])
    if meeting and is_hybrid(meeting[0]):  # each attendance has its own waiting list
        condition &= Registration.attendance == registration.get("attendance", "in_person")
    return await Registration.count().where(condition)


async def session_choices(meeting_id: int, registration: dict | None) -> list[SessionChoice]:
    sessions = await choosable_sessions(meeting_id)
    return await _session_choices(sessions, registration)


async def _session_choices(
    sessions: Mapping[int, dict], registration: dict | None
) -> list[SessionChoice]:
    if not sessions:
        return []
    capped = [sid for sid, row in sessions.items() if row["capacity"] is not None]
    taken: dict[int, int] = {}
    if capped:
        rows = (
            await SessionAttendance.select(SessionAttendance.meeting_session, Count())
            .where(
                SessionAttendance.meeting_session.is_in(capped)
                & (SessionAttendance.status == "confirmed")
            )
            .group_by(SessionAttendance.meeting_session)
        )
        taken = {row["meeting_session"]: row["count"] for row in rows}
    mine: dict[int, dict] = {}
    if registration is not None:
        rows = await SessionAttendance.select().where(
            SessionAttendance.registration == registration["id"]
        )
        mine = {row["meeting_session"]: row for row in rows}
    choices = []
    for sid, row in sessions.items():
        attendance = mine.get(sid)
        position = None
        if (
            attendance is not None
            and attendance["status"] == "waitlisted"
            and registration is not None
            and registration["status"] == "confirmed"
        ):
            position = await _session_position(attendance)
        capacity = row["capacity"]
        choices.append(
            SessionChoice(
                id=sid,
                title=row["title"],
                kind=row["kind"],
                starts_at=row["starts_at"],
                ends_at=row["ends_at"],
                room_name=row.get("room_name") or "",
                capacity=capacity,
                places_left=None if capacity is None else max(0, capacity - taken.get(sid, 0)),
                chosen=attendance is not None,
                status=attendance["status"] if attendance else None,
                position=position,
                translations=content.load(row.get("translations")),
                interpretation=language_codes(row.get("interpretation")),
            )
        )
    return choices


async def _session_position(attendance: dict) -> int:
    """Rank among those waiting for the session whose registration is confirmed (the others wait
    for their registration first)."""
    return await SessionAttendance.count().where(
        (SessionAttendance.meeting_session == attendance["meeting_session"])
        & (SessionAttendance.status == "waitlisted")
        & (SessionAttendance.waitlist_seq <= attendance["waitlist_seq"])
        & (SessionAttendance.registration.status == "confirmed")
    )


async def registration_view(token: str, *, now: datetime) -> RegistrationView:
    registration = await get_by_token(token)
    meeting = await Meeting.select().where(Meeting.id == registration["meeting"]).first()
    if meeting is None:  # pragma: no cover - the foreign key cascades
        raise NotFound(gettext("There is no registration at this address."))
    return RegistrationView(
        registration=registration,
        meeting=meeting,
        waitlist_position=await waitlist_position(registration),
        sessions=await session_choices(meeting["id"], registration),
        registration_open=registration_is_open(meeting, now),
    )


async def meeting_span(meeting: dict) -> MeetingSpan:
    """When the meeting happens, and its scheduled sessions (what a person's agenda is made of)."""
    sessions = tuple(await scheduled_sessions(meeting["id"]))
    if not sessions:
        return MeetingSpan(meeting["timezone"], meeting["starts_on"], meeting["ends_on"])
    return MeetingSpan(
        meeting["timezone"],
        meeting["starts_on"],
        meeting["ends_on"],
        starts_at=sessions[0]["starts_at"],
        ends_at=max(row["ends_at"] for row in sessions),
        sessions=sessions,
    )


async def places_held(registration_id: int) -> frozenset[int]:
    """The sessions in which the registration holds a place (not those it waits for)."""
    rows = await SessionAttendance.select(SessionAttendance.meeting_session).where(
        (SessionAttendance.registration == registration_id)
        & (SessionAttendance.status == "confirmed")
    )
    return frozenset(row["meeting_session"] for row in rows)


async def _result(registration: dict, changed: tuple[str, ...] = ()) -> RegistrationResult:
    return RegistrationResult(
        registration=registration,
        waitlist_position=await waitlist_position(registration),
        sessions=await session_choices(registration["meeting"], registration),
        changed=changed,
    )


async def recipe_registration(recipe: dict) -> tuple[dict, dict]:
    """The registration and meeting an email queued as a recipe is about, the registration with the
    status the email tells of (even if it has moved on since: its own email follows). LookupError
    when the registration no longer exists."""
    registration = (
        await Registration.select().where(Registration.id == recipe["registration"]).first()
    )
    if registration is None:
        raise LookupError(f"registration {recipe['registration']} no longer exists")
    registration["status"] = recipe["status"]
    meeting = await Meeting.select().where(Meeting.id == registration["meeting"]).first()
    return registration, meeting
