"""The database Store: what Litestar's sessions and our rate limits rely on, on both engines."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

from idmevents.auth.store import DatabaseStore
from idmevents.auth.tables import StoreEntry


async def test_store_set_then_get_returns_bytes():
    store = DatabaseStore("test")
    await store.set("a", "text")
    await store.set("b", b"\x00\xffbinary")
    assert (await store.get("a"), await store.get("b")) == (b"text", b"\x00\xffbinary")


async def test_store_get_missing_is_none():
    assert await DatabaseStore("test").get("nothing") is None


async def test_store_set_overwrites_value_and_expiry():
    store = DatabaseStore("test")
    await store.set("k", b"one", expires_in=60)
    await store.set("k", b"two")
    assert (await store.get("k"), await store.expires_in("k")) == (b"two", None)
    assert await StoreEntry.count() == 1


async def test_store_expired_value_is_gone():
    store = DatabaseStore("test")
    await store.set("k", b"v", expires_in=60)
    past = datetime.now(UTC) - timedelta(seconds=1)
    await StoreEntry.update({StoreEntry.expires_at: past}).where(StoreEntry.key == "test:k")
    assert (await store.get("k"), await store.exists("k"), await store.expires_in("k")) == (
        None,
        False,
        None,
    )
    # Reading an expired key removes its row.
    assert await StoreEntry.count() == 0


async def test_store_expires_in_counts_down():
    store = DatabaseStore("test")
    await store.set("k", b"v", expires_in=timedelta(minutes=5))
    assert 298 <= await store.expires_in("k") <= 300
    assert await store.exists("k")


async def test_store_get_renews_expiry():
    store = DatabaseStore("test")
    await store.set("k", b"v", expires_in=10)
    assert await store.get("k", renew_for=3600) == b"v"
    assert 3590 <= await store.expires_in("k") <= 3600


async def test_store_renew_within_a_minute_writes_nothing():
    store = DatabaseStore("test")
    await store.set("k", b"v", expires_in=3600)
    before = await StoreEntry.select(StoreEntry.expires_at).first()
    await store.get("k", renew_for=3610)
    assert await StoreEntry.select(StoreEntry.expires_at).first() == before


async def test_store_renew_leaves_unexpiring_key_alone():
    store = DatabaseStore("test")
    await store.set("k", b"v")
    await store.get("k", renew_for=60)
    assert await store.expires_in("k") is None


async def test_store_delete_and_delete_all_keep_other_namespaces():
    sessions, limits = DatabaseStore("sessions"), DatabaseStore("limits")
    child = sessions.with_namespace("child")
    await sessions.set("a", b"1")
    await child.set("b", b"2")
    await limits.set("a", b"3")
    await sessions.delete("a")
    await sessions.delete("never-there")
    assert await sessions.get("a") is None
    await sessions.delete_all()
    assert (await child.get("b"), await limits.get("a")) == (None, b"3")


async def test_store_delete_all_of_namespace_with_underscore_spares_lookalikes():
    await DatabaseStore("a_b").set("k", b"1")
    await DatabaseStore("axb").set("k", b"2")
    await DatabaseStore("a_b").delete_all()
    assert await DatabaseStore("axb").get("k") == b"2"


async def test_store_delete_expired_purges_all_namespaces():
    store = DatabaseStore("test")
    await store.set("old", b"v", expires_in=60)
    await store.set("new", b"v", expires_in=60)
    await store.set("forever", b"v")
    past = datetime.now(UTC) - timedelta(seconds=5)
    await StoreEntry.update({StoreEntry.expires_at: past}).where(StoreEntry.key == "test:old")
    assert await store.delete_expired() == 1
    assert sorted(r["key"] for r in await StoreEntry.select(StoreEntry.key)) == [
        "test:forever",
        "test:new",
    ]


async def test_store_concurrent_set_same_key_leaves_one_row():
    store = DatabaseStore("test")
    values = [f"value-{number}".encode() for number in range(20)]
    await asyncio.gather(*(store.set("shared", value, expires_in=60) for value in values))
    assert await StoreEntry.count() == 1
    assert await store.get("shared") in values


async def test_store_concurrent_increment_counts_every_hit():
    store = DatabaseStore("test")
    results = await asyncio.gather(*(store.increment("hits", 60) for _ in range(20)))
    assert sorted(count for count, _ in results) == list(range(1, 21))
    assert await store.get("hits") == b"20"


async def test_store_increment_restarts_after_window():
    store = DatabaseStore("test")
    await store.increment("hits", 60)
    await store.increment("hits", 60)
    past = datetime.now(UTC) - timedelta(seconds=1)
    await StoreEntry.update({StoreEntry.expires_at: past}).where(StoreEntry.key == "test:hits")
    count, left = await store.increment("hits", 60)
    assert (count, 59 <= left <= 60) == (1, True)
