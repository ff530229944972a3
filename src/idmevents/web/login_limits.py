"""Sign-in attempts, limited per client address and per (address, account), in a shared store."""

from __future__ import annotations

import asyncio
import secrets
from dataclasses import dataclass
from datetime import timedelta

from litestar import Request, Response
from litestar.stores.base import Store

from idmevents.errors import AppError
from idmevents.i18n import gettext, ngettext
from idmevents.stores import CountingStore
from idmevents.web.common import error_response

LOGIN_RATE_LIMIT_STORE = "login_rate_limit"


class TooManyAttempts(AppError, status=429, title="Too many attempts"):
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
    # Every attempt from one address, whatever the account: stops spraying passwords over many
    # accounts. An office behind one NAT still signs in comfortably.
    per_client: Limit = Limit(hits=30, window=10 * 60)
    # Failures from one address on one account before that pair must wait; failures are
    # remembered for `window` seconds. The owner signing in from another address is never held
    # up by what an attacker did elsewhere: nobody can lock an account out.
    per_account: Limit = Limit(hits=5, window=24 * 60 * 60)
    # The first wait, doubled at each further failure, up to `max_delay`.
    first_delay: int = 60
    max_delay: int = 60 * 60
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


class LoginLimiter:
    """Sign-in throttling: per address overall, and growing waits per (address, account).

    An account's counters live under a generation that a password reset renews, so a reset
    clears every address's failures on that account at once.
    """

    def __init__(self, store: Store, limits: LoginLimits | None = None) -> None:
        self.store = store
        self.limits = limits or LoginLimits()

    async def _pair(self, client: str, account: str) -> str:
        account = account[:320]
        generation = await self.store.get(f"generation:{account}")
        return f"{(generation or b'0').decode()}:{client}:{account}"

    async def attempt(self, client: str, account: str) -> None:
        """Count an attempt; raise TooManyAttempts when the client is over its limit, or when
        this client must still wait before trying this account again."""
        count, left = await _increment(
            self.store, f"client:{client}", self.limits.per_client.window
        )
        if count > self.limits.per_client.hits:
            raise TooManyAttempts(left)
        pair = await self._pair(client, account)
        if await self.store.get(f"wait:{pair}") is not None:
            raise TooManyAttempts(await self.store.expires_in(f"wait:{pair}") or 1)

    async def failed(self, client: str, account: str) -> None:
        """A wrong password: past the free failures, this pair waits, twice as long each time."""
        pair = await self._pair(client, account)
        failures, _ = await _increment(
            self.store, f"failures:{pair}", self.limits.per_account.window
        )
        beyond = failures - self.limits.per_account.hits
        if beyond >= 0:
            delay = min(self.limits.first_delay * 2 ** min(beyond, 30), self.limits.max_delay)
            await self.store.set(f"wait:{pair}", b"1", expires_in=timedelta(seconds=delay))

    async def succeeded(self, client: str, account: str) -> None:
        pair = await self._pair(client, account)
        await self.store.delete(f"failures:{pair}")
        await self.store.delete(f"wait:{pair}")

    async def cleared(self, account: str) -> None:
        """Forget every address's failures on `account` (its password was just reset)."""
        await self.store.set(
            f"generation:{account[:320]}",
            secrets.token_hex(8).encode(),
            expires_in=timedelta(
                seconds=self.limits.per_account.window + self.limits.max_delay + 60
            ),
        )

    async def reset_requested(self, client: str, address: str) -> None:
        """Count a reset request; counted per address asked for, whether it has an account or not."""
        for key, limit in (
            (f"reset-client:{client}", self.limits.reset_per_client),
            (f"reset-address:{address[:320]}", self.limits.reset_per_address),
        ):
            count, left = await _increment(self.store, key, limit.window)
            if count > limit.hits:
                raise TooManyAttempts(left)


def handle_too_many_attempts(request: Request, exc: TooManyAttempts) -> Response:
    return error_response(
        request,
        429,
        gettext(exc.title),
        exc.message,
        extra={"retry_after": exc.retry_after},
        headers={"Retry-After": str(exc.retry_after)},
    )
