"""Personal data has a lifetime: what the attendance record does not need is erased.

`erase_expired(now)` runs in the worker (hooked in by `idmevents.wiring`): for each meeting whose
last day ended more than `retention_days` ago, in one transaction, every registration loses its
email address, needs, job title, rejection reason and private links (the tokens become fresh
random values handed to nobody, so the old links stop working; the badge code is voided), every
visa letter request (passport name and number, nationality, date of birth, dates of stay) is
deleted, and every email of the meeting loses its address and its body. Names, category, organization,
State, status and check-in time stay: they are the attendance record. One audit entry per
meeting; the meeting is then marked (`personal_data_erased_at`) and never visited again.

`erase_registration` does the same for one person on request, from the desk, names (and the
honorific) included;
`personal_data` is what a person downloads of themselves from their private page.
"""

from __future__ import annotations

import secrets
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from idmevents.audit import Actor
from idmevents.audit import write as audit
from idmevents.audit.log import SYSTEM
from idmevents.db import first_found, joined, write_transaction
from idmevents.errors import Conflict, NotFound
from idmevents.i18n import gettext
from idmevents.mail.tables import OutboxMessage
from idmevents.meetings.tables import Meeting
from idmevents.registrations.tables import CheckIn, Registration, SessionAttendance, VisaRequest
from idmevents.validation import is_row_id

ERASED_NAME = "—"
# Still-waiting emails of an erased registration are not sent: their body is gone.
UNSENT = ("queued", "sending")


def erased_email(registration_id: int) -> str:
    """A stand-in address: unique per registration (one registration per address and meeting),
    and in the reserved .invalid domain, so nothing is ever sent to it."""
    return f"erased-{registration_id}@erased.invalid"


def _erased_fields(registration_id: int) -> dict:
    return {
        Registration.email: erased_email(registration_id),
        Registration.email_key: erased_email(registration_id),
        Registration.accessibility_needs: "",
        Registration.position: "",
        Registration.rejection_reason: "",
        Registration.client_network: "",
        Registration.token: secrets.token_urlsafe(32),
        Registration.feed_token: secrets.token_urlsafe(32),
        Registration.checkin_id: None,
    }


async def _erase_messages(condition) -> int:
    rows = await OutboxMessage.select(OutboxMessage.id, OutboxMessage.status).where(condition)
    for row in rows:
        values = {
            OutboxMessage.to_address: "",
            OutboxMessage.raw: "",
            OutboxMessage.recipe: "",
            OutboxMessage.last_error: "",
        }
        if row["status"] in UNSENT:
            values |= {
                OutboxMessage.status: "failed",
                OutboxMessage.claimed_until: None,
                OutboxMessage.last_error: "personal data erased",
            }
        await OutboxMessage.update(values).where(OutboxMessage.id == row["id"])
    return len(rows)


def erase_after(meeting: dict) -> datetime:
    """When a meeting's personal data goes: `retention_days` after the end of its last day."""
    last_midnight = datetime.combine(
        meeting["ends_on"] + timedelta(days=1), datetime.min.time(), ZoneInfo(meeting["timezone"])
    )
    return last_midnight + timedelta(days=meeting["retention_days"])


async def erase_expired(now: datetime, *, by: Actor = SYSTEM) -> list[str]:
    """Erase the personal data of every meeting past its retention period; the slugs done.

    Idempotent: a meeting is done once (`personal_data_erased_at`), and running again changes
    nothing and writes no second audit entry.
    """
    candidates = await Meeting.select(
        Meeting.id, Meeting.slug, Meeting.ends_on, Meeting.timezone, Meeting.retention_days
    ).where(Meeting.personal_data_erased_at.is_null(), Meeting.ends_on < now.date())
    done = []
    for meeting in candidates:
        if erase_after(meeting) <= now and await _erase_meeting(meeting, by=by, now=now):
            done.append(meeting["slug"])
    return done


async def _erase_meeting(meeting: dict, *, by: Actor, now: datetime) -> bool:
    async with write_transaction():
        still = (
            await Meeting.select(Meeting.personal_data_erased_at)
            .where(Meeting.id == meeting["id"])
            .first()
        )
        if still is None or still["personal_data_erased_at"] is not None:
            return False  # another worker did it
        ids = [
            row["id"]
            for row in await Registration.select(Registration.id).where(
                Registration.meeting == meeting["id"]
            )
        ]
        for registration_id in ids:
            await Registration.update(
                _erased_fields(registration_id) | {Registration.updated_at: now}
            ).where(Registration.id == registration_id)
        if ids:
            await VisaRequest.delete().where(VisaRequest.registration.is_in(ids))
        emails = await _erase_messages(OutboxMessage.meeting == meeting["id"])
        await Meeting.update({Meeting.personal_data_erased_at: now}).where(
            Meeting.id == meeting["id"]
        )
        await audit(
            by,
            "meeting.personal_data_erased",
            "meeting",
            meeting["id"],
            meeting_slug=meeting["slug"],
            summary=(
                f"Erased the personal data of {len(ids)} registrations and {emails} emails, "
                f"{meeting['retention_days']} days after the meeting"
            ),
            data={"registrations": len(ids), "emails": emails},
            now=now,
        )
    return True


# The statuses a registration may be erased in: it holds no seat and waits for nothing.
ERASABLE = ("cancelled", "rejected")


async def erase_registration(registration_id: int, *, by: Actor, now: datetime) -> dict:
    """Erase one person's data on their request (names too); the registration stays, counted.

    A registration still holding a seat or a place in the queue is cancelled first, so that its
    seat goes to the next person waiting: Conflict until then (unless the meeting has ended).
    """
    if not is_row_id(registration_id):
        raise NotFound(gettext("There is no such registration."))
    async with write_transaction():
        row = await first_found(
            Registration.select(
                Registration.id,
                Registration.status,
                Registration.given_name,
                Registration.meeting.slug.as_alias("meeting_slug"),
                Registration.meeting.ends_on.as_alias("ends_on"),
            ).where(Registration.id == registration_id),
            gettext("There is no such registration."),
        )
        if row["status"] not in ERASABLE and row["ends_on"] >= now.date():
            raise Conflict(
                gettext(
                    "Cancel the registration first, so that its seat goes to the next person "
                    "waiting; then erase it."
                )
            )
        await Registration.update(
            _erased_fields(registration_id)
            | {
                Registration.honorific: "",
                Registration.given_name: ERASED_NAME,
                Registration.family_name: ERASED_NAME,
                Registration.updated_at: now,
            }
        ).where(Registration.id == registration_id)
        await VisaRequest.delete().where(VisaRequest.registration == registration_id)
        emails = await _erase_messages(OutboxMessage.registration == registration_id)
        await audit(
            by,
            "registration.erased",
            "registration",
            registration_id,
            meeting_slug=row["meeting_slug"],
            summary=f"Erased the personal data of registration {registration_id} on request",
            data={"emails": emails},
            now=now,
        )
    return row


# What the export names of the meeting, and what `erase_after` needs to date the erasure.
_MEETING_FIELDS = ("slug", "title", "ends_on", "timezone", "retention_days")


async def personal_data(token: str) -> dict:
    """Everything idmevents holds about the person behind a private link, as JSON values."""
    row = await first_found(
        Registration.select(
            *Registration.all_columns(exclude=[Registration.meeting, Registration.email_key]),
            *joined(Registration.meeting, *_MEETING_FIELDS, prefix="meeting_"),
        ).where(Registration.token == token),
        gettext("There is no registration at this address."),
    )
    sessions = await SessionAttendance.select(
        SessionAttendance.meeting_session.title.as_alias("title"),
        SessionAttendance.meeting_session.starts_at.as_alias("starts_at"),
        SessionAttendance.status,
        SessionAttendance.created_at,
    ).where(SessionAttendance.registration == row["id"])
    check_in = (
        await CheckIn.select(CheckIn.checked_in_at).where(CheckIn.registration == row["id"]).first()
    )
    emails = (
        await OutboxMessage.select(
            OutboxMessage.kind,
            OutboxMessage.to_address,
            OutboxMessage.subject,
            OutboxMessage.status,
            OutboxMessage.created_at,
            OutboxMessage.sent_at,
        )
        .where(OutboxMessage.registration == row["id"])
        .order_by(OutboxMessage.id)
    )
    visa = (
        await VisaRequest.select(
            *VisaRequest.all_columns(exclude=[VisaRequest.id, VisaRequest.registration])
        )
        .where(VisaRequest.registration == row["id"])
        .first()
    )
    meeting = {name: row.pop(f"meeting_{name}") for name in _MEETING_FIELDS}
    erase_on = erase_after(meeting)
    row.pop("id")
    return {
        "meeting": {"slug": meeting["slug"], "title": meeting["title"]},
        "registration": _jsonable(row),
        "sessions": [_jsonable(s) for s in sessions],
        "checked_in_at": _jsonable(check_in["checked_in_at"]) if check_in else None,
        "emails": [_jsonable(e) for e in emails],
        "visa_letter_request": _jsonable(visa) if visa else None,
        "personal_data_erased_after": erase_on.astimezone(UTC).isoformat(),
    }


def _jsonable(value):
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items()}
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return value
