"""The desk of a hybrid meeting: its two seat pools (in the room, online), each with its places,
its confirmed people and its own waiting list, and an organizer moving someone between them.

Seats are decided by `registrations.services` (`change_attendance`, under the meeting's lock): a
confirmed person moves only if the other pool has a free place (409 otherwise), and the place
left behind goes to the next person waiting in the pool it was freed in.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from piccolo.query.functions.aggregate import Count

from idmevents.audit import Actor
from idmevents.errors import Conflict
from idmevents.i18n import gettext
from idmevents.registrations import services
from idmevents.registrations.desk.detail import get_registration
from idmevents.registrations.tables import Registration
from idmevents.registrations.views import ATTENDANCES, is_hybrid


@dataclass(frozen=True)
class PoolCount:
    """One attendance of a hybrid meeting: its places and who holds or waits for them."""

    attendance: str  # in_person | online
    capacity: int | None  # None: no limit
    confirmed: int
    waiting: int
    pending: int  # awaiting an organizer's approval

    @property
    def places_left(self) -> int | None:
        return None if self.capacity is None else max(0, self.capacity - self.confirmed)

    @property
    def full(self) -> bool:
        return self.capacity is not None and self.confirmed >= self.capacity


def pool_capacity(meeting: dict, attendance: str) -> int | None:
    """The places of one attendance: `capacity_online` online, `capacity` in the room."""
    return meeting.get("capacity_online") if attendance == "online" else meeting.get("capacity")


async def pool_counts(meeting: dict) -> list[PoolCount]:
    """A hybrid meeting's pools, in the room first; [] for a meeting with one pool."""
    if not is_hybrid(meeting):
        return []
    rows = (
        await Registration.select(Registration.attendance, Registration.status, Count(alias="n"))
        .where(Registration.meeting == meeting["id"])
        .group_by(Registration.attendance, Registration.status)
    )
    counts = {(row["attendance"], row["status"]): row["n"] for row in rows}
    return [
        PoolCount(
            attendance=attendance,
            capacity=pool_capacity(meeting, attendance),
            confirmed=counts.get((attendance, "confirmed"), 0),
            waiting=counts.get((attendance, "waitlisted"), 0),
            pending=counts.get((attendance, "pending"), 0),
        )
        for attendance in ATTENDANCES
    ]


async def switch_attendance(
    registration_id: int, attendance: str, *, by: Actor, now: datetime
) -> services.RegistrationResult:
    """An organizer moves a registration to the other pool (see the module's docstring); a full
    pool is a Conflict that says, in the organizer's words, that nothing changed."""
    registration = await get_registration(registration_id)
    try:
        return await services.change_attendance(registration_id, attendance, by=by, now=now)
    except Conflict as error:
        if error.extra.get("reason") != "full":
            raise
        full = {
            "in_person": gettext(
                "No seat is free in the room: %(name)s keeps their current place."
            ),
            "online": gettext("No place is free online: %(name)s keeps their current place."),
        }
        raise Conflict(
            full[attendance]
            % {"name": f"{registration['given_name']} {registration['family_name']}"},
            fields={"attendance": gettext("No free place there now.")},
            reason="full",
        ) from error
