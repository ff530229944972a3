"""An organizer's or the owner's decisions: approve, reject, cancel, reinstate, reconsider."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from idmevents import db
from idmevents.audit import PARTICIPANT, Actor
from idmevents.errors import Conflict, InvalidInput
from idmevents.i18n import gettext
from idmevents.meetings.services import registration_is_open
from idmevents.registrations import emails
from idmevents.registrations.labels import ACTIVE_STATUSES
from idmevents.registrations.services._locks import (
    _lock_registration,
    _Meeting,
    _next_waitlist_seq,
)
from idmevents.registrations.services._record import _audit_change, _queue_with_place
from idmevents.registrations.services._register import _closed_conflict
from idmevents.registrations.services._seats import (
    _confirm,
    _decide,
    _drop_sessions,
    _fill_seats,
    _past_last_seat,
)
from idmevents.registrations.tables import Registration
from idmevents.registrations.views import (
    RegistrationResult,
    _result,
    places_held,
    session_choices,
    waitlist_position,
)
from idmevents.validation import check_text

# The reason a person reads when their registration is turned down.
REJECTION_REASON_MAX = 2000


@dataclass(frozen=True)
class _Ending:
    """How a registration ends: its status (also the kind of email the person gets), the columns
    set with it, what the email says, and the audit entry's summary and action (by default
    `registration.<status>`)."""

    status: str
    changes: dict
    email_context: dict
    summary: str = ""
    action: str = ""


async def approve(
    registration_id: int, *, by: Actor, now: datetime, over_capacity: bool = False
) -> RegistrationResult:
    """Approve a pending registration: confirmed if a seat is free, else last on the waiting list.

    With `over_capacity` an organizer confirms the person even when every seat is taken (a head
    of delegation approved late); the audit entry says the meeting went over its capacity.
    """
    async with db.write_transaction():
        registration, meeting = await _lock_registration(
            registration_id,
            "pending",
            gettext("Only a registration awaiting approval can be approved."),
        )
        await _fill_seats(meeting, now=now)
        beyond = await _past_last_seat(meeting, registration, now)
        if beyond is None or over_capacity:
            registration = await _confirm(
                registration, meeting, now=now, email_kind="approved", by=by, beyond=beyond
            )
        else:
            seq = await _next_waitlist_seq(meeting.id)
            await Registration.update(
                {
                    Registration.status: "waitlisted",
                    Registration.waitlist_seq: seq,
                    Registration.updated_at: now,
                }
            ).where(Registration.id == registration_id)
            registration = registration | {
                "status": "waitlisted",
                "waitlist_seq": seq,
                "updated_at": now,
            }
            await _queue_with_place(
                "approved",
                registration,
                meeting,
                now=now,
                sessions=await session_choices(meeting.id, registration),
            )
            await _audit_change(
                by,
                "registration.approved",
                registration,
                meeting,
                now=now,
                summary="approved onto the waiting list",
            )
        return await _result(registration)


async def reject(
    registration_id: int, reason: str, *, by: Actor, now: datetime
) -> RegistrationResult:
    """Turn a registration down with a reason the person will read; a confirmed seat moves on."""
    values = {"reason": reason}
    errors: dict[str, str] = {}
    check_text(errors, values, "reason", REJECTION_REASON_MAX, required=False, lines="multi_line")
    reason = values["reason"]
    if not errors and not reason:
        errors["reason"] = gettext("Give the reason: the person will read it.")
    if errors:
        raise InvalidInput(gettext("Some fields need your attention."), fields=errors)
    ending = _Ending(
        "rejected", {Registration.rejection_reason: reason}, {"reason": reason}, reason
    )
    return await _end_registration(registration_id, ending, by=by, now=now)


async def cancel(registration_id: int, *, by: Actor, now: datetime) -> RegistrationResult:
    """Cancel a registration (by its owner, or removed by an organizer); a confirmed seat moves on."""
    ending = _Ending(
        "cancelled", {Registration.cancelled_at: now}, {"by_organizer": by != PARTICIPANT}
    )
    return await _end_registration(registration_id, ending, by=by, now=now)


async def _end_registration(
    registration_id: int, ending: _Ending, *, by: Actor, now: datetime
) -> RegistrationResult:
    """Cancel or reject: the status, the person's session places, their email, the audit entry,
    and — when they held a seat — the waiting list moving up, all in one transaction."""
    async with db.write_transaction():
        registration, meeting = await _lock_registration(registration_id)
        registration = await _end_locked(registration, meeting, ending, by=by, now=now)
        return await _result(registration)


async def _end_locked(
    registration: dict, meeting: _Meeting, ending: _Ending, *, by: Actor, now: datetime
) -> dict:
    """`_end_registration` inside the caller's transaction, the meeting locked."""
    if registration["status"] not in ACTIVE_STATUSES:
        raise Conflict(
            gettext("This registration is already cancelled or turned down."),
            reason="not-active",
        )
    was_confirmed = registration["status"] == "confirmed"
    await Registration.update(
        {Registration.status: ending.status, Registration.updated_at: now, **ending.changes}
    ).where(Registration.id == registration["id"])
    registration = registration | {
        "status": ending.status,
        "updated_at": now,
        **{column._meta.name: value for column, value in ending.changes.items()},
    }
    # The calendar's cancellation takes away the person's agenda as it stood: read it first.
    held = await places_held(registration["id"])
    await _drop_sessions(registration, now=now)
    await emails.queue(
        ending.status,
        registration,
        meeting.row,
        span=await meeting.span() if was_confirmed else None,
        now=now,
        registration_open=registration_is_open(meeting.row, now),
        invitation="CANCEL" if was_confirmed else None,
        chosen=held,
        **ending.email_context,
    )
    action = ending.action or f"registration.{ending.status}"
    await _audit_change(by, action, registration, meeting, now=now, summary=ending.summary)
    if was_confirmed:
        await _fill_seats(meeting, now=now)
    return registration


async def reinstate(
    registration_id: int, *, now: datetime, by: Actor = PARTICIPANT
) -> RegistrationResult:
    """Take up a registration that ended.

    Its owner may take up a cancelled registration while registration is open. It is decided like
    a new one: pending if its category needs approval, else confirmed if a seat is free, else last
    on the waiting list; they get the email a newcomer would.

    An organizer may do the same when registration is closed (the meeting not cancelled), and may
    also reconsider a rejected registration: it goes back to pending whatever its category, its
    rejection reason cleared, and the person is told that it is being reconsidered. Its seat is
    then decided by approving it, where the organizer sees whether one is free and chooses whether
    to go beyond the capacity, rather than here, unseen.
    """
    organizer = by != PARTICIPANT
    async with db.write_transaction():
        registration, meeting = await _lock_registration(registration_id)
        status = registration["status"]
        if organizer and status not in ("cancelled", "rejected"):
            raise Conflict(
                gettext("Only a cancelled or rejected registration can be reinstated."),
                reason="active",
            )
        if not organizer and status != "cancelled":
            raise Conflict(
                gettext("Only a cancelled registration can be taken up again."),
                reason="not-cancelled",
            )
        if organizer and meeting.row["status"] == "cancelled":
            raise Conflict(
                gettext("The meeting is cancelled: its registrations cannot be taken up again."),
                reason="meeting-cancelled",
            )
        if not organizer and not registration_is_open(meeting.row, now):
            raise _closed_conflict(meeting.row, now)
        if status == "rejected":
            return await _reconsider(registration, meeting, by=by, now=now)
        status, seq = await _decide(
            meeting, registration["category"], now=now, attendance=registration["attendance"]
        )
        changes = {
            Registration.status: status,
            Registration.waitlist_seq: seq,
            Registration.cancelled_at: None,
            Registration.updated_at: now,
            Registration.confirmed_at: now if status == "confirmed" else None,
        }
        await Registration.update(changes).where(Registration.id == registration_id)
        registration = registration | {
            column._meta.name: value for column, value in changes.items()
        }
        position = await waitlist_position(registration)
        choices = await session_choices(meeting.id, registration)
        await emails.queue_announcement(
            registration, now=now, position=position, with_sessions=True
        )
        await _audit_change(
            by, "registration.reinstated", registration, meeting, now=now, summary=status
        )
        return RegistrationResult(registration, position, choices)


async def _reconsider(
    registration: dict, meeting: _Meeting, *, by: Actor, now: datetime
) -> RegistrationResult:
    """A rejected registration back among those awaiting approval (see `reinstate`)."""
    changes = {
        Registration.status: "pending",
        Registration.waitlist_seq: None,
        Registration.rejection_reason: "",
        Registration.confirmed_at: None,
        Registration.updated_at: now,
    }
    await Registration.update(changes).where(Registration.id == registration["id"])
    reason = registration["rejection_reason"]
    registration = registration | {column._meta.name: value for column, value in changes.items()}
    await emails.queue("reconsidered", registration, meeting.row, span=None, now=now)
    await _audit_change(
        by,
        "registration.reconsidered",
        registration,
        meeting,
        now=now,
        summary="rejection withdrawn: pending",
        data={"rejection_reason": reason},
    )
    return await _result(registration)
