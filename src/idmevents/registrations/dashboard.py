"""What the dashboard shows: every meeting with its registrations counted by status."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from piccolo.query.functions.aggregate import Count

from idmevents.meetings.tables import Meeting
from idmevents.registrations.tables import Registration

# What a list of meetings shows: the dashboard's and the desk's meeting chooser.
MEETING_LIST_COLUMNS = (
    Meeting.id,
    Meeting.slug,
    Meeting.title,
    Meeting.city,
    Meeting.timezone,
    Meeting.starts_on,
    Meeting.ends_on,
    Meeting.status,
    Meeting.capacity,
)

REGISTRATION_STATUSES = ("confirmed", "pending", "waitlisted", "rejected", "cancelled")


@dataclass
class MeetingSummary:
    id: int
    slug: str
    title: str
    city: str
    timezone: str
    starts_on: date
    ends_on: date
    status: str
    capacity: int | None
    counts: dict[str, int] = field(default_factory=dict)

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    @property
    def seats_left(self) -> int | None:
        if self.capacity is None:
            return None
        return max(0, self.capacity - self.counts.get("confirmed", 0))


async def meeting_summaries(today: date | None = None) -> list[MeetingSummary]:
    """Meetings as an organizer works through them, each with its registrations counted per
    status: those not yet over, the soonest first (New York in April before Geneva in October),
    then those that are over, the most recent first. Without `today`, every meeting by date."""
    meetings = await Meeting.select(*MEETING_LIST_COLUMNS).order_by(Meeting.starts_on)
    if today is not None:
        coming = [row for row in meetings if row["ends_on"] >= today]
        meetings = coming + [row for row in reversed(meetings) if row["ends_on"] < today]
    summaries = {
        row["id"]: MeetingSummary(**row, counts=dict.fromkeys(REGISTRATION_STATUSES, 0))
        for row in meetings
    }
    counts = await Registration.select(
        Registration.meeting, Registration.status, Count(alias="n")
    ).group_by(Registration.meeting, Registration.status)
    for row in counts:
        summary = summaries.get(row["meeting"])
        if summary is not None:
            summary.counts[row["status"]] = summary.counts.get(row["status"], 0) + row["n"]
    return list(summaries.values())
