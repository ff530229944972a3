"""Meetings and their sessions, built straight in the database, and the tests' `NOW`."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from idmevents.meetings.tables import Meeting, MeetingSession
from tests.factories.teams import take_in_everyone

NOW = datetime(2027, 3, 1, 12, 0, tzinfo=UTC)


async def make_meeting(
    *,
    slug: str = "test-meeting",
    capacity: int | None = 10,
    approval_categories: tuple[str, ...] = (),
    opens_at: datetime | None = NOW - timedelta(days=30),
    closes_at: datetime | None = NOW + timedelta(days=30),
    status: str = "published",
    timezone: str = "America/New_York",
    title: str = "Test workshop",
    mode: str = "in_person",
    capacity_online: int | None = None,
) -> dict:
    rows = await Meeting.insert(
        Meeting(
            slug=slug,
            title=title,
            theme="A theme",
            city="New York",
            venue_name="United Nations Headquarters",
            venue_address="405 East 42nd Street\nNew York, NY 10017",
            timezone=timezone,
            starts_on=date(2027, 4, 20),
            ends_on=date(2027, 4, 21),
            registration_opens_at=opens_at,
            registration_closes_at=closes_at,
            capacity=capacity,
            mode=mode,
            capacity_online=capacity_online,
            approval_categories=list(approval_categories),
            status=status,
        )
    ).returning(Meeting.id)
    await take_in_everyone(rows[0]["id"])
    return await Meeting.select().where(Meeting.id == rows[0]["id"]).first()


async def make_session(
    meeting: dict,
    key: str,
    *,
    starts_at: datetime = datetime(2027, 4, 20, 14, 0, tzinfo=UTC),
    hours: float = 1,
    capacity: int | None = None,
    kind: str = "panel",
    title: str | None = None,
    status: str = "scheduled",
) -> dict:
    rows = await MeetingSession.insert(
        MeetingSession(
            meeting=meeting["id"],
            uid=f"{meeting['slug']}-{key}@test",
            title=title or f"Session {key}",
            kind=kind,
            starts_at=starts_at,
            ends_at=starts_at + timedelta(hours=hours),
            capacity=capacity,
            status=status,
        )
    ).returning(MeetingSession.id)
    return await MeetingSession.select().where(MeetingSession.id == rows[0]["id"]).first()
