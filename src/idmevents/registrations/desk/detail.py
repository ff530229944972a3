"""One registration at the desk: its detail, with its history, emails, sessions and arrival."""

from __future__ import annotations

from dataclasses import dataclass

from idmevents import audit
from idmevents.errors import NotFound
from idmevents.i18n import gettext
from idmevents.mail import services as mail
from idmevents.meetings.tables import Meeting
from idmevents.meetings.teams import owners_of_row
from idmevents.registrations import services
from idmevents.registrations.desk.common import (
    ACTIONS,
    is_id,
)
from idmevents.registrations.desk.counts import (
    DeskCounts,
    meeting_counts,
    session_places,
)
from idmevents.registrations.desk.listing import name_delegations
from idmevents.registrations.tables import CheckIn, Registration


@dataclass(frozen=True)
class Detail:
    registration: dict
    meeting: dict
    waitlist_position: int | None
    sessions: list[dict]
    history: list[dict]  # audit entries, newest first
    emails: list[mail.OutboxEntry]  # newest first
    counts: DeskCounts
    check_in: dict | None = None  # checked_in_at, desk, by (the staff member's email)

    @property
    def actions(self) -> tuple[str, ...]:
        return ACTIONS.get(self.registration["status"], ())


async def get_registration(registration_id: int) -> dict:
    if not is_id(registration_id):
        raise NotFound(gettext("There is no such registration."))
    row = await Registration.select().where(Registration.id == registration_id).first()
    if row is None:
        raise NotFound(gettext("There is no such registration."))
    return row


async def registration_detail(registration_id: int) -> Detail:
    registration = await get_registration(registration_id)
    meeting = await Meeting.select().where(Meeting.id == registration["meeting"]).first()
    history = await audit.history("registration", registration_id)
    emails = await mail.list_outbox(registration_id=registration_id, limit=mail.MAX_PAGE_SIZE)
    check_in = (
        await CheckIn.select(
            CheckIn.checked_in_at, CheckIn.desk, CheckIn.checked_in_by.email.as_alias("by")
        )
        .where(CheckIn.registration == registration_id)
        .first()
    )
    places = await session_places(meeting["id"], [registration_id])
    await name_delegations([registration])
    return Detail(
        registration=registration,
        meeting=meeting,
        waitlist_position=await services.waitlist_position(registration),
        sessions=places.get(registration_id, []),
        history=history,
        emails=emails,
        counts=await meeting_counts(meeting),
        check_in=check_in,
    )


async def owners_of_registration(registration_id: int) -> frozenset[int] | None:
    """The meeting a registration belongs to, as a set (None: no such registration)."""
    return await owners_of_row(Registration, registration_id)
