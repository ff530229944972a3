"""A delegation's focal point: the emails they get and the proof that a browser is theirs.

**The link is bound to an address.** A nomination link (`/d/{token}`) is only half the key: a
browser may use it once the focal point typed a one-time code emailed to the delegation's focal
point address (`request_access_code`, `confirm_access_code`). The page then gets `access_key`, a
value signed with the site's secret over the token and the address, kept in a cookie for that
link alone. Anyone the link was forwarded to is asked for the code, which goes to the focal
point's mailbox, not theirs; typing another address is refused. Renewing or revoking the link,
or changing the focal point's address, changes what the key is signed over: every browser must
confirm again.

**Emails.** Invitations (the link, the quota, the deadlines), a renewed link and the reminder are
queued as recipes (`mail.recipes`, renderer "focal-point") in the delegation's language. Each is
recorded in `focal_point_mail`, UNIQUE per delegation, kind and *action* (the organizer's send,
"deadline" for the reminder), inserted with ON CONFLICT DO NOTHING in the transaction that queues
the email: a double click, a retried request or two workers send nothing twice.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any

from idmevents import audit, content, db, urls
from idmevents.audit import Actor
from idmevents.delegations.services import by_token, delegation_name, get_delegation
from idmevents.delegations.tables import Delegation, FocalPointMail
from idmevents.errors import Forbidden, InvalidInput
from idmevents.i18n import gettext
from idmevents.mail import recipes
from idmevents.mail.message import Email
from idmevents.mail.render import render_email
from idmevents.mail.tables import OutboxMessage
from idmevents.meetings.tables import Meeting
from idmevents.registrations import services as registrations
from idmevents.settings import get_settings

RENDERER = "focal-point"
KINDS = ("invitation", "new-link", "reminder", "code")
# A code is good for this long, for this many tries; a new one is sent at most this often.
CODE_LIFETIME = timedelta(minutes=30)
CODE_TRIES = 5
CODE_RESEND = timedelta(minutes=1)
REMINDER_ACTION = "deadline"
# Meetings that ended longer ago than this get no more reminders.
REMINDER_LOOKBACK = timedelta(days=1)


def _sign(*parts: object) -> str:
    key = get_settings().secret_key.encode()
    message = "\x1f".join(str(part) for part in parts).encode()
    return hmac.new(key, message, hashlib.sha256).hexdigest()


def access_key(delegation: dict) -> str:
    """What a browser that proved it is the focal point's keeps (a cookie for this link only)."""
    return _sign("focal-point-access", delegation["token"], delegation["token_email"])


def has_access(delegation: dict, presented: str | None) -> bool:
    return bool(presented) and hmac.compare_digest(presented or "", access_key(delegation))


def _code_hash(delegation: dict, code: str) -> str:
    return _sign("focal-point-code", delegation["id"], delegation["token"], code)


def _forwarded() -> Forbidden:
    return Forbidden(
        gettext(
            "This nomination link was sent to another person: only the focal point it was sent "
            "to can use it. Ask the IDM Secretariat for a link of your own."
        ),
        reason="forwarded",
    )


async def request_access_code(token: str, email: str, *, now: datetime) -> dict:
    """Email a one-time code to the focal point, if `email` is theirs; Forbidden (reason
    "forwarded") for any other address. A code asked again within a minute is not sent twice."""
    delegation = await by_token(token)
    address = registrations.normalize_email(email or "")
    if address is None:
        raise InvalidInput(
            gettext("Some fields need your attention."),
            fields={"email": gettext("Enter an email address in the form name@example.org.")},
        )
    if address.lower() != delegation["focal_point_email"].lower():
        raise _forwarded()
    sent = delegation["access_code_sent_at"]
    if delegation["access_code"] and sent is not None and now - sent < CODE_RESEND:
        return delegation
    code = f"{secrets.randbelow(1_000_000):06d}"
    async with db.write_transaction():
        await Delegation.update(
            {
                Delegation.access_code: _code_hash(delegation, code),
                Delegation.access_code_sent_at: now,
                Delegation.access_code_attempts: 0,
            }
        ).where(Delegation.id == delegation["id"])
        await recipes.enqueue_recipe(
            RENDERER,
            {"delegation": delegation["id"], "kind": "code", "code": code},
            kind="focal-point-code",
            to_address=delegation["focal_point_email"],
            meeting_id=delegation["meeting"],
            registration_id=None,
            now=now,
        )
    return delegation


async def confirm_access_code(token: str, code: str, *, now: datetime) -> dict:
    """The delegation, once `code` is the one last emailed (then spent); Forbidden otherwise.
    Each wrong try counts; after CODE_TRIES, or CODE_LIFETIME, only a new code works."""
    delegation = await by_token(token)
    sent = delegation["access_code_sent_at"]
    usable = (
        delegation["access_code"]
        and sent is not None
        and now - sent < CODE_LIFETIME
        and delegation["access_code_attempts"] < CODE_TRIES
    )
    if not usable:
        raise Forbidden(
            gettext("This code has expired or was tried too many times: ask for a new one."),
            reason="code-expired",
        )
    given = "".join((code or "").split())
    if not hmac.compare_digest(_code_hash(delegation, given), delegation["access_code"]):
        await Delegation.update(
            {Delegation.access_code_attempts: Delegation.access_code_attempts + 1}
        ).where(Delegation.id == delegation["id"])
        raise Forbidden(
            gettext("This is not the code we sent. Check the latest email and try again."),
            reason="wrong-code",
        )
    spent = await (
        Delegation.update(
            {Delegation.access_code: "", Delegation.access_code_attempts: 0},
        )
        .where(
            (Delegation.id == delegation["id"])
            & (Delegation.access_code == delegation["access_code"])
        )
        .returning(Delegation.id)
    )
    if not spent:  # the same code used twice at once: the other request won
        raise Forbidden(
            gettext("This code has expired or was tried too many times: ask for a new one."),
            reason="code-expired",
        )
    return delegation


# ---------------------------------------------------------------------------------------------
# The link: revoked, or renewed and emailed


async def revoke_link(delegation_id: int, *, by: Actor, now: datetime) -> dict:
    """The focal point's link stops working (404 with a page saying whom to ask), at once."""
    delegation = await get_delegation(delegation_id)
    async with db.write_transaction():
        await Delegation.update(
            {Delegation.token: None, Delegation.access_code: "", Delegation.updated_at: now}
        ).where(Delegation.id == delegation_id)
        await audit.write(
            by, "delegation.link-revoked", "delegation", delegation_id, now=now, summary=""
        )
    return delegation | {"token": None}


async def renew_link(delegation_id: int, *, by: Actor, now: datetime) -> dict:
    """A new link for the focal point's current address, emailed to them; the old one is void."""
    delegation = await get_delegation(delegation_id)
    token = registrations.new_token()
    async with db.write_transaction():
        await Delegation.update(
            {
                Delegation.token: token,
                Delegation.token_email: delegation["focal_point_email"],
                Delegation.access_code: "",
                Delegation.updated_at: now,
            }
        ).where(Delegation.id == delegation_id)
        renewed = delegation | {"token": token, "token_email": delegation["focal_point_email"]}
        if renewed["focal_point_email"]:
            await _queue(renewed, "new-link", token, now=now)
        await audit.write(
            by, "delegation.link-renewed", "delegation", delegation_id, now=now, summary=""
        )
    return renewed


# ---------------------------------------------------------------------------------------------
# Invitations and reminders


async def _queue(delegation: dict, kind: str, action: str, *, now: datetime) -> bool:
    """Queue one email to the focal point unless this (kind, action) was sent: True if queued."""
    values = recipes.recipe_values(
        RENDERER,
        {"delegation": delegation["id"], "kind": kind},
        kind=f"focal-point-{kind}",
        to_address=delegation["focal_point_email"],
        meeting_id=delegation["meeting"],
        registration_id=None,
        now=now,
    )
    inserted = await (
        FocalPointMail.insert(
            FocalPointMail(
                delegation=delegation["id"],
                kind=kind,
                action=action[:64],
                to_address=delegation["focal_point_email"],
                message_id=values["message_id"],
                created_at=now,
            )
        )
        .on_conflict(action="DO NOTHING")
        .returning(FocalPointMail.id)
    )
    if inserted:
        await OutboxMessage.insert(OutboxMessage(**values))
    return bool(inserted)


def _can_be_mailed(delegation: dict) -> bool:
    return bool(delegation["focal_point_email"] and delegation["token"])


async def send_invitations(
    meeting: dict,
    *,
    action: str,
    delegation_ids: Iterable[int] | None = None,
    only_new: bool = False,
    by: Actor,
    now: datetime,
) -> int:
    """Email focal points their invitation: those of `delegation_ids` (every delegation of the
    meeting if None; only those never invited if `only_new`). `action` names this send: the same
    action sent again sends nothing. Returns how many emails were queued."""
    if not action or len(action) > 64:
        raise InvalidInput(gettext("This form has expired: open the page again."))
    query = Delegation.select().where(Delegation.meeting == meeting["id"])
    if delegation_ids is not None:
        ids = list(delegation_ids)
        if not ids:
            return 0
        query = query.where(Delegation.id.is_in(ids))
    rows = [row for row in await query.order_by(Delegation.id) if _can_be_mailed(row)]
    queued = 0
    async with db.write_transaction():
        invited = await _sent(rows, "invitation") if only_new else {}
        for row in rows:
            if only_new and row["id"] in invited:
                continue
            queued += await _queue(row, "invitation", action, now=now)
        if queued:
            await audit.write_on_meeting(
                by,
                "delegation.invitations-sent",
                meeting,
                now=now,
                summary=f"{queued} focal point(s) emailed",
            )
    return queued


async def _sent(rows: list[dict], kind: str) -> dict[int, datetime]:
    """When each delegation's focal point last got an email of `kind`."""
    if not rows:
        return {}
    last: dict[int, datetime] = {}
    for mail in await FocalPointMail.select(
        FocalPointMail.delegation, FocalPointMail.created_at
    ).where(
        FocalPointMail.delegation.is_in([row["id"] for row in rows]) & (FocalPointMail.kind == kind)
    ):
        when = mail["created_at"]
        if mail["delegation"] not in last or last[mail["delegation"]] < when:
            last[mail["delegation"]] = when
    return last


async def mail_status(rows: list[dict]) -> dict[int, dict[str, datetime | None]]:
    """For each delegation: when its focal point was last invited and when reminded."""
    invited = await _sent(rows, "invitation")
    reminded = await _sent(rows, "reminder")
    return {
        row["id"]: {"invited_at": invited.get(row["id"]), "reminded_at": reminded.get(row["id"])}
        for row in rows
    }


async def queue_nomination_reminders(now: datetime) -> int:
    """The worker's chore: once a meeting's nomination deadline has passed, remind each focal
    point whose delegation has not filled its quota, once. Safe from any number of workers."""
    meetings = await Meeting.select(Meeting.id, Meeting.slug).where(
        Meeting.nomination_deadline.is_not_null()
        & (Meeting.nomination_deadline <= now)
        & (Meeting.status == "published")
        & (Meeting.ends_on >= (now - REMINDER_LOOKBACK).date())
    )
    queued = 0
    for meeting in meetings:
        rows = await Delegation.select().where(
            (Delegation.meeting == meeting["id"]) & (Delegation.quota > 0)
        )
        done = await _sent(rows, "reminder")
        lagging = [row for row in rows if row["id"] not in done and _can_be_mailed(row)]
        if not lagging:
            continue
        used = await registrations.holds_used([r["seat_hold"] for r in lagging if r["seat_hold"]])
        for row in lagging:
            if used.get(row["seat_hold"], 0) >= row["quota"]:
                continue
            async with db.write_transaction():
                queued += await _queue(row, "reminder", REMINDER_ACTION, now=now)
    return queued


# ---------------------------------------------------------------------------------------------
# The emails


async def compose(delegation: dict, kind: str, *, code: str = "") -> Email:
    """The focal point's email of `kind`, in the delegation's language."""
    meeting = await Meeting.select().where(Meeting.id == delegation["meeting"]).first()
    if meeting is None:
        raise LookupError("the meeting is gone")
    language = delegation["language"] or meeting["original_language"] or "en"
    used = await registrations.holds_used(
        [delegation["seat_hold"]] if delegation["seat_hold"] else []
    )
    context: dict[str, Any] = {
        "delegation": delegation,
        "name": delegation_name(delegation, language),
        "meeting": content.localized(meeting, content.MEETING_TEXT, language),
        "kind": kind,
        "code": code,
        "link": urls.nomination_page(delegation["token"]) if delegation["token"] else "",
        "seats_left": max(0, delegation["quota"] - used.get(delegation["seat_hold"], 0)),
        "deadline": meeting["nomination_deadline"],
        "release": meeting["held_seats_release_at"],
        "code_minutes": int(CODE_LIFETIME.total_seconds() // 60),
    }
    subject, text, html = render_email("delegations/focal-point", context, language)
    return Email(
        kind=f"focal-point-{kind}",
        to_address=delegation["focal_point_email"],
        to_name=delegation["focal_point_name"],
        subject=subject,
        text=text,
        html=html,
        meeting_id=meeting["id"],
    )


async def render_focal_point_email(recipe: dict[str, Any], queued_at: datetime) -> Email:
    """Render a focal point's email queued as a recipe (the "focal-point" renderer)."""
    delegation = await Delegation.select().where(Delegation.id == recipe["delegation"]).first()
    if delegation is None:
        raise LookupError("the delegation is gone")
    return await compose(delegation, recipe["kind"], code=recipe.get("code", ""))


def register_mail_renderers() -> None:
    recipes.register_renderer(RENDERER, render_focal_point_email)
