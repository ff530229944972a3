"""Queueing an email: one outbox row, written inside the caller's transaction."""

from __future__ import annotations

from datetime import UTC, datetime
from urllib.parse import urlsplit

from idmevents.mail.message import Email, build_message, new_message_id
from idmevents.mail.tables import OutboxMessage
from idmevents.settings import get_settings


def message_domain() -> str:
    """The right-hand side of our Message-IDs: the site's host name."""
    return urlsplit(get_settings().base_url).hostname or "localhost"


async def enqueue(email: Email, *, now: datetime | None = None) -> int:
    """Write the email to the outbox and return its row id.

    Call it inside the write transaction of the change that causes the email: if that change rolls
    back, the email was never queued; if it commits, the worker will send it. The message is
    rendered here, once, with its Message-ID, so every retry sends the very same bytes.
    """
    now = now or datetime.now(UTC)
    settings = get_settings()
    message_id = new_message_id(message_domain())
    message = build_message(
        email, mail_from=settings.mail.mail_from, message_id=message_id, date=now
    )
    rows = await OutboxMessage.insert(
        OutboxMessage(
            message_id=message_id,
            kind=email.kind,
            to_address=email.to_address,
            subject=str(message["Subject"]),
            raw=message.as_string(),
            meeting=email.meeting_id,
            registration=email.registration_id,
            status="queued",
            next_attempt_at=now,
            created_at=now,
        )
    ).returning(OutboxMessage.id)
    return rows[0]["id"]
