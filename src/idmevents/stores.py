"""The stores every process shares (sessions, rate-limit counters): the database, or Redis.

Litestar keeps sessions and rate-limit counters in named `Store`s. Its default `MemoryStore` lives
inside one process, which breaks as soon as two processes serve: a session made on one is unknown
to the other, and each process counts its own share of a client's attempts. `shared_stores()`
gives every name a store on the database (`auth.store.DatabaseStore`, the default) or on Redis
(`IDMEVENTS_REDIS_URL`), which every process and machine behind the proxy sees alike.

Counting must be atomic across processes, so both backends offer `increment(key, window)`: a
fixed-window counter that one statement (PostgreSQL/SQLite) or one Lua script (Redis) moves on.
"""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING, Protocol, runtime_checkable

from litestar.stores.redis import RedisStore as LitestarRedisStore
from redis.asyncio import Redis

from idmevents.auth.store import DatabaseStore

if TYPE_CHECKING:
    from litestar.stores.base import Store

# Redis keys start with this, so one Redis can serve other applications too.
REDIS_NAMESPACE = "idmevents"
# A Redis that stops answering must not hang requests: fail fast, the request gets an error page.
REDIS_TIMEOUT_SECONDS = 5.0


@runtime_checkable
class CountingStore(Protocol):
    async def increment(self, key: str, window: int | timedelta) -> tuple[int, int]:
        """One more hit in the current fixed window: (hits so far, seconds until it resets)."""
        ...


_INCREMENT = b"""
local count = redis.call('INCR', KEYS[1])
local ttl = redis.call('TTL', KEYS[1])
if ttl < 0 then
    redis.call('EXPIRE', KEYS[1], ARGV[1])
    ttl = tonumber(ARGV[1])
end
return {count, ttl}
"""


class RedisStore(LitestarRedisStore):
    """Litestar's RedisStore with an atomic fixed-window counter."""

    __slots__ = ("_increment_script",)

    def __init__(self, redis: Redis, namespace: str, handle_client_shutdown: bool = False) -> None:
        super().__init__(redis, namespace=namespace, handle_client_shutdown=handle_client_shutdown)
        self._increment_script = self._redis.register_script(_INCREMENT)

    async def increment(self, key: str, window: int | timedelta) -> tuple[int, int]:
        seconds = int(window.total_seconds()) if isinstance(window, timedelta) else int(window)
        if seconds <= 0:
            raise ValueError("window must be positive")
        count, ttl = await self._increment_script(keys=[self._make_key(key)], args=[seconds])
        return int(count), max(1, int(ttl))


def redis_client(url: str) -> Redis:
    return Redis.from_url(
        url,
        socket_timeout=REDIS_TIMEOUT_SECONDS,
        socket_connect_timeout=REDIS_TIMEOUT_SECONDS,
        health_check_interval=30,
    )


def shared_stores(names: list[str], redis: Redis | None = None) -> dict[str, Store]:
    """A store for each name, on Redis when `redis` is given (one client for all), else the database.

    The Redis client is not closed by the stores: whoever made it closes it once, at shutdown.
    """
    if redis is not None:
        return {name: RedisStore(redis, namespace=f"{REDIS_NAMESPACE}:{name}") for name in names}
    return {name: DatabaseStore(name) for name in names}


def is_store_outage(exc: BaseException) -> bool:
    """Whether `exc` means the shared Redis store cannot be reached right now."""
    from redis.exceptions import ConnectionError as RedisConnectionError
    from redis.exceptions import TimeoutError as RedisTimeoutError

    return isinstance(exc, RedisConnectionError | RedisTimeoutError)


async def redis_answers(redis: Redis) -> bool:
    try:
        return bool(await redis.ping())
    except Exception:  # any failure to reach Redis means "not healthy"
        return False
