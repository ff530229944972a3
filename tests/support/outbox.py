"""The outbox read back as a mail client would read it, for tests of the emails a change queues."""

from __future__ import annotations

import email
import email.policy
from email.message import EmailMessage

from idmevents.mail import recipes
from idmevents.mail.tables import OutboxMessage


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
