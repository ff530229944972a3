"""The desk's counts: seats by category and by session, and the sessions and countries a
meeting's registrations can be filtered by."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime

from piccolo.query.functions.aggregate import Count

from idmevents.meetings.tables import MeetingSession
from idmevents.registrations import services
from idmevents.registrations.labels import ACTIVE_STATUSES, CATEGORIES, category_label
from idmevents.registrations.tables import Registration, SessionAttendance


async def session_places(
    meeting_id: int, registration_ids: list[int] | None = None
) -> dict[int, list[dict]]:
    """Registration id → the sessions it chose (id, title, starts_at, status, in time order), for
    the meeting's registrations or only those of a page (a page is short: IN (...) is fine)."""
    if registration_ids is not None and not registration_ids:
        return {}
    query = (
        SessionAttendance.select(
            SessionAttendance.registration,
            SessionAttendance.status,
            SessionAttendance.meeting_session.id.as_alias("session_id"),
            SessionAttendance.meeting_session.title.as_alias("title"),
            SessionAttendance.meeting_session.starts_at.as_alias("starts_at"),
        )
        .where(SessionAttendance.meeting_session.meeting == meeting_id)
        .order_by(SessionAttendance.meeting_session.starts_at)
        .order_by(SessionAttendance.meeting_session.id)
    )
    if registration_ids is not None:
        query = query.where(SessionAttendance.registration.is_in(registration_ids))
    rows = await query
    places: dict[int, list[dict]] = {}
    for row in rows:
        places.setdefault(row.pop("registration"), []).append(row)
    return places


# ---------------------------------------------------------------------------------------------
# Counts


@dataclass(frozen=True)
class CategoryCount:
    category: str
    label: str
    counts: dict[str, int]

    @property
    def total(self) -> int:
        return sum(self.counts.values())


@dataclass(frozen=True)
class SessionCount:
    id: int
    title: str
    starts_at: datetime
    capacity: int | None
    taken: int  # confirmed places
    waiting: int  # on the session's waiting list: their registration is confirmed
    # Chosen by registrations not yet decided (pending or waiting for a seat): decided with them,
    # so neither a place taken nor a place in the session's line.
    requested: int = 0

    @property
    def places_left(self) -> int | None:
        return None if self.capacity is None else max(0, self.capacity - self.taken)


@dataclass(frozen=True)
class DeskCounts:
    capacity: int | None
    by_status: dict[str, int]
    categories: list[CategoryCount] = field(default_factory=list)
    sessions: list[SessionCount] = field(default_factory=list)

    @property
    def total(self) -> int:
        return sum(self.by_status.values())

    @property
    def taken(self) -> int:
        return self.by_status["confirmed"]

    @property
    def seats_left(self) -> int | None:
        return None if self.capacity is None else max(0, self.capacity - self.taken)

    @property
    def over_capacity(self) -> int:
        """Seats confirmed beyond the capacity (organizers' overrides)."""
        return 0 if self.capacity is None else max(0, self.taken - self.capacity)

    @property
    def full(self) -> bool:
        return self.capacity is not None and self.taken >= self.capacity

    @property
    def waiting(self) -> int:
        return self.by_status["waitlisted"]


async def meeting_counts(meeting: dict) -> DeskCounts:
    """The meeting's registrations by status, by category and status, and its sessions' places."""
    rows = (
        await Registration.select(Registration.category, Registration.status, Count(alias="n"))
        .where(Registration.meeting == meeting["id"])
        .group_by(Registration.category, Registration.status)
    )
    by_status = dict.fromkeys(services.STATUSES, 0)
    by_category: dict[str, dict[str, int]] = {}
    for row in rows:
        by_status[row["status"]] = by_status.get(row["status"], 0) + row["n"]
        counts = by_category.setdefault(row["category"], dict.fromkeys(services.STATUSES, 0))
        counts[row["status"]] = counts.get(row["status"], 0) + row["n"]
    categories = [
        CategoryCount(code, category_label(code), by_category[code])
        for code in (*CATEGORIES, *sorted(set(by_category) - set(CATEGORIES)))
        if code in by_category
    ]
    sessions = await services.choosable_sessions(meeting["id"])
    places = (
        await SessionAttendance.select(
            SessionAttendance.meeting_session,
            SessionAttendance.status,
            SessionAttendance.registration.status.as_alias("registration_status"),
            Count(alias="n"),
        )
        .where(SessionAttendance.meeting_session.is_in(list(sessions) or [0]))
        .group_by(
            SessionAttendance.meeting_session,
            SessionAttendance.status,
            SessionAttendance.registration.status,
        )
    )
    taken: dict[tuple[int, str], int] = defaultdict(int)
    for row in places:
        if row["status"] == "waitlisted" and row["registration_status"] != "confirmed":
            # Not in the session's line yet: the choice is decided with the registration.
            kind = "requested" if row["registration_status"] in ACTIVE_STATUSES else "gone"
        else:
            kind = row["status"]
        taken[(row["meeting_session"], kind)] += row["n"]
    return DeskCounts(
        capacity=meeting["capacity"],
        by_status=by_status,
        categories=categories,
        sessions=[
            SessionCount(
                id=sid,
                title=row["title"],
                starts_at=row["starts_at"],
                capacity=row["capacity"],
                taken=taken.get((sid, "confirmed"), 0),
                waiting=taken.get((sid, "waitlisted"), 0),
                requested=taken.get((sid, "requested"), 0),
            )
            for sid, row in sessions.items()
        ],
    )


async def meeting_sessions(meeting_id: int) -> list[dict]:
    """The meeting's sessions (breaks aside), for the session filter; cancelled ones too."""
    return (
        await MeetingSession.select(
            MeetingSession.id, MeetingSession.title, MeetingSession.starts_at, MeetingSession.status
        )
        .where((MeetingSession.meeting == meeting_id) & (MeetingSession.kind != "break"))
        .order_by(MeetingSession.starts_at)
        .order_by(MeetingSession.id)
    )


async def meeting_countries(meeting_id: int) -> list[str]:
    """The countries the meeting's registrations name, for the country filter."""
    rows = (
        await Registration.select(Registration.country)
        .where((Registration.meeting == meeting_id) & (Registration.country != ""))
        .distinct()
    )
    return sorted(row["country"] for row in rows)


# ---------------------------------------------------------------------------------------------
# One registration
