"""Litestar's `Store` on the `store_entry` table: sessions and rate limits that every process sees.

One row per key (namespaced as "<namespace>:<key>"), the value as bytes, an optional expiry.
Expired rows are invisible to every read and are removed lazily (on read, and in small batches on
write), so the table does not grow with abandoned sessions.
"""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

from litestar.stores.base import NamespacedStore

from idmevents import db
from idmevents.auth.tables import StoreEntry

MAX_KEY_LENGTH = 400
# On about one write in this many, expired rows of the whole table are deleted.
PURGE_EVERY = 200
RENEW_SLACK = timedelta(seconds=60)


def _seconds(value: int | timedelta | None) -> timedelta | None:
    if value is None:
        return None
    delta = value if isinstance(value, timedelta) else timedelta(seconds=value)
    return delta if delta.total_seconds() > 0 else None


def _utc(value: datetime | None) -> datetime | None:
    # SQLite hands timestamps back naive in some set-ups; they are stored in UTC.
    if value is None or value.tzinfo is not None:
        return value
    return value.replace(tzinfo=UTC)


class DatabaseStore(NamespacedStore):
    """A process- and machine-shared key-value store on SQLite or PostgreSQL."""

    __slots__ = ()

    def __init__(self, namespace: str = "idmevents") -> None:
        self.namespace = namespace

    def with_namespace(self, namespace: str) -> DatabaseStore:
        return DatabaseStore(f"{self.namespace}:{namespace}")

    def _key(self, key: str) -> str:
        full = f"{self.namespace}:{key}"
        if len(full) > MAX_KEY_LENGTH:
            raise ValueError(f"store key longer than {MAX_KEY_LENGTH} characters")
        return full

    @staticmethod
    def _now() -> datetime:
        return datetime.now(UTC)

    async def set(
        self, key: str, value: str | bytes, expires_in: int | timedelta | None = None
    ) -> None:
        data = value.encode() if isinstance(value, str) else bytes(value)
        delta = _seconds(expires_in)
        now = self._now()
        expires_at = now + delta if delta else None
        # INSERT … ON CONFLICT DO UPDATE: one statement, so two processes setting the same key at
        # once both succeed and the last one wins, on SQLite and PostgreSQL alike.
        await StoreEntry.insert(
            StoreEntry(key=self._key(key), value=data, expires_at=expires_at)
        ).on_conflict(
            target=StoreEntry.key,
            action="DO UPDATE",
            values=[StoreEntry.value, StoreEntry.expires_at],
        )
        if random.randrange(PURGE_EVERY) == 0:
            await self.delete_expired()

    async def get(self, key: str, renew_for: int | timedelta | None = None) -> bytes | None:
        full = self._key(key)
        row = (
            await StoreEntry.select(StoreEntry.value, StoreEntry.expires_at)
            .where(StoreEntry.key == full)
            .first()
        )
        if row is None:
            return None
        expires_at = _utc(row["expires_at"])
        now = self._now()
        if expires_at is not None and expires_at <= now:
            await StoreEntry.delete().where(
                (StoreEntry.key == full) & (StoreEntry.expires_at <= now)
            )
            return None
        delta = _seconds(renew_for)
        # Renewing rewrites the row; within RENEW_SLACK of the asked-for expiry it is left alone,
        # so a signed-in organizer's every click is not a database write.
        if delta and expires_at is not None and expires_at < now + delta - RENEW_SLACK:
            await StoreEntry.update({StoreEntry.expires_at: now + delta}).where(
                StoreEntry.key == full
            )
        return bytes(row["value"])

    async def delete(self, key: str) -> None:
        await StoreEntry.delete().where(StoreEntry.key == self._key(key))

    async def delete_all(self) -> None:
        """Every key of this namespace and of the namespaces below it; other namespaces stay."""
        prefix = f"{self.namespace}:"
        # LIKE treats "_" in a namespace as a wildcard (and SQLite ignores case): it narrows the
        # rows, the exact prefix comparison decides.
        rows = await StoreEntry.select(StoreEntry.id, StoreEntry.key).where(
            StoreEntry.key.like(f"{prefix}%")
        )
        ids = [row["id"] for row in rows if row["key"].startswith(prefix)]
        for start in range(0, len(ids), 500):
            await StoreEntry.delete().where(StoreEntry.id.is_in(ids[start : start + 500]))

    async def _expiry(self, key: str) -> tuple[bool, datetime | None]:
        """Whether the key is stored, and when it expires (None: never)."""
        row = (
            await StoreEntry.select(StoreEntry.expires_at)
            .where(StoreEntry.key == self._key(key))
            .first()
        )
        return row is not None, None if row is None else _utc(row["expires_at"])

    async def exists(self, key: str) -> bool:
        stored, expires_at = await self._expiry(key)
        return stored and (expires_at is None or expires_at > self._now())

    async def expires_in(self, key: str) -> int | None:  # type: ignore[override]
        stored, expires_at = await self._expiry(key)
        if not stored or expires_at is None:
            return None
        remaining = (expires_at - self._now()).total_seconds()
        if remaining <= 0:
            return None
        return int(remaining)

    async def increment(self, key: str, window: int | timedelta) -> tuple[int, int]:
        """Count one more hit in the current fixed window; return (count, seconds left in window).

        Atomic across processes: the row is created if missing (ON CONFLICT DO NOTHING, so two
        creators do not collide), then read under a lock and rewritten in the same transaction.
        """
        full = self._key(key)
        delta = _seconds(window)
        if delta is None:
            raise ValueError("window must be positive")
        async with db.write_transaction():
            now = self._now()
            await StoreEntry.insert(
                StoreEntry(key=full, value=b"0", expires_at=now + delta)
            ).on_conflict(target=StoreEntry.key, action="DO NOTHING")
            row = await db.locked(
                StoreEntry.select(StoreEntry.value, StoreEntry.expires_at).where(
                    StoreEntry.key == full
                )
            ).first()
            expires_at = _utc(row["expires_at"]) if row else None
            if row is None or expires_at is None or expires_at <= now:
                count, expires_at = 1, now + delta
            else:
                count = int(bytes(row["value"]) or b"0") + 1
            await StoreEntry.update(
                {StoreEntry.value: str(count).encode(), StoreEntry.expires_at: expires_at}
            ).where(StoreEntry.key == full)
        return count, max(1, int((expires_at - now).total_seconds() + 0.999))

    async def delete_expired(self) -> int:
        """Remove every expired row of the table (all namespaces); returns how many went."""
        now = self._now()
        count = await StoreEntry.count().where(StoreEntry.expires_at <= now)
        if count:
            await StoreEntry.delete().where(StoreEntry.expires_at <= now)
        return count
