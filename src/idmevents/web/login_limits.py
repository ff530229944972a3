"""Login attempts, limited per client address and per account, in a store every process shares."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import timedelta

from litestar import Request, Response
from litestar.stores.base import Store

from idmevents.errors import AppError
from idmevents.i18n import gettext, ngettext
from idmevents.stores import CountingStore
from idmevents.web.common import error_response

LOGIN_RATE_LIMIT_STORE = "login_rate_limit"


class TooManyAttempts(AppError):
    status_code = 429
    title = "Too many attempts"

    def __init__(self, retry_after: int) -> None:
        minutes = max(1, (retry_after + 59) // 60)
        super().__init__(
            ngettext(
                "Too many attempts. Please wait %(minutes)d minute and try again.",
                "Too many attempts. Please wait %(minutes)d minutes and try again.",
                minutes,
            )
            % {"minutes": minutes},
            retry_after=retry_after,
        )
        self.retry_after = retry_after


@dataclass(frozen=True)
class Limit:
    hits: int
    window: int  # seconds


@dataclass(frozen=True)
class LoginLimits:
    # Every attempt from one address: an office behind one NAT still signs in comfortably.
    per_client: Limit = Limit(hits=30, window=10 * 60)
    # Failed attempts on one account, wherever they come from: stops slow distributed guessing.
    per_account: Limit = Limit(hits=10, window=15 * 60)
    # Password reset requests: nobody can flood an inbox through us, or the outbox from one address.
    reset_per_client: Limit = Limit(hits=10, window=60 * 60)
    reset_per_address: Limit = Limit(hits=3, window=60 * 60)


_local_lock = asyncio.Lock()


async def _increment(store: Store, key: str, window: int) -> tuple[int, int]:
    if isinstance(store, CountingStore):  # the database or Redis: atomic across processes
        return await store.increment(key, window)
    # Any other store (memory, file): good within one process, which is where they are used.
    async with _local_lock:
        raw = await store.get(key)
        left = await store.expires_in(key)
        count = int(raw) + 1 if raw is not None and left else 1
        left = left if raw is not None and left else window
        await store.set(key, str(count).encode(), expires_in=timedelta(seconds=left))
    return count, left


async def _peek(store: Store, key: str) -> tuple[int, int]:
    raw = await store.get(key)
    if raw is None:
        return 0, 0
    return int(raw), await store.expires_in(key) or 0


class LoginLimiter:
    def __init__(self, store: Store, limits: LoginLimits | None = None) -> None:
        self.store = store
        self.limits = limits or LoginLimits()

    async def attempt(self, client: str, account: str) -> None:
        """Count an attempt; raise TooManyAttempts when the client or the account is over its limit."""
        count, left = await _increment(
            self.store, f"client:{client}", self.limits.per_client.window
        )
        if count > self.limits.per_client.hits:
            raise TooManyAttempts(left)
        failures, left = await _peek(self.store, f"account:{account[:320]}")
        if failures >= self.limits.per_account.hits:
            raise TooManyAttempts(left or self.limits.per_account.window)

    async def reset_requested(self, client: str, address: str) -> None:
        """Count a reset request; counted per address asked for, whether it has an account or not."""
        for key, limit in (
            (f"reset-client:{client}", self.limits.reset_per_client),
            (f"reset-address:{address[:320]}", self.limits.reset_per_address),
        ):
            count, left = await _increment(self.store, key, limit.window)
            if count > limit.hits:
                raise TooManyAttempts(left)

    async def failed(self, account: str) -> None:
        await _increment(self.store, f"account:{account[:320]}", self.limits.per_account.window)

    async def succeeded(self, account: str) -> None:
        await self.store.delete(f"account:{account[:320]}")


def handle_too_many_attempts(request: Request, exc: TooManyAttempts) -> Response:
    return error_response(
        request,
        429,
        gettext(exc.title),
        exc.message,
        extra={"retry_after": exc.retry_after},
        headers={"Retry-After": str(exc.retry_after)},
    )
