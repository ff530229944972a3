"""Organizer accounts: password hashing, roles, logins, API tokens and who is asking (`CurrentUser`)."""

from __future__ import annotations

import asyncio
import hashlib
import re
import secrets
from datetime import UTC, datetime, timedelta

import msgspec
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from idmevents import db
from idmevents.auth.tables import ApiToken, User
from idmevents.errors import Conflict, InvalidInput, NotFound
from idmevents.i18n import gettext

# Lowest to highest: each role may do what the roles below it may.
ROLES = ("checkin", "organizer", "admin")
ROLE_RANK = {role: rank for rank, role in enumerate(ROLES)}
MIN_PASSWORD_LENGTH = 12
# argon2 on a megabyte-long "password" is a cheap way to burn our CPU: refuse it before hashing.
MAX_PASSWORD_LENGTH = 1024
TOKEN_PREFIX = "idm_"
TOKEN_PREFIX_LENGTH = 12  # "idm_" and 8 random characters: enough to tell tokens apart in a list
# Writing last_used_at on every API call would make every read a write; once a minute is plenty.
TOKEN_TOUCH_INTERVAL = timedelta(minutes=1)

_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_hasher = PasswordHasher()
# Verified against when an email has no account, so that a wrong email costs as long as a wrong
# password and response times do not reveal who has an account.
_DUMMY_HASH = _hasher.hash("no account has this password")


class CurrentUser(msgspec.Struct, frozen=True):
    """Who is making the request: `request.user` for session logins and API tokens alike."""

    id: int
    email: str
    display_name: str
    role: str

    def has_role(self, role: str) -> bool:
        return ROLE_RANK.get(self.role, -1) >= ROLE_RANK[role]

    @property
    def label(self) -> str:
        return self.display_name or self.email


def role_allows(role: str, required: str) -> bool:
    """True when `role` ranks at or above `required` (admin > organizer > checkin)."""
    return ROLE_RANK.get(role, -1) >= ROLE_RANK[required]


def normalise_email(email: str) -> str:
    return email.strip().lower()


def current_user_from_row(row: dict) -> CurrentUser:
    return CurrentUser(
        id=row["id"], email=row["email"], display_name=row["display_name"], role=row["role"]
    )


# Passwords ------------------------------------------------------------------------------------


async def hash_password(password: str) -> str:
    # argon2 takes tens of milliseconds of CPU on purpose: keep it off the event loop.
    return await asyncio.to_thread(_hasher.hash, password)


async def verify_password(password_hash: str, password: str) -> bool:
    def verify() -> bool:
        try:
            return _hasher.verify(password_hash, password)
        except (VerifyMismatchError, VerificationError, InvalidHashError):
            return False

    return await asyncio.to_thread(verify)


def password_stamp(password_hash: str) -> str:
    """A short fingerprint of the hash, kept in the session: a password change logs other sessions out."""
    return hashlib.sha256(password_hash.encode()).hexdigest()[:16]


def check_password(password: str) -> None:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise InvalidInput(
            gettext("The password is too short."),
            fields={
                "password": gettext("Use at least %(count)d characters.")
                % {"count": MIN_PASSWORD_LENGTH}
            },
        )
    if len(password) > MAX_PASSWORD_LENGTH:
        raise InvalidInput(
            gettext("The password is too long."),
            fields={
                "password": gettext("Use at most %(count)d characters.")
                % {"count": MAX_PASSWORD_LENGTH}
            },
        )


def check_role(role: str) -> None:
    if role not in ROLE_RANK:
        raise InvalidInput(
            gettext("Unknown role %(role)r.") % {"role": role},
            fields={"role": gettext("Choose one of: %(roles)s.") % {"roles": ", ".join(ROLES)}},
        )


def check_email(email: str) -> None:
    if len(email) > 320 or not _EMAIL.match(email):
        raise InvalidInput(
            gettext("The email address is not valid."),
            fields={"email": gettext("Enter an address such as name@example.org.")},
        )


# Accounts -------------------------------------------------------------------------------------


async def create_user(
    email: str, role: str, password: str, display_name: str = "", *, now: datetime | None = None
) -> dict:
    """A new account. Raises InvalidInput (bad email, role or password) or Conflict (email taken)."""
    now = now or datetime.now(UTC)
    email = normalise_email(email)
    display_name = display_name.strip()
    check_email(email)
    check_role(role)
    check_password(password)
    if len(display_name) > 200:
        raise InvalidInput(
            gettext("The name is too long."),
            fields={"display_name": gettext("Use at most 200 characters.")},
        )
    password_hash = await hash_password(password)
    async with db.write_transaction():
        if await User.exists().where(User.email == email):
            raise Conflict(
                gettext("An account with this email address already exists."),
                fields={"email": gettext("This address already has an account.")},
            )
        rows = await User.insert(
            User(
                email=email,
                display_name=display_name,
                password_hash=password_hash,
                role=role,
                active=True,
                created_at=now,
            )
        ).returning(*User.all_columns())
    return rows[0]


async def get_user_by_email(email: str) -> dict:
    row = await User.select().where(User.email == normalise_email(email)).first()
    if row is None:
        raise NotFound(gettext("There is no account with this email address."))
    return row


async def list_users() -> list[dict]:
    return await User.select(*User.all_columns(exclude=[User.password_hash])).order_by(User.email)


async def load_active_user(user_id: int) -> dict | None:
    return await User.select().where((User.id == user_id) & (User.active.eq(True))).first()


async def authenticate(email: str, password: str, *, now: datetime | None = None) -> dict | None:
    """The account when the email and password match an active account, else None.

    A hash made with older argon2 parameters is replaced by one with today's, at the moment the
    password is known.
    """
    now = now or datetime.now(UTC)
    email = normalise_email(email)
    if not email or not password or len(password) > MAX_PASSWORD_LENGTH:
        await verify_password(_DUMMY_HASH, "x")
        return None
    row = await User.select().where(User.email == email).first()
    if row is None or not row["active"]:
        await verify_password(_DUMMY_HASH, password)
        return None
    if not await verify_password(row["password_hash"], password):
        return None
    changes: dict = {User.last_login_at: now}
    if _hasher.check_needs_rehash(row["password_hash"]):
        new_hash = await hash_password(password)
        changes[User.password_hash] = new_hash
        row["password_hash"] = new_hash
    await User.update(changes).where(User.id == row["id"])
    row["last_login_at"] = now
    return row


# API tokens -----------------------------------------------------------------------------------


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


async def create_token(
    user: dict | CurrentUser, name: str = "", *, now: datetime | None = None
) -> tuple[dict, str]:
    """A new API token for the user: (its row, the secret). The secret is never stored or shown again."""
    now = now or datetime.now(UTC)
    user_id = user.id if isinstance(user, CurrentUser) else user["id"]
    name = name.strip()
    if len(name) > 200:
        raise InvalidInput(
            gettext("The token name is too long."),
            fields={"name": gettext("Use at most 200 characters.")},
        )
    secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
    rows = await ApiToken.insert(
        ApiToken(
            user=user_id,
            name=name,
            prefix=secret[:TOKEN_PREFIX_LENGTH],
            token_hash=hash_token(secret),
            created_at=now,
        )
    ).returning(*ApiToken.all_columns())
    return rows[0], secret


async def list_tokens(user_id: int | None = None) -> list[dict]:
    query = ApiToken.select(
        *ApiToken.all_columns(exclude=[ApiToken.token_hash]), ApiToken.user.email.as_alias("email")
    ).order_by(ApiToken.created_at, ascending=False)
    if user_id is not None:
        query = query.where(ApiToken.user == user_id)
    return await query


async def revoke_token(
    token_id: int, *, user_id: int | None = None, now: datetime | None = None
) -> dict:
    """Revoke one token (only the user's own when `user_id` is given). Revoking twice is harmless."""
    now = now or datetime.now(UTC)
    query = ApiToken.select().where(ApiToken.id == token_id)
    if user_id is not None:
        query = query.where(ApiToken.user == user_id)
    row = await query.first()
    if row is None:
        raise NotFound(gettext("There is no such token."))
    if row["revoked_at"] is None:
        await ApiToken.update({ApiToken.revoked_at: now}).where(ApiToken.id == token_id)
        row["revoked_at"] = now
    return row


async def find_token_by_prefix(prefix: str) -> dict:
    rows = await ApiToken.select().where(ApiToken.prefix == prefix.strip())
    if not rows:
        raise NotFound(gettext("No token starts with %(prefix)s.") % {"prefix": prefix})
    if len(rows) > 1:
        raise Conflict(gettext("More than one token starts with %(prefix)s.") % {"prefix": prefix})
    return rows[0]


async def user_for_token(token: str, *, now: datetime | None = None) -> CurrentUser | None:
    """The active user behind an unrevoked token, else None; notes when the token was last used."""
    if not token.startswith(TOKEN_PREFIX) or len(token) > 200:
        return None
    now = now or datetime.now(UTC)
    row = (
        await ApiToken.select(
            ApiToken.id,
            ApiToken.last_used_at,
            ApiToken.user.id.as_alias("user_id"),
            ApiToken.user.email.as_alias("email"),
            ApiToken.user.display_name.as_alias("display_name"),
            ApiToken.user.role.as_alias("role"),
            ApiToken.user.active.as_alias("active"),
        )
        .where((ApiToken.token_hash == hash_token(token)) & ApiToken.revoked_at.is_null())
        .first()
    )
    if row is None or not row["active"]:
        return None
    last_used = row["last_used_at"]
    if last_used is not None and last_used.tzinfo is None:
        last_used = last_used.replace(tzinfo=UTC)
    if last_used is None or now - last_used >= TOKEN_TOUCH_INTERVAL:
        await ApiToken.update({ApiToken.last_used_at: now}).where(ApiToken.id == row["id"])
    return CurrentUser(
        id=row["user_id"], email=row["email"], display_name=row["display_name"], role=row["role"]
    )
