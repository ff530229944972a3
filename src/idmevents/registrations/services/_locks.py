"""The meeting lock every decision about seats takes, and what is read under it.

On PostgreSQL, triggers on `registration` keep each meeting's counts of confirmed and waiting
people in `registration_tally` (migration 2026-12-05T01:00:00), which `idmevents_register` reads
instead of counting. A status change locks that meeting's tally row: every path that changes a
status takes the meeting lock first, so the tally row is always locked second and never waited
for (the meeting lock already serialises its writers). Keep it so: a status changed before the
meeting is locked, in the same transaction, could deadlock with a registration."""

from __future__ import annotations

from piccolo.query.functions.aggregate import Count, Max

from idmevents import db
from idmevents.errors import Conflict, NotFound
from idmevents.i18n import gettext
from idmevents.meetings.tables import Meeting
from idmevents.registrations.invitation import MeetingSpan
from idmevents.registrations.labels import ACTIVE_STATUSES
from idmevents.registrations.tables import Registration, SeatHold
from idmevents.registrations.views import (
    ATTENDANCES,
    in_pool,
    is_hybrid,
    meeting_span,
    seat_pool,
)


class _Meeting:
    """The locked meeting row and what the emails of this transaction need to know about it."""

    def __init__(self, row: dict, span: MeetingSpan | None = None) -> None:
        self.row = row
        self.id: int = row["id"]
        self.capacity: int | None = row["capacity"]
        self._span = span

    @property
    def pools(self) -> tuple[str | None, ...]:
        """The seat pools (see `views.seat_pool`): one per attendance in a hybrid meeting."""
        return ATTENDANCES if is_hybrid(self.row) else (None,)

    def capacity_of(self, pool: str | None) -> int | None:
        """The seats of `pool`: the online places of a hybrid meeting, else its capacity."""
        return self.row.get("capacity_online") if pool == "online" else self.capacity

    def pool_of(self, registration: dict) -> str | None:
        return seat_pool(self.row, registration.get("attendance") or "in_person")

    async def span(self) -> MeetingSpan:
        if self._span is None:
            self._span = await meeting_span(self.row)
        return self._span


async def _registration_by_email(meeting_id: int, email_key: str) -> dict | None:
    return (
        await Registration.select()
        .where((Registration.meeting == meeting_id) & (Registration.email_key == email_key))
        .first()
    )


async def _lock_meeting(meeting_id: int, span: MeetingSpan | None = None) -> _Meeting:
    row = await db.locked(Meeting.select().where(Meeting.id == meeting_id)).first()
    if row is None:
        raise NotFound(gettext("This meeting no longer exists."))
    return _Meeting(row, span)


async def _lock_registration(
    registration_id: int, expected: str | None = None, refusal: str = ""
) -> tuple[dict, _Meeting]:
    """The registration and its meeting, the meeting locked first (the one lock order everywhere).

    With `expected`, a registration in another status is refused: Conflict(`refusal`, reason
    "not-<expected>")."""
    found = await db.first_found(
        Registration.select(Registration.meeting).where(Registration.id == registration_id),
        gettext("There is no such registration."),
    )
    meeting = await _lock_meeting(found["meeting"])
    registration = await Registration.select().where(Registration.id == registration_id).first()
    if registration is None:  # deleted while we waited for the lock
        raise NotFound(gettext("There is no such registration."))
    if expected is not None and registration["status"] != expected:
        raise Conflict(refusal, reason=f"not-{expected}")
    return registration, meeting


async def _status_counts(meeting_id: int, pool: str | None = None) -> dict[str, int]:
    """Registrations by status, of one seat pool (`views.seat_pool`) or of the whole meeting."""
    query = Registration.select(Registration.status, Count()).where(
        Registration.meeting == meeting_id
    )
    if pool is not None:
        query = query.where(in_pool(pool))
    rows = await query.group_by(Registration.status)
    return {row["status"]: row["count"] for row in rows}


async def _next_waitlist_seq(meeting_id: int) -> int:
    row = await Registration.select(Max(Registration.waitlist_seq, alias="top")).where(
        Registration.meeting == meeting_id
    )
    return (row[0]["top"] or 0) + 1 if row else 1


def holds_released(meeting_row: dict, now) -> bool:
    """Whether the meeting's held seats went back to everyone (its release date has passed)."""
    release = meeting_row.get("held_seats_release_at")
    return release is not None and now >= release


async def _held_seats(meeting: _Meeting, now) -> int:
    """Seats kept for holds and not yet taken by them, read under the meeting lock: the part of
    each hold's seats that its active registrations do not fill (0 once they are released)."""
    if holds_released(meeting.row, now):
        return 0
    holds = await SeatHold.select(SeatHold.id, SeatHold.seats).where(SeatHold.meeting == meeting.id)
    if not holds:
        return 0
    used = await (
        Registration.select(Registration.seat_hold, Count())
        .where(
            (Registration.meeting == meeting.id)
            & Registration.seat_hold.is_not_null()
            & Registration.status.is_in(list(ACTIVE_STATUSES))
        )
        .group_by(Registration.seat_hold)
    )
    taken = {row["seat_hold"]: row["count"] for row in used}
    return sum(max(0, hold["seats"] - taken.get(hold["id"], 0)) for hold in holds)


async def _seats_left(
    meeting: _Meeting, counts: dict[str, int], now, pool: str | None = None
) -> int | None:
    """Seats anyone may still take in `pool` (see `seat_pool`): its capacity less those confirmed
    there and, in the room, less the seats held for delegations (None: no limit)."""
    capacity = meeting.capacity_of(pool)
    if capacity is None:
        return None
    held = 0 if pool == "online" else await _held_seats(meeting, now)
    return capacity - counts.get("confirmed", 0) - held
