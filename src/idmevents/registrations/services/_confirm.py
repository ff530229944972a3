""" "Confirm your address first": a meeting's places held until their people confirm their address.

In a meeting with `confirm_email_first`, a new registration takes its seat or waiting-list place
at once, with `unconfirmed_until` set `confirm_within_hours` ahead, and its email carries a
confirmation link (`urls.confirm_address`). Following it (`confirm_address`) clears the mark. The
worker's chore (`release_unconfirmed`, registered by `wiring`) cancels whatever is still
unconfirmed past its deadline, one registration per transaction under the meeting lock, as any
cancellation: a seat it frees goes to the next one waiting at once, who is emailed once. Both
verbs re-read the mark under the lock, so a confirmation racing the release wins or loses whole.
"""

from __future__ import annotations

from datetime import datetime

from idmevents import audit, db
from idmevents.audit import PARTICIPANT, SYSTEM, Actor
from idmevents.errors import Conflict
from idmevents.i18n import gettext
from idmevents.registrations.labels import ACTIVE_STATUSES
from idmevents.registrations.services._decisions import _end_locked, _Ending
from idmevents.registrations.services._locks import _lock_registration
from idmevents.registrations.tables import Registration
from idmevents.registrations.views import get_by_token

# The most the worker releases in one run: the rest waits for the next run, a minute later.
RELEASE_BATCH = 200


async def confirm_address(token: str, *, now: datetime) -> dict:
    """The person behind the private link confirms their address: their place is theirs to keep.
    Confirming again changes nothing; a registration already released cannot be confirmed
    (Conflict): it is cancelled, its place gone to someone else."""
    registration = await get_by_token(token)
    _check_active(registration)
    if registration["unconfirmed_until"] is None:
        return registration
    async with db.write_transaction():
        registration, meeting = await _lock_registration(registration["id"])
        _check_active(registration)  # released while we waited for the lock
        if registration["unconfirmed_until"] is None:
            return registration
        await Registration.update(
            {Registration.unconfirmed_until: None, Registration.updated_at: now}
        ).where(Registration.id == registration["id"])
        await audit.write(
            PARTICIPANT,
            "registration.address_confirmed",
            "registration",
            registration["id"],
            meeting_slug=meeting.row["slug"],
            now=now,
        )
    return registration | {"unconfirmed_until": None, "updated_at": now}


def _check_active(registration: dict) -> None:
    if registration["status"] not in ACTIVE_STATUSES:
        raise Conflict(
            gettext("This registration was cancelled: there is nothing left to confirm."),
            reason="not-active",
        )


async def release_unconfirmed(now: datetime, *, by: Actor = SYSTEM) -> list[int]:
    """Cancel the registrations still unconfirmed past their deadline; the ids released."""
    due = (
        await Registration.select(Registration.id)
        .where(
            (Registration.unconfirmed_until <= now)
            & Registration.status.is_in(list(ACTIVE_STATUSES))
        )
        .order_by(Registration.unconfirmed_until)
        .limit(RELEASE_BATCH)
    )
    released = []
    for row in due:
        async with db.write_transaction():
            registration, meeting = await _lock_registration(row["id"])
            deadline = registration["unconfirmed_until"]
            # Confirmed or cancelled while we waited for the lock: nothing to release.
            if deadline is None or deadline > now or registration["status"] not in ACTIVE_STATUSES:
                continue
            ending = _Ending(
                "cancelled",
                {Registration.cancelled_at: now, Registration.unconfirmed_until: None},
                {"not_confirmed": True, "by_organizer": False},
                summary="address not confirmed in time: place released",
                action="registration.released_unconfirmed",
            )
            await _end_locked(registration, meeting, ending, by=by, now=now)
            released.append(row["id"])
    return released
