"""A newcomer's registration: checked, decided (in one statement on PostgreSQL), written, announced."""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

from idmevents import db
from idmevents.audit import PARTICIPANT
from idmevents.errors import Conflict
from idmevents.i18n import gettext
from idmevents.mail.message import new_message_id
from idmevents.mail.outbox import message_domain
from idmevents.mail.tables import OutboxMessage
from idmevents.meetings.services import registration_is_open
from idmevents.registrations import emails
from idmevents.registrations.services._forms import (
    RegistrationForm,
    _as_form,
    check_registration,
    normalize_email,
)
from idmevents.registrations.services._invitations import required_invitation, use_invitation
from idmevents.registrations.services._locks import _lock_meeting, _Meeting, _registration_by_email
from idmevents.registrations.services._record import _audit_change, _queue_with_place
from idmevents.registrations.services._seats import _add_session_choice, _decide
from idmevents.registrations.tables import Registration
from idmevents.registrations.views import (
    RegistrationResult,
    _session_choices,
    attendance_for,
    choosable_sessions,
    new_token,
    waitlist_position,
)

# Someone typing an address already registered gets its link again, but not more often than this:
# otherwise the form would be a way to fill a stranger's mailbox.
LINK_RESEND_INTERVAL = timedelta(minutes=5)


async def send_registration_link(meeting: dict, email: str, *, now: datetime) -> None:
    """Email the private link of the meeting's registration made with `email`, if there is one.

    "Find my registration": whoever asks gets the same answer, whether the address is registered
    or not, so the form tells no one who is registered; the link goes only to the registered
    mailbox, and not more than once per LINK_RESEND_INTERVAL (the form must not be a way to fill a
    stranger's mailbox). Addresses we could not mail are simply not found.
    """
    address = normalize_email(email)
    if address is None:
        return
    async with db.write_transaction():
        locked = await _lock_meeting(meeting["id"])
        registration = await _registration_by_email(locked.id, address.lower())
        if registration is not None:
            await _send_link_again(registration, locked, now=now, requested=True)


async def _send_link_again(
    registration: dict, meeting: _Meeting, *, now: datetime, requested: bool = False
) -> None:
    recent = await OutboxMessage.exists().where(
        (OutboxMessage.registration == registration["id"])
        & (OutboxMessage.kind == emails.kind_of("link"))
        & (OutboxMessage.created_at > now - LINK_RESEND_INTERVAL)
    )
    if recent:
        return
    await _queue_with_place("link", registration, meeting, now=now, requested=requested)


def unconfirmed_until(meeting: dict, now: datetime) -> datetime | None:
    """Until when a registration made `now` holds its place without its address confirmed
    (services/_confirm.py); None if the meeting does not ask for confirmation."""
    if not meeting.get("confirm_email_first"):
        return None
    return now + timedelta(hours=meeting.get("confirm_within_hours") or 24)


def _closed_conflict(meeting: dict, now: datetime) -> Conflict:
    opens = meeting["registration_opens_at"]
    if meeting["status"] == "published" and opens is not None and now < opens:
        message = gettext("Registration for this meeting is not open yet.")
    else:
        message = gettext("Registration for this meeting is closed.")
    return Conflict(message, reason="closed")


def _duplicate_conflict() -> Conflict:
    return Conflict(
        gettext(
            "This email address is already registered for this meeting. We have emailed the "
            "link to that registration again: use it to see or change it."
        ),
        reason="duplicate",
    )


async def register(
    meeting: dict,
    form: RegistrationForm | Mapping[str, Any],
    *,
    now: datetime,
    client_network: str = "",
) -> RegistrationResult:
    """Register a person for a meeting.

    Raises Conflict when registration is closed or the email is already registered (whose link is
    then emailed again), InvalidInput naming every bad field, Forbidden for an invitation-only
    category without a valid invitation for this address (which the registration uses up).
    `client_network` is the coarse network the request came from (desk/bursts.py), kept for the
    desk's suspicious bursts.
    """
    if not registration_is_open(meeting, now):
        raise _closed_conflict(meeting, now)
    if not isinstance(form, RegistrationForm):
        form = _as_form(form, RegistrationForm)
    # Read before the lock: every moment the meeting row is locked, other registrations wait.
    sessions = await choosable_sessions(meeting["id"]) if form.sessions else {}
    form = check_registration(form, sessions, meeting)
    invitation = await required_invitation(meeting, form)
    email_key = form.email.lower()
    # The one-statement function knows the plain case only: one pool of seats, in the room.
    # Nor a meeting that wants addresses confirmed first (the mark is written in Python).
    plain = (
        (meeting.get("mode") or "in_person") == "in_person"
        and invitation is None
        and not meeting.get("confirm_email_first")
    )
    if plain and not form.sessions and not db.is_sqlite():
        result = await _register_in_one_statement(
            meeting["id"], form, email_key, now=now, client_network=client_network
        )
        if result is not None:
            return result
    async with db.write_transaction():
        result = await _register_locked(
            meeting["id"],
            form,
            sessions,
            email_key,
            now=now,
            invitation=invitation,
            client_network=client_network,
        )
    # A duplicate leaves the transaction normally: the link it emailed again must be committed.
    if result is None:
        raise _duplicate_conflict()
    return result


def _new_registration(
    meeting_id: int, form: RegistrationForm, email_key: str, *, now: datetime, client_network: str
) -> dict:
    """The row of a newcomer, all but its status (`status`, `waitlist_seq`, `confirmed_at`)."""
    return {
        "meeting": meeting_id,
        "token": new_token(),
        "feed_token": new_token(),
        "honorific": form.honorific,
        "given_name": form.given_name,
        "family_name": form.family_name,
        "email": form.email,
        "email_key": email_key,
        "organization": form.organization,
        "position": form.position,
        "category": form.category,
        "country": form.country,
        "language": form.language,
        "accessibility_needs": form.accessibility_needs,
        "attendance": form.attendance or "in_person",
        "rejection_reason": "",
        "consented_at": now,
        "list_consent": form.list_consent,
        "created_at": now,
        "updated_at": now,
        "cancelled_at": None,
        "badge_printed_at": None,
        "client_network": client_network,
        "unconfirmed_until": None,
    }


async def _register_in_one_statement(
    meeting_id: int, form: RegistrationForm, email_key: str, *, now: datetime, client_network: str
) -> RegistrationResult | None:
    """PostgreSQL, no session chosen: decided and written by `idmevents_register` (see its
    migrations; it reads the meeting's counts from `registration_tally`, kept by triggers) in one
    round trip. None: a case it leaves to `_register_locked`."""
    values = _new_registration(meeting_id, form, email_key, now=now, client_network=client_network)
    text_values = {name: value for name, value in values.items() if isinstance(value, str)}
    text_values["list_consent"] = "true" if form.list_consent else "false"
    rows = await Registration.raw(
        "SELECT * FROM idmevents_register({}, {}, {}, {})",
        meeting_id,
        now,
        json.dumps(text_values),
        new_message_id(message_domain()),
    )
    outcome = rows[0]
    if outcome["outcome"] != "created":
        return None
    status = outcome["status"]
    registration = values | {
        "id": outcome["registration_id"],
        "status": status,
        "waitlist_seq": outcome["waitlist_seq"],
        "confirmed_at": now if status == "confirmed" else None,
    }
    return RegistrationResult(
        registration=registration, waitlist_position=outcome["waitlist_position"], sessions=[]
    )


async def _register_locked(
    meeting_id: int,
    form: RegistrationForm,
    sessions: Mapping[int, dict],
    email_key: str,
    *,
    now: datetime,
    invitation: dict | None = None,
    client_network: str = "",
) -> RegistrationResult | None:
    """The registration decided and written, or None for an email already registered."""
    locked = await _lock_meeting(meeting_id)
    if not registration_is_open(locked.row, now):
        raise _closed_conflict(locked.row, now)
    existing = await _registration_by_email(locked.id, email_key)
    if existing is not None:
        await _send_link_again(existing, locked, now=now)
        return None
    # Decided again under the lock: the meeting's mode may have changed since the form was read.
    attendance = attendance_for(locked.row, form.attendance or None)
    status, seq = await _decide(locked, form.category, now=now, attendance=attendance)
    values = _new_registration(
        locked.id, form, email_key, now=now, client_network=client_network
    ) | {
        "attendance": attendance,
        "status": status,
        "waitlist_seq": seq,
        "confirmed_at": now if status == "confirmed" else None,
        "unconfirmed_until": unconfirmed_until(locked.row, now),
    }
    # The unique index on (meeting, email_key) is the backstop: a twin that got past the check
    # above (a writer that did not take the meeting lock) makes this insert nothing, not fail.
    inserted = (
        await Registration.insert(Registration(**values))
        .on_conflict(action="DO NOTHING")
        .returning(Registration.id)
    )
    if not inserted:
        existing = await _registration_by_email(locked.id, email_key)
        if existing is not None:
            await _send_link_again(existing, locked, now=now)
        return None
    registration = values | {"id": inserted[0]["id"]}
    if invitation is not None:
        await use_invitation(invitation, registration["id"], now=now)
    for session_id in form.sessions:
        await _add_session_choice(registration, sessions[session_id], now=now)
    position = await waitlist_position(registration)
    # Only chosen sessions are reported or emailed: with none chosen there is nothing to read.
    choices = await _session_choices(sessions, registration) if form.sessions else []
    await emails.queue_announcement(
        registration, now=now, position=position, with_sessions=bool(form.sessions)
    )
    await _audit_change(
        PARTICIPANT,
        "registration.created",
        registration,
        locked,
        now=now,
        summary=f"{form.given_name} {form.family_name} registered: {status}",
    )
    return RegistrationResult(
        registration=registration, waitlist_position=position, sessions=choices
    )
