"""The desk's shared ground: its limits, the actions allowed in each status, folding text for
search, and the meetings an organizer can open."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from idmevents.errors import NotFound
from idmevents.i18n import N_, Vocabulary, gettext
from idmevents.meetings.tables import Meeting
from idmevents.registrations.dashboard import MEETING_LIST_COLUMNS
from idmevents.validation import MAX_ID

SORTS = ("name", "-name", "date", "-date")
DEFAULT_SORT = "-date"
PAGE_SIZES = (25, 50, 100, 200)
DEFAULT_PAGE_SIZE = 50
MAX_API_LIMIT = 500
MAX_QUERY = 200
MAX_BULK = 500

# What an organizer may do to a registration in each status.
ACTIONS = {
    "pending": ("approve", "reject", "cancel", "edit"),
    "confirmed": ("reject", "cancel", "edit"),
    "waitlisted": ("promote", "reject", "cancel", "edit"),
    "rejected": ("reconsider", "edit"),
    "cancelled": ("reinstate", "edit"),
}

# A status as organizers call it (the participant's page words it for the participant).
status_name = Vocabulary(
    {
        "pending": N_("Pending"),
        "confirmed": N_("Confirmed"),
        "waitlisted": N_("Waiting list"),
        "rejected": N_("Rejected"),
        "cancelled": N_("Cancelled"),
    }
)


def is_id(value: int | None) -> bool:
    return value is not None and 0 < value <= MAX_ID


# ---------------------------------------------------------------------------------------------
# Which meeting


async def desk_meetings() -> list[dict]:
    """Every meeting an organizer may look at, drafts included, in date order."""
    return await Meeting.select(*MEETING_LIST_COLUMNS).order_by(Meeting.starts_on)


def default_meeting(meetings: list[dict], now: datetime) -> dict | None:
    """The next meeting that has not ended (published ones first), else the most recent one."""
    upcoming = [
        m
        for m in meetings
        if m["status"] != "cancelled"
        and m["ends_on"] >= now.astimezone(ZoneInfo(m["timezone"])).date()
    ]
    for candidates in ([m for m in upcoming if m["status"] == "published"], upcoming):
        if candidates:
            return min(candidates, key=lambda m: m["starts_on"])
    return meetings[-1] if meetings else None


async def get_meeting(slug: str) -> dict:
    meeting = await Meeting.select().where(Meeting.slug == slug[:100]).first()
    if meeting is None:
        raise NotFound(gettext("There is no meeting at this address."))
    return meeting


async def get_meeting_by_id(meeting_id: int) -> dict:
    meeting = await Meeting.select().where(Meeting.id == meeting_id).first()
    if meeting is None:
        raise NotFound(gettext("There is no meeting at this address."))
    return meeting
