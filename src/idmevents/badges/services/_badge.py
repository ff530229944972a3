"""A participant's badge, behind their private link."""

from __future__ import annotations

from dataclasses import dataclass

from idmevents import i18n
from idmevents.badges import render
from idmevents.badges.services._common import give_checkin_ids, holds_of
from idmevents.errors import NotFound
from idmevents.meetings.tables import Meeting
from idmevents.registrations.tables import Registration
from idmevents.settings import get_settings


@dataclass(frozen=True)
class BadgePage:
    token: str
    status: str
    meeting: dict
    badge: render.BadgeView | None

    @property
    def meeting_cancelled(self) -> bool:
        return self.meeting["status"] == "cancelled"


async def badge_for_token(token: str) -> BadgePage:
    """The badge behind a participant's private link; `badge` is None unless it may be printed."""
    row = await Registration.select().where(Registration.token == token).first()
    if row is None:
        raise NotFound(i18n.gettext("There is no registration at this address."))
    meeting = await Meeting.select().where(Meeting.id == row["meeting"]).first()
    if row["status"] != "confirmed" or meeting["status"] == "cancelled":
        return BadgePage(token=token, status=row["status"], meeting=meeting, badge=None)
    if row["attendance"] == "online":  # badges open the door of the room: online, none
        return BadgePage(token=token, status="online", meeting=meeting, badge=None)
    await give_checkin_ids([row])
    holds = await holds_of([row])
    badge = render.badge_view(row, meeting, get_settings().secret_key, holds.get(row["seat_hold"]))
    return BadgePage(token=token, status=row["status"], meeting=meeting, badge=badge)
