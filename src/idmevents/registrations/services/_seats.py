"""Seats and session places: who is confirmed, who moves up from a waiting list, and when."""

from __future__ import annotations

from datetime import datetime

from piccolo.query.functions.aggregate import Max

from idmevents import db
from idmevents.audit import SYSTEM, Actor
from idmevents.errors import Conflict, InvalidInput
from idmevents.i18n import gettext
from idmevents.meetings.tables import Meeting, MeetingSession
from idmevents.registrations import emails
from idmevents.registrations.services._locks import (
    _lock_meeting,
    _lock_registration,
    _Meeting,
    _next_waitlist_seq,
    _seats_left,
    _status_counts,
)
from idmevents.registrations.services._record import _audit_change
from idmevents.registrations.tables import Registration, SessionAttendance
from idmevents.registrations.views import (
    ATTENDANCES,
    RegistrationResult,
    _result,
    approval_categories,
    in_pool,
    is_hybrid,
    seat_pool,
    session_choices,
)


async def _fill_seats(meeting: _Meeting, *, now: datetime) -> None:
    """Give every free seat to the next on the waiting list, in order, and tell each of them.
    A hybrid meeting fills its room and its online places, each from its own waiting list."""
    for pool in meeting.pools:
        await _fill_pool(meeting, pool, now=now)


async def _fill_pool(meeting: _Meeting, pool: str | None, *, now: datetime) -> None:
    capacity = meeting.capacity_of(pool)
    if capacity is None:
        waiting_limit = None
    else:
        counts = await _status_counts(meeting.id, pool)
        free = await _seats_left(meeting, counts, now, pool)
        if free <= 0 or not counts.get("waitlisted"):
            return
        waiting_limit = free
    query = (
        Registration.select()
        .where((Registration.meeting == meeting.id) & (Registration.status == "waitlisted"))
        .order_by(Registration.waitlist_seq)
    )
    if pool is not None:
        query = query.where(in_pool(pool))
    if waiting_limit is not None:
        query = query.limit(waiting_limit)
    for registration in await query:
        await _confirm(registration, meeting, now=now, email_kind="promoted", by=SYSTEM)


async def _confirm(
    registration: dict,
    meeting: _Meeting,
    *,
    now: datetime,
    email_kind: str,
    by: Actor,
    beyond: dict[str, int] | None = None,
) -> dict:
    await Registration.update(
        {
            Registration.status: "confirmed",
            Registration.confirmed_at: now,
            Registration.updated_at: now,
        }
    ).where(Registration.id == registration["id"])
    registration = registration | {"status": "confirmed", "confirmed_at": now, "updated_at": now}
    await _settle_sessions_of(registration, now=now)
    await emails.queue(
        email_kind,
        registration,
        meeting.row,
        span=await meeting.span(),
        now=now,
        sessions=await session_choices(meeting.id, registration),
        invitation="REQUEST",
    )
    summary = f"{registration['given_name']} {registration['family_name']} confirmed"
    if beyond is not None:
        summary += f" beyond capacity ({beyond['confirmed']} of {beyond['capacity']} seats)"
    await _audit_change(
        by,
        f"registration.{email_kind}",
        registration,
        meeting,
        now=now,
        summary=summary,
        data={"over_capacity": beyond} if beyond is not None else None,
    )
    return registration


async def _settle_sessions_of(registration: dict, *, now: datetime) -> None:
    """A registration just confirmed: its waiting session choices take the free places."""
    waiting = await SessionAttendance.select(SessionAttendance.meeting_session).where(
        (SessionAttendance.registration == registration["id"])
        & (SessionAttendance.status == "waitlisted")
    )
    for row in waiting:
        # Its own confirmation email lists its sessions: no separate email for these.
        await _settle_session(row["meeting_session"], now=now, quiet={registration["id"]})


async def _settle_session(session_id: int, *, now: datetime, quiet: set[int] = frozenset()) -> None:
    """Give the session's free places to those waiting whose registration is confirmed, in order."""
    session = await MeetingSession.select().where(MeetingSession.id == session_id).first()
    if session is None:
        return
    if session["capacity"] is None:
        free = None
    else:
        taken = await SessionAttendance.count().where(
            (SessionAttendance.meeting_session == session_id)
            & (SessionAttendance.status == "confirmed")
        )
        free = session["capacity"] - taken
        if free <= 0:
            return
    query = (
        SessionAttendance.select(
            SessionAttendance.id, SessionAttendance.registration.id.as_alias("registration_id")
        )
        .where(
            (SessionAttendance.meeting_session == session_id)
            & (SessionAttendance.status == "waitlisted")
            & (SessionAttendance.registration.status == "confirmed")
        )
        .order_by(SessionAttendance.waitlist_seq)
    )
    if free is not None:
        query = query.limit(free)
    promoted = await query
    if not promoted:
        return
    await SessionAttendance.update({SessionAttendance.status: "confirmed"}).where(
        SessionAttendance.id.is_in([row["id"] for row in promoted])
    )
    told = [row["registration_id"] for row in promoted if row["registration_id"] not in quiet]
    if not told:
        return
    # Two queries for all of them, not two per person.
    meeting = await Meeting.select().where(Meeting.id == session["meeting"]).first()
    registrations = await Registration.select().where(Registration.id.is_in(told))
    by_id = {registration["id"]: registration for registration in registrations}
    for registration_id in told:
        registration = by_id[registration_id]
        await emails.queue(
            "session-promoted",
            registration,
            meeting,
            span=None,
            now=now,
            session=session,
        )


async def _add_session_choice(
    registration: dict, session: dict, *, now: datetime
) -> SessionAttendance:
    if session["capacity"] is None:
        status, seq = "confirmed", None
    else:
        # Anyone confirmed still waiting for a place was there first.
        await _settle_session(session["id"], now=now)
        taken = await SessionAttendance.count().where(
            (SessionAttendance.meeting_session == session["id"])
            & (SessionAttendance.status == "confirmed")
        )
        if registration["status"] == "confirmed" and taken < session["capacity"]:
            status, seq = "confirmed", None
        else:
            top = await SessionAttendance.select(
                Max(SessionAttendance.waitlist_seq, alias="top")
            ).where(SessionAttendance.meeting_session == session["id"])
            status, seq = "waitlisted", (top[0]["top"] or 0) + 1
    await SessionAttendance.insert(
        SessionAttendance(
            registration=registration["id"],
            meeting_session=session["id"],
            status=status,
            waitlist_seq=seq,
            created_at=now,
        )
    ).on_conflict(action="DO NOTHING")


async def _drop_sessions(
    registration: dict, *, now: datetime, only: set[int] | None = None
) -> None:
    """Remove the registration's session choices (all, or `only` those) and pass on the places."""
    query = SessionAttendance.select().where(SessionAttendance.registration == registration["id"])
    rows = await query
    if only is not None:
        rows = [row for row in rows if row["meeting_session"] in only]
    if not rows:
        return
    await SessionAttendance.delete().where(SessionAttendance.id.is_in([row["id"] for row in rows]))
    for row in rows:
        if row["status"] == "confirmed":
            await _settle_session(row["meeting_session"], now=now)


async def _decide(
    meeting: _Meeting, category: str, *, now: datetime, attendance: str = "in_person"
) -> tuple[str, int | None]:
    """The status a newcomer gets (and their waiting-list number), the meeting being locked.
    In a hybrid meeting, the seats and waiting list of their `attendance`."""
    if category in approval_categories(meeting.row):
        return "pending", None
    pool = seat_pool(meeting.row, attendance)
    capacity = meeting.capacity_of(pool)
    if capacity is None:
        return "confirmed", None
    counts = await _status_counts(meeting.id, pool)
    if counts.get("waitlisted") and await _seats_left(meeting, counts, now, pool) > 0:
        # Seats came free without anyone moving up (the capacity was raised, held seats were
        # released): those waiting were here first.
        await _fill_pool(meeting, pool, now=now)
        counts = await _status_counts(meeting.id, pool)
    # Seats held for delegations are not free, even when nobody sits in them yet.
    if await _seats_left(meeting, counts, now, pool) > 0:
        return "confirmed", None
    return "waitlisted", await _next_waitlist_seq(meeting.id)


async def promote(
    registration_id: int, *, by: Actor, now: datetime, over_capacity: bool = False
) -> RegistrationResult:
    """An organizer moves someone from the waiting list to a seat, out of turn if they choose.

    Without `over_capacity` there must be a free seat; with it, the meeting may go over its
    capacity (a speaker's assistant, a late head of delegation).
    """
    async with db.write_transaction():
        registration, meeting = await _lock_registration(
            registration_id,
            "waitlisted",
            gettext("Only a registration on the waiting list can be promoted."),
        )
        beyond = await _past_last_seat(meeting, registration, now)
        if beyond is not None and not over_capacity:
            raise Conflict(
                gettext("The meeting is full: there is no free seat to promote anyone to."),
                reason="full",
            )
        registration = await _confirm(
            registration, meeting, now=now, email_kind="promoted", by=by, beyond=beyond
        )
        return await _result(registration)


async def _past_last_seat(meeting: _Meeting, registration: dict, now: datetime) -> dict | None:
    """None while the person's seat pool has a free seat; else what the audit log keeps of
    confirming them past the last one: the seats taken after it, and the capacity."""
    pool = meeting.pool_of(registration)
    counts = await _status_counts(meeting.id, pool)
    left = await _seats_left(meeting, counts, now, pool)
    if left is None or left > 0:
        return None
    return {"confirmed": counts.get("confirmed", 0) + 1, "capacity": meeting.capacity_of(pool) or 0}


async def fill_free_seats(meeting_id: int, *, now: datetime) -> None:
    """After an organizer raises the capacity: the waiting list moves up into the new seats."""
    async with db.write_transaction():
        meeting = await _lock_meeting(meeting_id)
        await _fill_seats(meeting, now=now)


async def change_attendance(
    registration_id: int, attendance: str, *, by: Actor, now: datetime
) -> RegistrationResult:
    """A participant of a hybrid meeting switches between the room and online, while there is
    room: a confirmed person keeps a confirmed place only if the other side has a free one (nobody
    waiting there is passed over: a free place with people waiting is theirs first); someone
    waiting moves to the other side's seat if one is free, else keeps their place in line on
    their own side; someone awaiting approval just changes their choice. The place left behind
    goes to the next on that side's waiting list."""
    if attendance not in ATTENDANCES:
        raise InvalidInput(fields={"attendance": gettext("Choose in person or online.")})
    async with db.write_transaction():
        registration, meeting = await _lock_registration(registration_id)
        if not is_hybrid(meeting.row):
            raise Conflict(
                gettext("This meeting is not hybrid: there is nothing to choose."),
                reason="not-hybrid",
            )
        if registration["attendance"] == attendance:
            return await _result(registration)
        status = registration["status"]
        if status in ("cancelled", "rejected"):
            raise Conflict(gettext("This registration is no longer active."), reason="not-active")
        free = True
        if status in ("confirmed", "waitlisted"):
            await _fill_pool(meeting, attendance, now=now)
            capacity = meeting.capacity_of(attendance)
            counts = await _status_counts(meeting.id, attendance)
            free = capacity is None or counts.get("confirmed", 0) < capacity
        if status == "confirmed" and not free:
            raise Conflict(
                gettext("There is no free place there now: you keep your current place."),
                reason="full",
            )
        if status == "waitlisted" and not free:
            raise Conflict(
                gettext("There is no free place there now: you keep your place in line."),
                reason="full",
            )
        await Registration.update(
            {Registration.attendance: attendance, Registration.updated_at: now}
        ).where(Registration.id == registration_id)
        before = registration["attendance"]
        registration = registration | {"attendance": attendance, "updated_at": now}
        await _audit_change(
            by,
            "registration.attendance",
            registration,
            meeting,
            now=now,
            summary=f"{registration['given_name']} {registration['family_name']}: "
            f"{before} → {attendance}",
        )
        if status == "waitlisted":
            registration = await _confirm(
                registration, meeting, now=now, email_kind="promoted", by=by
            )
        if status == "confirmed":
            await _fill_pool(meeting, before, now=now)
        return await _result(registration)
