"""Meetings, sessions and registration forms for the registration tests, built in the database."""

from __future__ import annotations

import email
import email.policy
from datetime import UTC, date, datetime, timedelta
from email.message import EmailMessage

from idmevents.mail import recipes
from idmevents.mail.tables import OutboxMessage
from idmevents.meetings.tables import Meeting, MeetingSession

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
            approval_categories=list(approval_categories),
            status=status,
        )
    ).returning(Meeting.id)
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


def form(n: int | str = 1, **overrides) -> dict:
    """A valid registration, as the API takes it."""
    values = {
        "given_name": "Ana",
        "family_name": f"Person {n}",
        "email": f"person{n}@example.org",
        "organization": "Permanent Mission of Chile",
        "position": "First Secretary",
        "category": "member-state",
        "country": "CL",
        "language": "en",
        "accessibility_needs": "",
        "consent": True,
        "sessions": [],
    }
    return values | overrides


async def outbox_messages(kind: str | None = None) -> list[EmailMessage]:
    """The queued emails, oldest first, parsed back as a mail client would read them (those
    queued as recipes rendered first, as the worker would before sending them)."""
    await recipes.render_waiting()
    query = OutboxMessage.select().order_by(OutboxMessage.id)
    if kind:
        query = query.where(OutboxMessage.kind == kind)
    return [
        email.message_from_string(row["raw"], policy=email.policy.default) for row in await query
    ]


def body_text(message: EmailMessage) -> str:
    """The plain-text body with its line ends as a reader sees them (the wire has CRLF)."""
    return message.get_body(preferencelist=("plain",)).get_content().replace("\r\n", "\n")


def body_html(message: EmailMessage) -> str:
    return message.get_body(preferencelist=("html",)).get_content().replace("\r\n", "\n")


def calendar_part(message: EmailMessage) -> EmailMessage | None:
    for part in message.walk():
        if part.get_content_type() == "text/calendar":
            return part
    return None
