"""Per-client rate limits scoped to the routes that ask for one, each with its own store.

Litestar's RateLimitConfig counts every request that passes its middleware under one key per
client. Here a limit only counts requests to handlers whose `opt` carries its key (so a person
browsing the agenda never uses up their registration attempts), keeps its counters in a store of
its own (so the registration and login limits never share counts), and answers 429 with
Retry-After. The store is passed in, so that several processes can share one.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from time import time
from typing import TYPE_CHECKING, Any, NoReturn

from litestar.exceptions import TooManyRequestsException
from litestar.middleware.rate_limit import (
    DURATION_VALUES,
    CacheObject,
    DurationUnit,
    RateLimitConfig,
    RateLimitMiddleware,
)

from idmevents.i18n import gettext
from idmevents.stores import CountingStore

if TYPE_CHECKING:
    from litestar import Request
    from litestar.middleware.base import DefineMiddleware
    from litestar.types import Receive, Scope, Send

_LIMIT = re.compile(r"^\s*(\d+)\s*(?:/|per)\s*(second|minute|hour|day)\s*$")


@dataclass(frozen=True)
class RateLimit:
    """`count` requests per `unit` per client; a count of 0 switches the limit off."""

    count: int
    unit: DurationUnit

    @classmethod
    def parse(cls, text: str) -> RateLimit:
        """ "30/minute", "500/hour", "0/minute" (off)."""
        match = _LIMIT.match(text.lower())
        if match is None:
            raise ValueError(
                f"a rate limit reads like 30/minute (second, minute, hour or day), not {text!r}"
            )
        return cls(count=int(match.group(1)), unit=match.group(2))  # type: ignore[arg-type]

    @property
    def enabled(self) -> bool:
        return self.count > 0


class ScopedRateLimitMiddleware(RateLimitMiddleware):
    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        app = scope["litestar_app"]
        request: Request[Any, Any, Any] = app.request_class(scope)
        if await self.should_check_request(request=request):
            store = self.config.get_store_from_app(app)
            key = self.cache_key_from_request(request)
            if isinstance(store, CountingStore):
                # The database or Redis: one atomic count that every process shares (a read
                # then a write of the history would let concurrent processes lose counts).
                count, left = await store.increment(key, DURATION_VALUES[self.unit])
                cache_object = CacheObject(history=[0] * count, reset=int(time()) + left)
                if count > self.max_requests:
                    self._refuse(cache_object, left)
                send = self.create_send_wrapper(send=send, cache_object=cache_object)
                await self.app(scope, receive, send)
                return
            async with self._lock:
                cache_object = await self.retrieve_cached_history(key, store)
                if len(cache_object.history) >= self.max_requests:
                    self._refuse(cache_object, cache_object.reset - int(time()))
                await self.set_cached_history(key=key, cache_object=cache_object, store=store)
            send = self.create_send_wrapper(send=send, cache_object=cache_object)
        await self.app(scope, receive, send)

    def _refuse(self, cache_object: CacheObject, wait: int) -> NoReturn:
        wait = max(1, wait)
        headers = self.create_response_headers(cache_object=cache_object)
        headers["Retry-After"] = str(wait)
        raise TooManyRequestsException(
            detail=gettext(
                "Too many attempts from your network. Please wait %(seconds)s "
                "seconds and try again."
            )
            % {"seconds": wait},
            headers=headers,
        )

    def cache_key_from_request(self, request: Request[Any, Any, Any]) -> str:
        return f"{self.config.store}::{self.get_identifier_for_request(request)}"


def scoped_rate_limit(limit: RateLimit, *, opt_key: str, store: str) -> DefineMiddleware:
    """Middleware that limits the handlers whose `opt` has `opt_key` set, counting in `store`."""

    def applies(request: Request[Any, Any, Any]) -> bool:
        return bool(request.route_handler.opt.get(opt_key))

    return RateLimitConfig(
        rate_limit=(limit.unit, limit.count),
        check_throttle_handler=applies,
        middleware_class=ScopedRateLimitMiddleware,
        store=store,
    ).middleware
