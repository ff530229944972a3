"""An email as the domains describe it, and the one RFC 5322 message built from it."""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass, field
from datetime import datetime
from email.header import Header
from email.headerregistry import Address
from email.message import EmailMessage
from email.policy import SMTP
from email.utils import format_datetime, parseaddr

_LINE_BREAKS = re.compile(r"[\r\n\t\x00-\x1f\x7f]+")


def header_safe(value: str) -> str:
    """What a person typed, fit for a header: control characters (CR/LF above all) become spaces."""
    return _LINE_BREAKS.sub(" ", value).strip()


@dataclass(frozen=True)
class Attachment:
    filename: str
    content_type: str  # e.g. "text/calendar"
    data: bytes
    # For text/calendar: the iTIP method ("REQUEST", "PUBLISH", "CANCEL"), added to the Content-Type.
    method: str | None = None


@dataclass(frozen=True)
class Email:
    kind: str  # what caused it: "registration-confirmed", "password-reset", ...
    to_address: str
    subject: str
    text: str
    html: str | None = None
    to_name: str = ""
    attachments: tuple[Attachment, ...] = field(default_factory=tuple)
    meeting_id: int | None = None
    registration_id: int | None = None
    reply_to: str | None = None


def new_message_id(domain: str) -> str:
    return f"<{uuid.uuid4().hex}@{domain}>"


def build_message(email: Email, *, mail_from: str, message_id: str, date: datetime) -> EmailMessage:
    """The MIME message: text and HTML alternatives, attachments, safe and encoded headers."""
    message = EmailMessage(policy=SMTP)
    sender_name, sender_address = parseaddr(mail_from)
    message["From"] = Address(display_name=header_safe(sender_name), addr_spec=sender_address)
    message["To"] = Address(
        display_name=header_safe(email.to_name), addr_spec=header_safe(email.to_address)
    )
    if email.reply_to:
        message["Reply-To"] = header_safe(email.reply_to)
    subject = header_safe(email.subject)
    if subject.isascii():
        message["Subject"] = subject
    else:
        # Python 3.11's folder can leave a space on both sides of a fold that falls just before
        # an encoded word, so readers see two spaces ("2017  — First workshop"). Encoded words
        # throughout, folded by email.header, decode back to exactly the subject.
        message.set_raw("Subject", Header(subject, "utf-8", header_name="Subject").encode("\r\n"))
    message["Date"] = format_datetime(date)
    message["Message-ID"] = message_id
    message["Auto-Submitted"] = "auto-generated"
    message.set_content(email.text, subtype="plain", charset="utf-8")
    if email.html:
        message.add_alternative(email.html, subtype="html", charset="utf-8")
    for attachment in email.attachments:
        maintype, subtype = attachment.content_type.split("/", 1)
        params = {"method": attachment.method} if attachment.method else {}
        if maintype == "text":
            params["charset"] = "utf-8"
        message.add_attachment(
            attachment.data,
            maintype=maintype,
            subtype=subtype,
            filename=attachment.filename,
            params=params,
        )
    return message
