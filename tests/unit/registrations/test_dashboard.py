"""The dashboard's numbers: registrations per meeting and status, seats left."""

from __future__ import annotations

import secrets
from datetime import timedelta

from idmevents.meetings.tables import Meeting
from idmevents.registrations.dashboard import meeting_summaries
from idmevents.registrations.tables import Registration


async def add_registrations(meeting_id: int, status: str, count: int) -> None:
    for _ in range(count):
        address = f"{secrets.token_hex(4)}@example.org"
        await Registration.insert(
            Registration(
                meeting=meeting_id,
                token=secrets.token_urlsafe(16),
                feed_token=secrets.token_urlsafe(16),
                given_name="A",
                family_name="B",
                email=address,
                email_key=address,
                category="member-state",
                status=status,
            )
        )


async def test_meeting_summaries_count_by_status(demo):
    meetings = {row["slug"]: row for row in await Meeting.select(Meeting.id, Meeting.slug)}
    await add_registrations(meetings["idm-new-york"]["id"], "confirmed", 3)
    await add_registrations(meetings["idm-new-york"]["id"], "pending", 2)
    await add_registrations(meetings["idm-geneva"]["id"], "waitlisted", 1)
    summaries = {summary.slug: summary for summary in await meeting_summaries()}
    new_york, geneva = summaries["idm-new-york"], summaries["idm-geneva"]
    assert new_york.counts == {
        "confirmed": 3,
        "pending": 2,
        "waitlisted": 0,
        "rejected": 0,
        "cancelled": 0,
    }
    assert (new_york.total, new_york.seats_left) == (5, 300 - 3)
    assert (geneva.counts["waitlisted"], geneva.total, geneva.seats_left) == (1, 1, 250)
    # Meetings not yet over, the soonest first; then the past ones, the most recent first.
    assert [summary.slug for summary in await meeting_summaries()] == ["idm-new-york", "idm-geneva"]
    new_york_over = new_york.ends_on + timedelta(days=1)
    geneva_over = geneva.ends_on + timedelta(days=1)
    assert [s.slug for s in await meeting_summaries(today=new_york.starts_on)] == [
        "idm-new-york",
        "idm-geneva",
    ]
    assert [s.slug for s in await meeting_summaries(today=new_york_over)] == [
        "idm-geneva",
        "idm-new-york",
    ]
    assert [s.slug for s in await meeting_summaries(today=geneva_over)] == [
        "idm-geneva",
        "idm-new-york",
    ]


async def test_meeting_summaries_empty_without_meetings():
    assert await meeting_summaries() == []
