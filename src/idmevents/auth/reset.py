"""Password reset and account invitations by emailed link, through the outbox.

The link carries a random secret; only its sha256 is stored. A link works once, for an hour (an
invitation for three days), and using it voids every other open link of that account. Asking for a
link never tells whether the address has an account.
"""

from __future__ import annotations

import secrets
from datetime import UTC, datetime, timedelta

from idmevents import db, urls
from idmevents.auth import history, passwords
from idmevents.auth.tables import PasswordReset, User
from idmevents.errors import InvalidInput
from idmevents.i18n import current_language, gettext
from idmevents.mail.message import Email
from idmevents.mail.outbox import enqueue
from idmevents.mail.render import render_email

RESET_LIFETIME = timedelta(hours=1)
INVITE_LIFETIME = timedelta(days=3)


def reset_link(secret: str) -> str:
    return urls.password_reset(secret)


async def issue_link(user: dict, *, kind: str, lifetime: timedelta, now: datetime) -> str:
    """Store a new link for `user` and queue its email; call inside a write transaction."""
    secret = secrets.token_urlsafe(32)
    await PasswordReset.insert(
        PasswordReset(
            user=user["id"],
            token_hash=passwords.hash_token(secret),
            created_at=now,
            expires_at=now + lifetime,
        )
    )
    subject, text, html = render_email(
        kind,
        {
            "user": user,
            "link": reset_link(secret),
            "hours": int(lifetime.total_seconds() // 3600),
            "language": current_language(),
        },
        current_language(),
    )
    await enqueue(
        Email(
            kind=kind,
            to_address=user["email"],
            to_name=user["display_name"],
            subject=subject,
            text=text,
            html=html,
        ),
        now=now,
    )
    return secret


async def request_reset(email: str, *, now: datetime | None = None) -> bool:
    """Email a reset link when `email` is an active account; True when one was queued.

    The caller shows the same answer either way.
    """
    now = now or datetime.now(UTC)
    address = passwords.normalise_email(email)
    if not address or len(address) > 320:
        return False
    async with db.write_transaction():
        user = await User.select().where((User.email == address) & User.active.eq(True)).first()
        if user is None:
            return False
        await issue_link(user, kind="password-reset", lifetime=RESET_LIFETIME, now=now)
        await _note(user, "request-password-reset", gettext("Password reset link sent"), now)
    return True


async def _note(user: dict, action: str, summary: str, now: datetime) -> None:
    """A step of the reset, in the account's own history (the person acts on their account)."""
    await history.record_own(user["id"], user["email"], action, summary, now=now)


def _invalid_link() -> InvalidInput:
    return InvalidInput(
        gettext("This link is not valid: it has expired or has already been used."),
        fields={"token": gettext("Ask for a new link.")},
    )


async def _open_reset(secret: str, now: datetime) -> dict | None:
    if not secret or len(secret) > 100:
        return None
    row = (
        await PasswordReset.select(
            PasswordReset.id,
            PasswordReset.expires_at,
            *db.through(PasswordReset.user, "email", "active", id="user_id"),
        )
        .where(
            (PasswordReset.token_hash == passwords.hash_token(secret))
            & PasswordReset.used_at.is_null()
        )
        .first()
    )
    if row is None or not row["active"]:
        return None
    expires_at = row["expires_at"]
    if expires_at.tzinfo is None:
        expires_at = expires_at.replace(tzinfo=UTC)
    return row if expires_at > now else None


async def check_link(secret: str, *, now: datetime | None = None) -> str:
    """The email of the account the link is for; InvalidInput when it is expired, used or unknown."""
    row = await _open_reset(secret, now or datetime.now(UTC))
    if row is None:
        raise _invalid_link()
    return row["email"]


async def reset_password(
    secret: str, password: str, confirm: str, *, now: datetime | None = None
) -> dict:
    """Set the password through a link; the link and every other open link of the account die."""
    now = now or datetime.now(UTC)
    if await _open_reset(secret, now) is None:
        raise _invalid_link()
    passwords.check_new_password(password, confirm)
    new_hash = await passwords.hash_password(password)
    async with db.write_transaction():
        # Checked again under the lock: two submissions of one link cannot both succeed.
        row = await db.locked(
            PasswordReset.select(PasswordReset.id, PasswordReset.user).where(
                (PasswordReset.token_hash == passwords.hash_token(secret))
                & PasswordReset.used_at.is_null()
                & (PasswordReset.expires_at > now)
            )
        ).first()
        if row is None:
            raise _invalid_link()
        user = await User.select().where(User.id == row["user"]).first()
        if user is None or not user["active"]:
            raise _invalid_link()
        await User.update({User.password_hash: new_hash}).where(User.id == row["user"])
        await PasswordReset.update({PasswordReset.used_at: now}).where(
            (PasswordReset.user == row["user"]) & PasswordReset.used_at.is_null()
        )
        await _note(user, "reset-password", gettext("Password set through an emailed link"), now)
    user["password_hash"] = new_hash
    return user
