"""The shared stores: Redis's atomic counter, and which backend each name gets."""

from __future__ import annotations

import asyncio

import pytest

from idmevents.auth.store import DatabaseStore
from idmevents.stores import CountingStore, RedisStore, redis_client, shared_stores
from tests.support.processes import RedisServer


@pytest.fixture(scope="module")
def redis_url():
    if not RedisServer.available():
        pytest.skip("redis-server is not installed (make system-deps installs it)")
    server = RedisServer().start()
    yield server.url
    server.stop()


@pytest.fixture
async def redis(redis_url):
    client = redis_client(redis_url)
    await client.flushdb()
    yield client
    await client.aclose()


async def test_redis_increment_counts_every_concurrent_hit_once(redis):
    store = RedisStore(redis, namespace="idmevents:test")
    results = await asyncio.gather(*(store.increment("client:a", 60) for _ in range(50)))
    assert sorted(count for count, _ in results) == list(range(1, 51))
    assert {left for _, left in results} <= {59, 60}
    assert await store.get("client:a") == b"50"


async def test_redis_increment_starts_a_new_window_when_the_old_one_expires(redis):
    store = RedisStore(redis, namespace="idmevents:test")
    assert await store.increment("k", 1) == (1, 1)
    assert (await store.increment("k", 1))[0] == 2
    await asyncio.sleep(1.1)
    assert await store.increment("k", 1) == (1, 1)


async def test_redis_store_keys_carry_the_namespace(redis):
    stores = shared_stores(["sessions", "login_rate_limit"], redis)
    await stores["sessions"].set("abc", b"x", expires_in=60)
    await stores["login_rate_limit"].increment("client:b", 60)
    assert sorted(await redis.keys("*")) == [
        b"idmevents:login_rate_limit:client:b",
        b"idmevents:sessions:abc",
    ]


def test_without_redis_every_store_is_the_database():
    stores = shared_stores(["sessions", "login_rate_limit"])
    assert {name: (type(store), store.namespace) for name, store in stores.items()} == {
        "sessions": (DatabaseStore, "sessions"),
        "login_rate_limit": (DatabaseStore, "login_rate_limit"),
    }
    assert all(isinstance(store, CountingStore) for store in stores.values())
