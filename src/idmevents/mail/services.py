"""The outbox as organizers see it: what went out, what is waiting, what failed, and resending."""

from __future__ import annotations

import contextlib
import email
import email.policy
import re
from dataclasses import dataclass
from datetime import datetime
from email.utils import format_datetime

from piccolo.query.functions.aggregate import Count

from idmevents import audit
from idmevents.db import locked, write_transaction
from idmevents.errors import Conflict, InvalidInput, NotFound
from idmevents.i18n import N_, Vocabulary, gettext
from idmevents.mail import recipes
from idmevents.mail.message import new_message_id
from idmevents.mail.outbox import message_domain
from idmevents.mail.send import PermanentFailure
from idmevents.mail.tables import OutboxMessage

STATUSES = ("queued", "sending", "sent", "failed")
MAX_PAGE_SIZE = 500


# A state as the outbox page names it.
status_name = Vocabulary(
    {
        "queued": N_("Queued"),
        "sending": N_("Sending"),
        "sent": N_("Sent"),
        "failed": N_("Failed"),
    }
)


@dataclass(frozen=True)
class OutboxEntry:
    id: int
    message_id: str
    kind: str
    to_address: str
    subject: str
    status: str
    attempts: int
    next_attempt_at: datetime
    last_error: str
    created_at: datetime
    sent_at: datetime | None
    meeting_id: int | None
    registration_id: int | None

    @property
    def heading(self) -> str:
        """The subject, or what stands for it while the message waits to be rendered."""
        return self.subject or gettext("(written when it is sent)")


_ENTRY_COLUMNS = (
    OutboxMessage.id,
    OutboxMessage.message_id,
    OutboxMessage.kind,
    OutboxMessage.to_address,
    OutboxMessage.subject,
    OutboxMessage.status,
    OutboxMessage.attempts,
    OutboxMessage.next_attempt_at,
    OutboxMessage.last_error,
    OutboxMessage.created_at,
    OutboxMessage.sent_at,
    OutboxMessage.meeting.as_alias("meeting_id"),
    OutboxMessage.registration.as_alias("registration_id"),
)


def _filters(
    status: str | None,
    meeting_id: int | None,
    registration_id: int | None = None,
    meeting_ids: frozenset[int] | None = None,
):
    if status is not None and status not in STATUSES:
        raise InvalidInput(
            "Unknown outbox status.", fields={"status": f"one of {', '.join(STATUSES)}"}
        )
    conditions = []
    if status is not None:
        conditions.append(OutboxMessage.status == status)
    if meeting_id is not None:
        conditions.append(OutboxMessage.meeting == meeting_id)
    if registration_id is not None:
        conditions.append(OutboxMessage.registration == registration_id)
    if meeting_ids is not None:
        # A team member's view: their meetings' messages only (account emails are admins').
        conditions.append(
            OutboxMessage.meeting.is_in(sorted(meeting_ids))
            if meeting_ids
            else OutboxMessage.id == -1
        )
    return conditions


async def list_outbox(
    *,
    status: str | None = None,
    meeting_id: int | None = None,
    registration_id: int | None = None,
    meeting_ids: frozenset[int] | None = None,
    limit: int = 50,
    offset: int = 0,
) -> list[OutboxEntry]:
    """Messages newest first, optionally of one status, one meeting and one registration
    (without their bodies)."""
    if not 1 <= limit <= MAX_PAGE_SIZE:
        raise InvalidInput("Bad page size.", fields={"limit": f"from 1 to {MAX_PAGE_SIZE}"})
    if offset < 0:
        raise InvalidInput("Bad page offset.", fields={"offset": "0 or more"})
    query = OutboxMessage.select(*_ENTRY_COLUMNS)
    for condition in _filters(status, meeting_id, registration_id, meeting_ids):
        query = query.where(condition)
    rows = await query.order_by(OutboxMessage.id, ascending=False).limit(limit).offset(offset)
    return [OutboxEntry(**row) for row in rows]


async def outbox_counts(
    *, meeting_id: int | None = None, meeting_ids: frozenset[int] | None = None
) -> dict[str, int]:
    """How many messages are in each status (every status present, zero if none)."""
    query = OutboxMessage.select(OutboxMessage.status, Count(OutboxMessage.id, alias="n"))
    for condition in _filters(None, meeting_id, None, meeting_ids):
        query = query.where(condition)
    counts = dict.fromkeys(STATUSES, 0)
    for row in await query.group_by(OutboxMessage.status):
        counts[row["status"]] = row["n"]
    return counts


async def get_outbox_message(outbox_id: int) -> tuple[OutboxEntry, str]:
    """One message and its whole raw text (RFC 5322), for an organizer to read what was sent."""
    rows = await OutboxMessage.select(*_ENTRY_COLUMNS, OutboxMessage.raw).where(
        OutboxMessage.id == outbox_id
    )
    if not rows:
        raise NotFound("No such message in the outbox.")
    row = rows[0]
    raw = row.pop("raw")
    if not raw:  # queued as a recipe: written now, for good (its last_error says if it cannot be)
        with contextlib.suppress(PermanentFailure):
            raw = await recipes.rendered_raw(outbox_id)
        row["subject"] = (
            await OutboxMessage.select(OutboxMessage.subject).where(OutboxMessage.id == outbox_id)
        )[0]["subject"]
    return OutboxEntry(**row), raw


# Emails whose links sign someone into an organizer's account. The outbox page hides their links
# from every reader: an organizer reading an administrator's reset link could take over that
# account. Registration emails are shown whole (see `read_message`).
CREDENTIAL_KINDS = frozenset({"password-reset", "account-invitation"})
HIDDEN_LINK = "[link hidden: it signs in to an account]"
_LINK = re.compile(r"https?://[^\s<>\"]+")
SHOWN_HEADERS = ("From", "To", "Cc", "Reply-To", "Subject", "Date", "Message-ID")


@dataclass(frozen=True)
class AttachmentInfo:
    filename: str
    content_type: str
    size: int  # bytes, decoded


@dataclass(frozen=True)
class MessageView:
    """What an organizer reads of one email: its headers, its text part, its attachments."""

    headers: list[tuple[str, str]]
    text: str
    attachments: list[AttachmentInfo]
    has_html: bool
    links_hidden: bool


def read_message(raw: str, kind: str) -> MessageView:
    """The message as a mail program shows it (headers decoded, the plain-text part).

    Registration emails are shown with their private links: organizers can already do through
    the desk everything such a link allows, and a participant who lost their email needs someone
    who can see what was sent. Account emails (`CREDENTIAL_KINDS`) have their links hidden.
    """
    message = email.message_from_string(raw, policy=email.policy.default)
    headers = [(name, str(message[name])) for name in SHOWN_HEADERS if message[name] is not None]
    body = message.get_body(preferencelist=("plain",))
    text = body.get_content() if body is not None else ""
    text = text.replace("\r\n", "\n")
    hidden = kind in CREDENTIAL_KINDS
    if hidden:
        text = _LINK.sub(HIDDEN_LINK, text)
    attachments = [
        AttachmentInfo(
            filename=part.get_filename() or "",
            content_type=part.get_content_type(),
            size=len(part.get_payload(decode=True) or b""),
        )
        for part in message.iter_attachments()
    ]
    return MessageView(
        headers=headers,
        text=text,
        attachments=attachments,
        has_html=message.get_body(preferencelist=("html",)) is not None,
        links_hidden=hidden,
    )


_HEADER_END = re.compile(r"\r?\n\r?\n")


def _replace_header(head: str, name: str, value: str) -> str:
    pattern = re.compile(rf"^{re.escape(name)}:[^\r\n]*(\r?\n[ \t][^\r\n]*)*", re.IGNORECASE | re.M)
    replaced, count = pattern.subn(lambda _: f"{name}: {value}", head, count=1)
    if count:
        return replaced
    newline = "\r\n" if "\r\n" in head else "\n"
    return f"{head}{newline}{name}: {value}"


def with_new_identity(raw: str, *, message_id: str, date: datetime) -> str:
    """The same message with a new Message-ID and Date; every other byte unchanged."""
    match = _HEADER_END.search(raw)
    head, rest = (raw[: match.start()], raw[match.start() :]) if match else (raw, "")
    head = _replace_header(head, "Message-ID", message_id)
    head = _replace_header(head, "Date", format_datetime(date))
    return head + rest


async def resend(
    outbox_id: int, *, now: datetime, user_id: int | None = None, actor: str = "system"
) -> int:
    """Send a message again; returns the outbox row that will carry it.

    The audit log records who asked (`user_id`, `actor` as shown: an organizer's email).

    - `failed`: the same row goes back to `queued` with its attempts reset, keeping its
      Message-ID: the person never got it, and if one of the earlier attempts did arrive after
      all, the same Message-ID lets their mail system recognise the copy.
    - `sent`: a NEW row with a NEW Message-ID (and Date), the same content. It is a new email
      that the person asked for again; with the old Message-ID, mail systems that drop
      duplicates (Gmail among them) would silently discard it. The sent row stays as the record
      of the first delivery.
    - `queued` or `sending`: Conflict, it is about to go anyway.
    """
    async with write_transaction():
        rows = await locked(
            OutboxMessage.select(
                OutboxMessage.id,
                OutboxMessage.status,
                OutboxMessage.kind,
                OutboxMessage.to_address,
                OutboxMessage.subject,
                OutboxMessage.raw,
                OutboxMessage.message_id,
                OutboxMessage.meeting,
                OutboxMessage.registration,
            ).where(OutboxMessage.id == outbox_id)
        )
        if not rows:
            raise NotFound("No such message in the outbox.")
        row = rows[0]
        if row["status"] in {"queued", "sending"}:
            raise Conflict("This message is already waiting to be sent.")
        if not row["to_address"]:
            raise Conflict(
                gettext("This email was erased with the personal data: it cannot be sent again.")
            )
        if row["status"] == "failed":
            await OutboxMessage.update(
                {
                    OutboxMessage.status: "queued",
                    OutboxMessage.attempts: 0,
                    OutboxMessage.next_attempt_at: now,
                    OutboxMessage.claimed_until: None,
                    OutboxMessage.last_error: "",
                }
            ).where(OutboxMessage.id == outbox_id)
            resent_id, message_id = outbox_id, row["message_id"]
        else:
            message_id = new_message_id(message_domain())
            inserted = await OutboxMessage.insert(
                OutboxMessage(
                    message_id=message_id,
                    kind=row["kind"],
                    to_address=row["to_address"],
                    subject=row["subject"],
                    raw=with_new_identity(row["raw"], message_id=message_id, date=now),
                    meeting=row["meeting"],
                    registration=row["registration"],
                    status="queued",
                    next_attempt_at=now,
                    created_at=now,
                )
            ).returning(OutboxMessage.id)
            resent_id = inserted[0]["id"]
        meetings = await OutboxMessage.select(OutboxMessage.meeting.slug.as_alias("slug")).where(
            (OutboxMessage.id == outbox_id) & OutboxMessage.meeting.is_not_null()
        )
        await audit.record(
            user_id=user_id,
            actor=actor,
            action="resend",
            entity_type="mail",
            entity_id=resent_id,
            meeting_slug=meetings[0]["slug"] if meetings else "",
            summary=f"{row['kind']} to {row['to_address']} ({row['status']} before)",
            data={"outbox_id": outbox_id, "message_id": message_id},
            now=now,
        )
        return resent_id


async def owners_of_message(outbox_id: int) -> frozenset[int] | None:
    """The meeting a message is about, as a set: empty for account emails (None: no such message)."""
    row = (
        await OutboxMessage.select(OutboxMessage.meeting)
        .where(OutboxMessage.id == outbox_id)
        .first()
    )
    if row is None:
        return None
    return frozenset() if row["meeting"] is None else frozenset({row["meeting"]})
