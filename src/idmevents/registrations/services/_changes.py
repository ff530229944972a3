"""Changes to a registration's details, address, category and sessions, with their emails and audit."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from idmevents import db
from idmevents.audit import PARTICIPANT, Actor
from idmevents.errors import Conflict, Forbidden, InvalidInput
from idmevents.i18n import gettext
from idmevents.mail import recipes
from idmevents.mail.tables import OutboxMessage
from idmevents.registrations import emails
from idmevents.registrations.labels import ACTIVE_STATUSES, status_label
from idmevents.registrations.services._forms import (
    DETAIL_FIELDS,
    EDIT_FIELDS,
    DetailsForm,
    RegistrationEdit,
    _as_form,
    _check_category,
    _check_email,
    _check_language,
    _checked_details,
    _refuse,
    check_details,
)
from idmevents.registrations.services._locks import (
    _lock_registration,
    _Meeting,
    _registration_by_email,
)
from idmevents.registrations.services._record import _audit_change, _queue_with_place
from idmevents.registrations.services._seats import (
    _add_session_choice,
    _confirm,
    _decide,
    _drop_sessions,
)
from idmevents.registrations.tables import Registration, SessionAttendance
from idmevents.registrations.views import (
    RegistrationResult,
    _result,
    approval_categories,
    choosable_sessions,
    new_token,
)


async def update_details(
    registration_id: int, form: DetailsForm | Mapping[str, Any], *, by: Actor, now: datetime
) -> RegistrationResult:
    """Change a participant's details; they get an email listing what changed."""
    if not isinstance(form, DetailsForm):
        form = _as_form(form, DetailsForm)
    async with db.write_transaction():
        registration, meeting = await _lock_registration(registration_id)
        if registration["status"] not in ACTIVE_STATUSES and by == PARTICIPANT:
            raise Conflict(
                gettext("A cancelled or declined registration cannot be changed."),
                reason="not-active",
            )
        cleaned = check_details(form, registration["category"])
        registration, changed = await _save_changes(
            registration,
            meeting,
            {name: getattr(cleaned, name) for name in DETAIL_FIELDS},
            by=by,
            now=now,
        )
        return await _result(registration, changed)


async def change_language(registration_id: int, language: str, *, by: Actor, now: datetime) -> dict:
    """The language of the person's pages, emails and personal feed, chosen with the language
    switch of their private page. Recorded in the audit log; no email: the page they are reading
    already shows the change. Any registration may change it, cancelled ones included."""
    problems: dict[str, str] = {}
    language = _check_language(language, problems)
    if problems:
        raise InvalidInput(gettext("Choose a language."), fields=problems)
    async with db.write_transaction():
        registration, meeting = await _lock_registration(registration_id)
        if registration["language"] == language:
            return registration
        changed = {"language": (registration["language"], language)}
        await Registration.update({"language": language, "updated_at": now}).where(
            Registration.id == registration["id"]
        )
        registration = registration | {"language": language, "updated_at": now}
        await _audit_changes(registration, meeting, changed, by=by, now=now)
        return registration


async def edit_registration(
    registration_id: int, form: RegistrationEdit | Mapping[str, Any], *, by: Actor, now: datetime
) -> RegistrationResult:
    """An organizer corrects a registration: its details, its email address, its category.

    Everything is checked first, together (InvalidInput naming every bad field), and saved in one
    transaction: all of it, or nothing. The result's `changed` names the fields that changed; the
    person is emailed the details as they now read, and the audit log says who changed what.

    Email address: checked as the registration form checks it, and unique among the meeting's
    registrations, case aside (Conflict `email-taken` naming the registration that has it; the
    unique index on (meeting, email_key) is the backstop). When it is another mailbox, not the same
    address in other capitals, the private link is replaced: the old mailbox may never have been
    the person's (a typo), and it holds the old link. The details email, with the new link, goes
    to the new address; a short notice without any link goes to the old one, so that a mistaken
    change is noticed.

    Category: Member State and Observer delegations must name their country (InvalidInput on
    `country`). The status then follows these rules:
    - confirmed and waitlisted registrations keep their seat or their place in line, whatever the
      new category: an organizer moving someone into a category that needs approval approves them;
    - a pending registration moved into a category that needs no approval is decided as a newcomer
      would be now: confirmed if a seat is free, else last on the waiting list, and told so (the
      confirmation with its calendar invitation); moved into another category that needs
      approval, it stays pending;
    - cancelled and rejected registrations keep their status: the new category counts when they
      are reinstated;
    - in a cancelled meeting nothing is decided.

    Participants change their details with `update_details`, never their address or category.
    """
    if by == PARTICIPANT:
        raise Forbidden(
            gettext("Only the organizers can change a registration's email address or category.")
        )
    if not isinstance(form, RegistrationEdit):
        form = _as_form(form, RegistrationEdit)
    async with db.write_transaction():
        registration, meeting = await _lock_registration(registration_id)
        typed = {
            name: registration[name] if getattr(form, name) is None else getattr(form, name)
            for name in EDIT_FIELDS
        }
        problems = dict(form.problems)
        email = _check_email(typed["email"], problems)
        category = _check_category(typed["category"], problems)
        details = _checked_details(
            DetailsForm(**{name: typed[name] for name in DETAIL_FIELDS}),
            category,
            problems,
            category_known="category" not in problems,
        )
        _refuse(problems)
        if email.lower() != registration["email_key"]:
            holder = await _registration_by_email(meeting.id, email.lower())
            if holder is not None:
                raise _email_taken(holder)
        checked = {name: getattr(details, name) for name in DETAIL_FIELDS}
        checked |= {"email": email, "category": category}
        registration, changed = await _save_changes(
            registration, meeting, {name: checked[name] for name in EDIT_FIELDS}, by=by, now=now
        )
        return await _result(registration, changed)


def _email_taken(holder: dict | None) -> Conflict:
    if holder is None:
        problem = gettext("Another registration for this meeting already has this address.")
    else:
        problem = gettext(
            "Another registration for this meeting already has this address: "
            "%(name)s (#%(id)s, %(status)s)."
        ) % {
            "name": f"{holder['given_name']} {holder['family_name']}",
            "id": holder["id"],
            "status": status_label(holder["status"]),
        }
    return Conflict(problem, fields={"email": problem}, reason="email-taken")


async def _save_changes(
    registration: dict, meeting: _Meeting, cleaned: dict[str, str], *, by: Actor, now: datetime
) -> tuple[dict, tuple[str, ...]]:
    """Write the checked values that differ, with the audit entries and the person's emails (see
    `edit_registration`); the registration as it now is, and the names of what changed."""
    changed = {
        name: (registration[name], value)
        for name, value in cleaned.items()
        if registration[name] != value
    }
    if not changed:
        return registration, ()
    updates: dict[str, Any] = {name: new for name, (_, new) in changed.items()}
    old_email = registration["email"]
    new_mailbox = "email" in changed and updates["email"].lower() != registration["email_key"]
    if "email" in changed:
        updates["email_key"] = updates["email"].lower()
    if new_mailbox:
        # An email queued as a recipe is written when it is sent, with the link of that moment:
        # those still waiting for the old address are written now, with the old link.
        await _write_waiting_emails(registration["id"])
        updates["token"] = new_token()
    updates["updated_at"] = now
    try:
        await Registration.update(updates).where(Registration.id == registration["id"])
    except Exception as exc:
        if new_mailbox and db.is_unique_violation(exc):
            raise _email_taken(None) from None
        raise
    registration = registration | updates
    await _audit_changes(registration, meeting, changed, by=by, now=now)
    await emails.queue(
        "details-changed",
        registration,
        meeting.row,
        span=None,
        now=now,
        changed=list(changed),
        new_link=new_mailbox,
    )
    if new_mailbox:
        await emails.queue(
            "email-changed", registration | {"email": old_email}, meeting.row, span=None, now=now
        )
    if "category" in changed:
        registration = await _follow_category(registration, meeting, by=by, now=now)
    return registration, tuple(changed)


async def _audit_changes(
    registration: dict,
    meeting: _Meeting,
    changed: dict[str, tuple[str, str]],
    *,
    by: Actor,
    now: datetime,
) -> None:
    """The audit entries of an edit: one for the details, one each for the address and category."""
    details = [name for name in changed if name in DETAIL_FIELDS]
    if details:
        await _audit_change(
            by,
            "registration.details-changed",
            registration,
            meeting,
            now=now,
            summary=", ".join(details),
            data={name: {"from": changed[name][0], "to": changed[name][1]} for name in details},
        )
    for name in ("email", "category"):
        if name in changed:
            old, new = changed[name]
            await _audit_change(
                by,
                f"registration.{name}-changed",
                registration,
                meeting,
                now=now,
                summary=f"{old} → {new}",
                data={"from": old, "to": new},
            )


async def _write_waiting_emails(registration_id: int) -> None:
    waiting = await OutboxMessage.select(OutboxMessage.id).where(
        (OutboxMessage.registration == registration_id)
        & (OutboxMessage.raw == "")
        & (OutboxMessage.recipe != "")
    )
    for row in waiting:
        await recipes.rendered_raw(row["id"])


async def _follow_category(
    registration: dict, meeting: _Meeting, *, by: Actor, now: datetime
) -> dict:
    """The status after an organizer moved the registration to another category (the rules are
    in `edit_registration`): only a pending one moved out of approval is decided."""
    if (
        registration["status"] != "pending"
        or meeting.row["status"] == "cancelled"
        or registration["category"] in approval_categories(meeting.row)
    ):
        return registration
    status, seq = await _decide(meeting, registration["category"], now=now)
    if status == "confirmed":
        return await _confirm(registration, meeting, now=now, email_kind="confirmed", by=by)
    changes = {"status": status, "waitlist_seq": seq, "updated_at": now}
    await Registration.update(changes).where(Registration.id == registration["id"])
    registration = registration | changes
    await _queue_with_place("waitlisted", registration, meeting, now=now)
    await _audit_change(
        by,
        "registration.waitlisted",
        registration,
        meeting,
        now=now,
        summary="its category needs no approval: on the waiting list",
    )
    return registration


async def choose_sessions(
    registration_id: int, session_ids: list[int], *, by: Actor, now: datetime
) -> RegistrationResult:
    """Replace the sessions a participant will attend; places freed go to those waiting."""
    async with db.write_transaction():
        registration, meeting = await _lock_registration(registration_id)
        if registration["status"] not in ACTIVE_STATUSES:
            raise Conflict(
                gettext("A cancelled or declined registration cannot choose sessions."),
                reason="not-active",
            )
        sessions = await choosable_sessions(meeting.id)
        wanted = list(dict.fromkeys(session_ids))
        unknown = [str(sid) for sid in wanted if sid not in sessions]
        if unknown:
            raise InvalidInput(
                gettext("Some fields need your attention."),
                fields={
                    "sessions": gettext(
                        "These are not sessions of this meeting that you can sign up for: %(ids)s."
                    )
                    % {"ids": ", ".join(unknown)}
                },
            )
        current = {
            row["meeting_session"]
            for row in await SessionAttendance.select(SessionAttendance.meeting_session).where(
                SessionAttendance.registration == registration_id
            )
        }
        # Sessions cancelled since they were chosen stay chosen: the person's calendar shows
        # them as cancelled rather than silently dropping them.
        removed = {sid for sid in current - set(wanted) if sid in sessions}
        await _drop_sessions(registration, now=now, only=removed)
        for sid in wanted:
            if sid not in current:
                await _add_session_choice(registration, sessions[sid], now=now)
        if removed or set(wanted) - current:
            await _audit_change(
                by,
                "registration.sessions-chosen",
                registration,
                meeting,
                now=now,
                data={"sessions": wanted},
            )
        return await _result(registration)
