"""The primitives under accounts and emailed links: password hashing and rules, token hashing,
email normalisation. Both `services` and `reset` build on this module; it imports neither.
"""

from __future__ import annotations

import asyncio
import functools
import hashlib
import secrets

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from idmevents.errors import InvalidInput
from idmevents.i18n import gettext
from idmevents.settings import get_settings

MIN_PASSWORD_LENGTH = 12
# argon2 on a megabyte-long "password" is a cheap way to burn our CPU: refuse it before hashing.
MAX_PASSWORD_LENGTH = 1024


@functools.cache
def _hasher_for(time_cost: int, memory_kib: int) -> PasswordHasher:
    return PasswordHasher(time_cost=time_cost, memory_cost=memory_kib)


def _hasher() -> PasswordHasher:
    settings = get_settings().passwords
    return _hasher_for(settings.time_cost, settings.memory_kib)


@functools.cache
def _dummy_hash_for(time_cost: int, memory_kib: int) -> str:
    """Verified against when an email has no account, so that a wrong email costs as long as a
    wrong password and response times do not tell who has an account."""
    return _hasher_for(time_cost, memory_kib).hash("no account has this password")


def dummy_hash() -> str:
    settings = get_settings().passwords
    return _dummy_hash_for(settings.time_cost, settings.memory_kib)


def unusable_password() -> str:
    """A password nobody knows, for an account whose owner will choose theirs through a link."""
    return secrets.token_urlsafe(48)


def normalise_email(email: str) -> str:
    return email.strip().lower()


async def hash_password(password: str) -> str:
    # argon2 takes tens of milliseconds of CPU on purpose: keep it off the event loop.
    return await asyncio.to_thread(_hasher().hash, password)


async def verify_password(password_hash: str, password: str) -> bool:
    def verify() -> bool:
        try:
            return _hasher().verify(password_hash, password)
        except (VerifyMismatchError, VerificationError, InvalidHashError):
            return False

    return await asyncio.to_thread(verify)


def needs_rehash(password_hash: str) -> bool:
    """True when the hash was made with weaker settings than today's."""
    return _hasher().check_needs_rehash(password_hash)


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


def check_new_password(new: str, confirm: str) -> None:
    check_password(new)
    if new != confirm:
        raise InvalidInput(
            gettext("The two passwords differ."),
            fields={"confirm_password": gettext("Type the same password twice.")},
        )


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()
