"""Organizer accounts: password hashing, roles, logins, API tokens and who is asking (`CurrentUser`)."""

from __future__ import annotations

import re
import secrets
from datetime import UTC, datetime, timedelta
from typing import Any

import msgspec

from idmevents import audit, db
from idmevents.auth import history, reset
from idmevents.auth.passwords import (
    MAX_PASSWORD_LENGTH,
    check_new_password,
    check_password,
    dummy_hash,
    hash_password,
    hash_token,
    needs_rehash,
    normalise_email,
    unusable_password,
    verify_password,
)
from idmevents.auth.tables import ApiToken, User
from idmevents.errors import Conflict, InvalidInput, NotFound
from idmevents.i18n import N_ as _
from idmevents.i18n import gettext

# Lowest to highest: each role may do what the roles below it may.
ROLES = ("checkin", "organizer", "admin")
ROLE_RANK = {role: rank for rank, role in enumerate(ROLES)}
TOKEN_PREFIX = "idm_"
TOKEN_PREFIX_LENGTH = 12  # "idm_" and 8 random characters: enough to tell tokens apart in a list
# Writing last_used_at on every API call would make every read a write; once a minute is plenty.
TOKEN_TOUCH_INTERVAL = timedelta(minutes=1)

_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


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


ROLE_LABELS = {
    "admin": _("Administrator"),
    "organizer": _("Organizer"),
    "checkin": _("Check-in staff"),
}


def role_label(role: str) -> str:
    return gettext(ROLE_LABELS.get(role, role))


def role_allows(role: str, required: str) -> bool:
    """True when `role` ranks at or above `required` (admin > organizer > checkin)."""
    return ROLE_RANK.get(role, -1) >= ROLE_RANK[required]


def current_user_from_row(row: dict) -> CurrentUser:
    return CurrentUser(
        id=row["id"], email=row["email"], display_name=row["display_name"], role=row["role"]
    )


# Passwords ------------------------------------------------------------------------------------


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


CLI_ACTOR = "command line"


def _actor(by: CurrentUser | None) -> tuple[int | None, str]:
    """Who the audit log names: an account, or the operator at the command line."""
    return (by.id, by.email) if by is not None else (None, CLI_ACTOR)


async def _record(by: CurrentUser | None, **entry: Any) -> None:
    """An audit entry for a change to accounts or tokens, naming who made it."""
    user_id, actor = _actor(by)
    await audit.record(user_id=user_id, actor=actor, **entry)


async def create_user(
    email: str,
    role: str,
    password: str,
    display_name: str = "",
    *,
    by: CurrentUser | None = None,
    invite: bool = False,
    now: datetime | None = None,
) -> dict:
    """A new account. Raises InvalidInput (bad email, role or password) or Conflict (email taken).

    With `invite`, the password is one nobody knows and the owner is emailed a link to choose
    theirs, queued in the same transaction as the account.
    """
    now = now or datetime.now(UTC)
    email = normalise_email(email)
    display_name = display_name.strip()
    check_email(email)
    check_role(role)
    if invite:
        password = unusable_password()
    check_password(password)
    if len(display_name) > 200:
        raise InvalidInput(
            gettext("The name is too long."),
            fields={"display_name": gettext("Use at most 200 characters.")},
        )
    password_hash = await hash_password(password)
    async with db.write_transaction():
        if await User.exists().where(User.email == email):
            raise _email_taken()
        try:
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
        except Exception as error:
            # Two creations of one address at once on PostgreSQL: the unique index decides.
            if "unique" in str(error).lower():
                raise _email_taken() from error
            raise
        await _record(
            by,
            action="create",
            entity_type="user",
            entity_id=rows[0]["id"],
            summary=f"{email} ({role})",
            data={"invited": True} if invite else None,
            now=now,
        )
        if invite:
            await reset.issue_link(
                rows[0], kind="account-invitation", lifetime=reset.INVITE_LIFETIME, now=now
            )
    return rows[0]


def _email_taken() -> Conflict:
    return Conflict(
        gettext("An account with this email address already exists."),
        fields={"email": gettext("This address already has an account.")},
    )


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
        await verify_password(dummy_hash(), "x")
        return None
    row = await User.select().where(User.email == email).first()
    if row is None or not row["active"]:
        await verify_password(dummy_hash(), password)
        return None
    if not await verify_password(row["password_hash"], password):
        return None
    changes: dict = {User.last_login_at: now}
    if needs_rehash(row["password_hash"]):
        new_hash = await hash_password(password)
        changes[User.password_hash] = new_hash
        row["password_hash"] = new_hash
    await User.update(changes).where(User.id == row["id"])
    row["last_login_at"] = now
    return row


# API tokens -----------------------------------------------------------------------------------


async def create_token(
    user: dict | CurrentUser,
    name: str = "",
    *,
    by: CurrentUser | None = None,
    now: datetime | None = None,
) -> tuple[dict, str]:
    """A new API token for the user: (its row, the secret). The secret is never stored or shown again."""
    now = now or datetime.now(UTC)
    user_id = user.id if isinstance(user, CurrentUser) else user["id"]
    email = user.email if isinstance(user, CurrentUser) else user["email"]
    name = name.strip()
    if len(name) > 200:
        raise InvalidInput(
            gettext("The token name is too long."),
            fields={"name": gettext("Use at most 200 characters.")},
        )
    secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
    async with db.write_transaction():
        rows = await ApiToken.insert(
            ApiToken(
                user=user_id,
                name=name,
                prefix=secret[:TOKEN_PREFIX_LENGTH],
                token_hash=hash_token(secret),
                created_at=now,
            )
        ).returning(*ApiToken.all_columns())
        await _record(
            by,
            action="create",
            entity_type="token",
            entity_id=rows[0]["id"],
            summary=f"{rows[0]['prefix']}… {name} ({email})".replace("  ", " "),
            now=now,
        )
    return rows[0], secret


async def list_tokens(user_id: int | None = None) -> list[dict]:
    query = ApiToken.select(
        *ApiToken.all_columns(exclude=[ApiToken.token_hash]), ApiToken.user.email.as_alias("email")
    ).order_by(ApiToken.created_at, ascending=False)
    if user_id is not None:
        query = query.where(ApiToken.user == user_id)
    return await query


async def revoke_token(
    token_id: int,
    *,
    owner_id: int | None = None,
    by: CurrentUser | None = None,
    now: datetime | None = None,
) -> dict:
    """Revoke one token (only one of `owner_id`'s when given). Revoking twice is harmless."""
    now = now or datetime.now(UTC)
    query = ApiToken.select().where(ApiToken.id == token_id)
    if owner_id is not None:
        query = query.where(ApiToken.user == owner_id)
    async with db.write_transaction():
        row = await db.locked(query).first()
        if row is None:
            raise NotFound(gettext("There is no such token."))
        if row["revoked_at"] is None:
            await ApiToken.update({ApiToken.revoked_at: now}).where(ApiToken.id == token_id)
            row["revoked_at"] = now
            await _record(
                by,
                action="revoke",
                entity_type="token",
                entity_id=token_id,
                summary=f"{row['prefix']}… {row['name']}".strip(),
                now=now,
            )
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
            *db.through(ApiToken.user, "email", "display_name", "role", "active", id="user_id"),
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


# Managing accounts (admins) -------------------------------------------------------------------


async def get_user(user_id: int) -> dict:
    row = (
        await User.select(*User.all_columns(exclude=[User.password_hash]))
        .where(User.id == user_id)
        .first()
    )
    if row is None:
        raise NotFound(gettext("There is no such account."))
    return row


async def _other_active_admins(user_id: int) -> int:
    return await User.count().where(
        (User.role == "admin") & (User.active.eq(True)) & (User.id != user_id)
    )


async def _locked_user(user_id: int) -> dict:
    """The account, locked until the transaction ends; NotFound when there is none."""
    user = await db.locked(User.select().where(User.id == user_id)).first()
    if user is None:
        raise NotFound(gettext("There is no such account."))
    return user


async def change_role(
    user_id: int, role: str, *, by: CurrentUser, now: datetime | None = None
) -> dict:
    """Give an account another role; the last active admin cannot stop being one."""
    now = now or datetime.now(UTC)
    check_role(role)
    async with db.write_transaction():
        user = await _locked_user(user_id)
        if user["role"] == role:
            return user
        if user["role"] == "admin" and user["active"] and not await _other_active_admins(user_id):
            raise Conflict(
                gettext("This is the only active administrator: make someone else one first."),
                fields={"role": gettext("At least one active administrator must remain.")},
            )
        await User.update({User.role: role}).where(User.id == user_id)
        await _record(
            by,
            action="change-role",
            entity_type="user",
            entity_id=user_id,
            summary=f"{user['email']}: {user['role']} → {role}",
            data={"before": user["role"], "after": role},
            now=now,
        )
    user["role"] = role
    return user


async def set_active(
    user_id: int, active: bool, *, by: CurrentUser, now: datetime | None = None
) -> dict:
    """Deactivate or reactivate an account. Deactivating ends its sessions and revokes its tokens."""
    now = now or datetime.now(UTC)
    async with db.write_transaction():
        user = await _locked_user(user_id)
        if user["active"] == active:
            return user
        if not active and user_id == by.id:
            raise Conflict(gettext("You cannot deactivate your own account."))
        if not active and user["role"] == "admin" and not await _other_active_admins(user_id):
            raise Conflict(
                gettext("This is the only active administrator: make someone else one first.")
            )
        await User.update({User.active: active}).where(User.id == user_id)
        revoked = 0
        if not active:
            # Sessions end at their next request (the middleware checks `active`); tokens are
            # revoked outright, so that reactivating the account does not bring them back.
            revoked = await ApiToken.count().where(
                (ApiToken.user == user_id) & ApiToken.revoked_at.is_null()
            )
            await ApiToken.update({ApiToken.revoked_at: now}).where(
                (ApiToken.user == user_id) & ApiToken.revoked_at.is_null()
            )
        await _record(
            by,
            action="activate" if active else "deactivate",
            entity_type="user",
            entity_id=user_id,
            summary=user["email"],
            data={"tokens_revoked": revoked} if revoked else None,
            now=now,
        )
    user["active"] = active
    return user


async def update_profile(
    user: CurrentUser, display_name: str, *, now: datetime | None = None
) -> None:
    display_name = display_name.strip()
    if len(display_name) > 200:
        raise InvalidInput(
            gettext("The name is too long."),
            fields={"display_name": gettext("Use at most 200 characters.")},
        )
    await _change_own(
        user,
        {User.display_name: display_name},
        "update",
        gettext("Name changed to %(name)s") % {"name": display_name or "—"},
        now=now,
    )


async def change_password(
    user: CurrentUser, current: str, new: str, confirm: str, *, now: datetime | None = None
) -> str:
    """Set a new password after checking the current one; returns the new hash (for the session)."""
    row = await User.select(User.password_hash).where(User.id == user.id).first()
    if row is None or not await verify_password(row["password_hash"], current):
        raise InvalidInput(
            gettext("The current password is wrong."),
            fields={"current_password": gettext("The current password is wrong.")},
        )
    check_new_password(new, confirm)
    new_hash = await hash_password(new)
    await _change_own(
        user,
        {User.password_hash: new_hash},
        "change-password",
        gettext("Password changed"),
        now=now,
    )
    return new_hash


async def _change_own(
    user: CurrentUser, values: dict, action: str, summary: str, *, now: datetime | None
) -> None:
    """Change one's own account and note it in its history, both or neither."""
    async with db.write_transaction():
        await User.update(values).where(User.id == user.id)
        await history.record_own(user.id, user.email, action, summary, now=now)
