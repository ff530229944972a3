"""A worker that loses PostgreSQL mid-batch gives its claims back as soon as it reconnects."""

from __future__ import annotations

import asyncio
import os
import time
from collections import Counter

import asyncpg
import pytest

from idmevents.db import close_pool, is_sqlite, start_pool
from idmevents.mail.worker import run_worker
from tests.unit.mail.test_worker import outbox, queue, worker_settings

pytestmark = pytest.mark.skipif(
    is_sqlite(), reason="kills PostgreSQL connections (pg_terminate_backend)"
)

KILL_FOR_SECONDS = 2.5  # longer than the worker's retries of one outcome (0.5 + 1.0 s)


async def _kill_connections_for(seconds: float) -> int:
    """Terminate every other connection to the test database, again and again, for `seconds`."""
    url = os.environ["IDMEVENTS_DATABASE_URL"]
    control = await asyncpg.connect(url)
    killed = 0
    try:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            rows = await control.fetch(
                "SELECT pg_terminate_backend(pid) AS done FROM pg_stat_activity "
                "WHERE datname = current_database() AND pid <> pg_backend_pid()"
            )
            killed += sum(1 for row in rows if row["done"])
            await asyncio.sleep(0.02)
    finally:
        await control.close()
    return killed


async def test_claims_are_released_on_reconnect_not_after_the_lease(smtp_server):
    await queue(6)
    smtp_server.delay = 0.3
    await start_pool(4)
    stop = asyncio.Event()
    settings = worker_settings(smtp_url=smtp_server.url, poll_seconds=0.05, lease_seconds=300)
    worker = asyncio.create_task(run_worker(settings, stop=stop))
    try:
        # The first message is with the SMTP server: the worker holds the whole batch's claims.
        await smtp_server.wait_for_data(1)
        assert await _kill_connections_for(KILL_FOR_SECONDS) > 0
        started = time.monotonic()
        # Far sooner than the 300 s lease: every message is sent...
        await smtp_server.wait_for(6, within=20)
        waited = time.monotonic() - started
        deadline = time.monotonic() + 10
        while {row["status"] for row in await outbox()} != {"sent"}:
            assert time.monotonic() < deadline, await outbox()
            await asyncio.sleep(0.05)
    finally:
        stop.set()
        await asyncio.wait_for(worker, 10)
        await close_pool()
    rows = await outbox()
    assert waited < 20
    # ...exactly once: the one sent while the database was away is recorded, not sent again.
    assert Counter(smtp_server.message_ids()) == Counter(row["message_id"] for row in rows)
    assert {(row["status"], row["claimed_until"]) for row in rows} == {("sent", None)}
