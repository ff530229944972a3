"""Registrations brought in by an organizer from a spreadsheet: the form's rules, in file order.

Every row was checked by `check_registration` before it gets here. Rows are written a chunk at a
time, each chunk in one transaction holding the meeting's lock, so the seats and the waiting list
are decided exactly as for registrations made one by one through the form, in the file's order:
a category needing approval is `pending`, else `confirmed` while seats are free, else
`waitlisted` with the next number. Counting once per chunk and carrying the counts forward keeps a
50,000-row import linear instead of counting the meeting again for every row.

Idempotent by email: an address already registered for the meeting is left as it is.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from idmevents import audit, db
from idmevents.audit import Actor
from idmevents.registrations import emails
from idmevents.registrations.services._forms import RegistrationForm
from idmevents.registrations.services._locks import (
    _lock_meeting,
    _next_waitlist_seq,
    _status_counts,
)
from idmevents.registrations.services._register import _new_registration
from idmevents.registrations.services._seats import _fill_seats
from idmevents.registrations.tables import Registration
from idmevents.registrations.views import approval_categories

CREATED = "created"
UNCHANGED = "unchanged"


@dataclass(frozen=True)
class ImportOutcome:
    outcome: str  # created | unchanged
    status: str  # the registration's status (a new one's, or the existing one's)
    registration_id: int


async def import_forms(
    meeting_id: int,
    forms: Sequence[RegistrationForm],
    *,
    now: datetime,
    by: Actor,
    send_emails: bool,
) -> list[ImportOutcome]:
    """Write one chunk of checked forms, in order, in one transaction; one outcome per form."""
    async with db.write_transaction():
        meeting = await _lock_meeting(meeting_id)
        keys = [form.email.lower() for form in forms]
        existing = {
            row["email_key"]: row
            for row in await Registration.select(
                Registration.id, Registration.email_key, Registration.status
            ).where((Registration.meeting == meeting_id) & Registration.email_key.is_in(keys))
        }
        if all(key in existing for key in keys):
            # A re-imported chunk: nothing to decide, nothing to count.
            return [
                ImportOutcome(UNCHANGED, existing[k]["status"], existing[k]["id"]) for k in keys
            ]
        approval = approval_categories(meeting.row)
        counts = await _status_counts(meeting_id)
        if (
            meeting.capacity is not None
            and counts.get("waitlisted")
            and counts.get("confirmed", 0) < meeting.capacity
        ):
            # Seats came free without anyone moving up: those waiting were here first.
            await _fill_seats(meeting, now=now)
            counts = await _status_counts(meeting_id)
        confirmed = counts.get("confirmed", 0)
        next_seq = await _next_waitlist_seq(meeting_id)
        waiting_ranked = await Registration.count().where(
            (Registration.meeting == meeting_id)
            & (Registration.status == "waitlisted")
            & Registration.waitlist_seq.is_not_null()
        )
        new_rows: list[dict] = []
        positions: list[int | None] = []
        outcomes: list[ImportOutcome | None] = []
        for form, key in zip(forms, keys, strict=True):
            found = existing.get(key)
            if found is not None:
                outcomes.append(ImportOutcome(UNCHANGED, found["status"], found["id"]))
                continue
            seq = position = None
            if form.category in approval:
                status = "pending"
            elif meeting.capacity is None or confirmed < meeting.capacity:
                status = "confirmed"
                confirmed += 1
            else:
                status = "waitlisted"
                seq = next_seq
                next_seq += 1
                waiting_ranked += 1
                position = waiting_ranked
            values = _new_registration(meeting_id, form, key, now=now, client_network="") | {
                "status": status,
                "waitlist_seq": seq,
                "confirmed_at": now if status == "confirmed" else None,
            }
            existing[key] = {"id": None, "email_key": key, "status": status}
            new_rows.append(values)
            positions.append(position)
            outcomes.append(None)
        ids: dict[str, int] = {}
        if new_rows:
            # RETURNING with the address: the order of a many-row insert's rows is not promised.
            # RETURNING with the address: the order of a many-row insert's rows is not promised.
            inserted = await db.insert_many(Registration, new_rows, returning=("id", "email_key"))
            ids = {row["email_key"]: row["id"] for row in inserted}
        created = []
        for index, outcome in enumerate(outcomes):
            if outcome is None:
                values = new_rows[len(created)]
                registration = values | {"id": ids[values["email_key"]]}
                created.append(registration)
                outcomes[index] = ImportOutcome(CREATED, values["status"], registration["id"])
        if send_emails:
            for registration, position in zip(created, positions, strict=True):
                await emails.queue_announcement(
                    registration, now=now, position=position, with_sessions=False
                )
        if created:
            await audit.write(
                by,
                "registrations.imported",
                "meeting",
                meeting_id,
                meeting_slug=meeting.row["slug"],
                now=now,
                summary=f"{len(created)} registrations imported",
                data={"registrations": [registration["id"] for registration in created]},
            )
    return outcomes  # type: ignore[return-value]
