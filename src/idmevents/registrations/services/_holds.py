"""Seats held for people not named yet (a delegation's quota), and the registrations made into them.

A hold keeps `seats` of its meeting for whoever asked for it (the delegations domain, above this
one, owns a hold per delegation; registrations never need to know that). Every rule runs under the
meeting lock (`_lock_meeting`), as all seat decisions do, so no number of concurrent nominations
puts more people into a hold than it has seats, and no public registration takes a seat a hold
still keeps (`_locks._held_seats`).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable
from datetime import datetime

import msgspec

from idmevents import db
from idmevents.audit import Actor
from idmevents.errors import Conflict, NotFound
from idmevents.i18n import gettext
from idmevents.meetings.tables import Meeting
from idmevents.registrations import emails
from idmevents.registrations.labels import ACTIVE_STATUSES, holder_name
from idmevents.registrations.services._decisions import _end_locked, _Ending
from idmevents.registrations.services._forms import (
    PersonDetails,
    _check_country,
    _check_language,
    _check_text,
    _refuse,
    normalize_email,
)
from idmevents.registrations.services._locks import (
    _lock_meeting,
    _Meeting,
    _next_waitlist_seq,
    _registration_by_email,
    _seats_left,
    _status_counts,
    holds_released,
)
from idmevents.registrations.services._record import _audit_change
from idmevents.registrations.services._seats import _fill_seats
from idmevents.registrations.tables import CheckIn, Registration, SeatHold
from idmevents.registrations.views import RegistrationResult, _result, new_token


class HeldPerson(PersonDetails, kw_only=True):
    """Someone named into a hold: the address is optional (some delegates must not be emailed)."""

    email: str = ""
    category: str = "member-state"
    list_consent: bool = False


def check_held_person(person: HeldPerson) -> HeldPerson:
    """The person cleaned up, or InvalidInput naming every bad field."""
    problems: dict[str, str] = {}
    honorific = _check_text("honorific", person.honorific, problems, required=None)
    given = _check_text(
        "given_name", person.given_name, problems, required=gettext("Enter the given name.")
    )
    family = _check_text(
        "family_name", person.family_name, problems, required=gettext("Enter the family name.")
    )
    position = _check_text("position", person.position, problems, required=None)
    organization = _check_text("organization", person.organization, problems, required=None)
    email = person.email.strip()
    if email:
        normalized = normalize_email(email) if len(email) <= 320 else None
        if normalized is None:
            problems["email"] = gettext("Enter an email address in the form name@example.org.")
        else:
            email = normalized
    country = _check_country(person.country, person.category, problems, category_known=False)
    language = _check_language(person.language, problems)
    _refuse(problems)
    return msgspec.structs.replace(
        person,
        honorific=honorific,
        given_name=given,
        family_name=family,
        email=email,
        position=position,
        organization=organization,
        country=country,
        language=language,
        list_consent=person.list_consent is True,
    )


async def create_hold(
    meeting_id: int, seats: int, *, country: str = "", organization: str = ""
) -> int:
    """A new hold of `seats` seats kept for a State (`country`) or an organization, in the
    caller's transaction (the meeting locked by the caller)."""
    hold = SeatHold(meeting=meeting_id, seats=seats, country=country, organization=organization)
    rows = await SeatHold.insert(hold).returning(SeatHold.id)
    return rows[0]["id"]


async def hold_names(hold_ids: Iterable[int | None], language: str) -> dict[int, str]:
    """Hold id → whom its seats are kept for (a delegation's State or organization)."""
    ids = sorted({hold_id for hold_id in hold_ids if hold_id is not None})
    if not ids:
        return {}
    rows = await SeatHold.select(SeatHold.id, SeatHold.country, SeatHold.organization).where(
        SeatHold.id.is_in(ids)
    )
    return {row["id"]: holder_name(row, language) for row in rows}


async def _lock_hold(hold_id: int) -> tuple[dict, _Meeting]:
    found = await SeatHold.select(SeatHold.meeting).where(SeatHold.id == hold_id).first()
    if found is None:
        raise NotFound(gettext("These held seats no longer exist."))
    meeting = await _lock_meeting(found["meeting"])
    hold = await SeatHold.select().where(SeatHold.id == hold_id).first()
    if hold is None:
        raise NotFound(gettext("These held seats no longer exist."))
    return hold, meeting


async def hold_used(hold_id: int) -> int:
    """How many active registrations (pending, confirmed, waiting) were made into the hold."""
    return await Registration.count().where(
        (Registration.seat_hold == hold_id) & Registration.status.is_in(list(ACTIVE_STATUSES))
    )


async def holds_used(hold_ids: list[int]) -> dict[int, int]:
    if not hold_ids:
        return {}
    rows = await Registration.select(Registration.seat_hold).where(
        Registration.seat_hold.is_in(hold_ids) & Registration.status.is_in(list(ACTIVE_STATUSES))
    )
    used: dict[int, int] = {}
    for row in rows:
        used[row["seat_hold"]] = used.get(row["seat_hold"], 0) + 1
    return used


async def hold_counts(hold_ids: list[int]) -> dict[int, dict[str, int]]:
    """Hold id → how many of the people named into it are confirmed, waiting (for approval or on
    the waiting list) and checked in at the door."""
    counts = {hold_id: {"confirmed": 0, "waiting": 0, "checked_in": 0} for hold_id in hold_ids}
    if not hold_ids:
        return counts
    rows = await Registration.select(
        Registration.id, Registration.seat_hold, Registration.status
    ).where(
        Registration.seat_hold.is_in(hold_ids) & Registration.status.is_in(list(ACTIVE_STATUSES))
    )
    arrived = {
        row["registration"]
        for row in await CheckIn.select(CheckIn.registration).where(
            CheckIn.registration.is_in([row["id"] for row in rows] or [0])
        )
    }
    for row in rows:
        count = counts[row["seat_hold"]]
        count["confirmed" if row["status"] == "confirmed" else "waiting"] += 1
        count["checked_in"] += row["id"] in arrived
    return counts


async def set_hold_seats(hold_id: int, seats: int, *, now: datetime) -> None:
    """Change how many seats a hold keeps; seats it gives up go to the waiting list at once."""
    async with db.write_transaction():
        _, meeting = await _lock_hold(hold_id)
        await SeatHold.update({SeatHold.seats: seats}).where(SeatHold.id == hold_id)
        await _fill_seats(meeting, now=now)


async def register_in_hold(
    hold_id: int,
    person: HeldPerson,
    *,
    by: Actor,
    now: datetime,
    replacing: int | None = None,
    on_created: Callable[[dict], Awaitable[None]] | None = None,
) -> RegistrationResult:
    """Register `person` into one of the hold's seats, in one transaction under the meeting lock.

    With `replacing`, that registration of the same hold is cancelled first (the person is told
    if they have an address; their badge stops working, as badges need a confirmed registration)
    and its seat goes to the newcomer. Conflict (reason "quota") when the hold's seats are all
    taken; Conflict (reason "duplicate") when the address is already registered for the meeting.
    Before the meeting's release date the person is confirmed into the held seat; after it they
    are decided like anyone else (confirmed while seats are left, else waiting).
    `on_created(registration)` runs in the same transaction: the caller's own rows about the
    person (its delegation) commit or roll back with the registration.
    """
    person = check_held_person(person)
    async with db.write_transaction():
        hold, meeting = await _lock_hold(hold_id)
        if replacing is not None:
            old = await Registration.select().where(Registration.id == replacing).first()
            if old is None or old["seat_hold"] != hold_id:
                raise NotFound(gettext("There is no such delegate in this delegation."))
            ending = _Ending(
                "cancelled",
                {Registration.cancelled_at: now},
                {"by_organizer": True},
                f"replaced by {person.given_name} {person.family_name}",
                action="registration.replaced",
            )
            await _end_locked(old, meeting, ending, by=by, now=now)
        if await hold_used(hold_id) >= hold["seats"]:
            raise Conflict(
                gettext("Every seat of this quota (%(seats)s) is taken.")
                % {"seats": hold["seats"]},
                reason="quota",
            )
        email_key = person.email.lower() if person.email else f"~{new_token()}"
        if person.email and await _registration_by_email(meeting.id, email_key) is not None:
            raise Conflict(
                gettext("This email address is already registered for this meeting."),
                reason="duplicate",
            )
        status, seq = await _held_status(meeting, now)
        values = {
            "meeting": meeting.id,
            "token": new_token(),
            "feed_token": new_token(),
            "honorific": person.honorific,
            "given_name": person.given_name,
            "family_name": person.family_name,
            "email": person.email,
            "email_key": email_key,
            "organization": person.organization,
            "position": person.position,
            "category": person.category,
            "country": person.country,
            "language": person.language,
            "accessibility_needs": "",
            "rejection_reason": "",
            "consented_at": now,
            "list_consent": person.list_consent,
            "created_at": now,
            "updated_at": now,
            "cancelled_at": None,
            "badge_printed_at": None,
            "status": status,
            "waitlist_seq": seq,
            "confirmed_at": now if status == "confirmed" else None,
            "seat_hold": hold_id,
        }
        registration = await db.inserted(Registration, values)
        if on_created is not None:
            await on_created(registration)
        result = await _result(registration)
        await emails.queue_announcement(
            registration, now=now, position=result.waitlist_position, with_sessions=False
        )
        await _audit_change(
            by,
            "registration.created",
            registration,
            meeting,
            now=now,
            summary=f"{person.given_name} {person.family_name} named into held seats: {status}",
        )
        return result


async def _held_status(meeting: _Meeting, now: datetime) -> tuple[str, int | None]:
    if not holds_released(meeting.row, now):
        return "confirmed", None
    left = await _seats_left(meeting, await _status_counts(meeting.id), now)
    if left is None or left > 0:
        return "confirmed", None
    return "waitlisted", await _next_waitlist_seq(meeting.id)


async def release_due_holds(*, now: datetime) -> int:
    """Meetings whose release date has passed while people wait: the seats their holds kept go
    to the waiting list at once (the worker calls this; the next registration would too).
    Returns how many meetings were looked at."""
    due = await Meeting.select(Meeting.id).where(
        Meeting.held_seats_release_at.is_not_null() & (Meeting.held_seats_release_at <= now)
    )
    done = 0
    for row in due:
        waiting = await Registration.exists().where(
            (Registration.meeting == row["id"]) & (Registration.status == "waitlisted")
        )
        if not waiting:
            continue
        async with db.write_transaction():
            meeting = await _lock_meeting(row["id"])
            await _fill_seats(meeting, now=now)
        done += 1
    return done
