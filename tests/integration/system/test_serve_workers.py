"""`idmevents serve --workers N`: N processes, each with its own lifespan and database pool."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import time
import urllib.request
from pathlib import Path

import asyncpg
import httpx
import pytest

from idmevents.audit.tables import AuditEntry
from idmevents.db import is_sqlite, write_transaction
from idmevents.mail.message import Email
from idmevents.mail.outbox import enqueue
from idmevents.mail.tables import OutboxMessage
from tests.support.processes import Serve

# What each server logs when one of its worker processes is ready.
STARTED = {"uvicorn": "Application startup complete.", "granian": "] Started worker-"}


def worker_pids(parent: int) -> set[int]:
    """The worker processes under `parent`: uvicorn spawns them, granian forks them; neither is
    multiprocessing's resource tracker."""
    pids = set()
    for child in Path(f"/proc/{parent}/task/{parent}/children").read_text().split():
        try:
            command = Path(f"/proc/{child}/cmdline").read_bytes()
        except FileNotFoundError:
            continue
        if b"resource_tracker" not in command:
            pids.add(int(child))
    return pids


def two_workers(server: Serve, without: int | None = None) -> set[int]:
    """The worker pids once there are exactly two (and `without` is not one of them), else empty."""
    pids = worker_pids(server.pid)
    return pids if len(pids) == 2 and without not in pids else set()


def wait_for(condition, timeout: float = 60, interval: float = 0.1):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if value := condition():
            return value
        time.sleep(interval)
    raise AssertionError(f"timed out waiting for {condition.__name__}")


def get(url: str) -> tuple[int, bytes]:
    with urllib.request.urlopen(url, timeout=10) as response:
        return response.status, response.read()


async def connections_to_test_database() -> int:
    url = os.environ["IDMEVENTS_DATABASE_URL"]
    connection = await asyncpg.connect(url)
    try:
        return await connection.fetchval(
            "SELECT count(*) FROM pg_stat_activity "
            "WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )
    finally:
        await connection.close()


@pytest.mark.parametrize("http_server", ["uvicorn", "granian"])
async def test_two_workers_serve_and_a_killed_one_is_replaced(http_server, demo):
    server = Serve({"IDMEVENTS_SERVER": http_server}, workers=2).start()
    try:
        workers = wait_for(lambda: two_workers(server))
        # Both have finished starting before one is killed: on a loaded machine the second may
        # still be starting when the first already answers, and would then never log its line.
        wait_for(lambda: server.output().count(STARTED[http_server]) >= 2)
        for _ in range(10):
            assert get(f"{server.url}/meetings/idm-geneva")[0] == 200
        victim = min(workers)
        os.kill(victim, signal.SIGKILL)
        # The server's supervisor notices and starts a fresh worker in its place.
        replaced = wait_for(lambda: two_workers(server, without=victim))
        assert len(replaced - workers) == 1
        for _ in range(10):
            assert get(f"{server.url}/health") == (200, b'{"status":"ok","database":"ok"}')
        # The replacement has finished starting (its third "started" line) before the stop: a
        # SIGTERM while a worker is still starting leaves granian 2.8 waiting on that worker until
        # it is killed (deploy/README.md: TimeoutStopSec bounds it).
        wait_for(lambda: server.output().count(STARTED[http_server]) >= 3)
    finally:
        status = server.stop()
    assert status == 0, server.output()


@pytest.mark.skipif(
    os.environ.get("IDMEVENTS_TEST_ENGINE", "sqlite") != "postgres",
    reason="connection pools exist on PostgreSQL only (SQLite opens the file per query)",
)
@pytest.mark.parametrize("http_server", ["uvicorn", "granian"])
async def test_each_worker_opens_its_own_pool_and_closes_it_on_stop(http_server):
    assert not is_sqlite()
    server = Serve(
        {"IDMEVENTS_DB_POOL_SIZE": "5", "IDMEVENTS_SERVER": http_server}, workers=2
    ).start()
    try:
        # Each process's lifespan opened a pool of 2 (POOL_MIN_SIZE) kept-open connections.
        deadline = time.monotonic() + 30
        while (count := await connections_to_test_database()) != 4:
            assert time.monotonic() < deadline, f"{count} connections, expected 4"
            await asyncio.sleep(0.2)
    finally:
        status = server.stop()
    assert status == 0, server.output()
    # SIGTERM ran every worker's lifespan shutdown: no connection is left behind.
    assert await connections_to_test_database() == 0


@pytest.mark.skipif(
    os.environ.get("IDMEVENTS_TEST_ENGINE", "sqlite") != "sqlite",
    reason="the servers' proxy-header check does not depend on the engine: tested in the SQLite run",
)
@pytest.mark.parametrize("http_server", ["uvicorn", "granian"])
@pytest.mark.parametrize(
    ("trusted", "seen"), [("127.0.0.1", "203.0.113.5"), ("192.0.2.1", "127.0.0.1")]
)
async def test_forwarded_for_is_believed_only_from_the_proxy(http_server, trusted, seen, make_user):
    """The address the app counts (rate limits, audit) comes from X-Forwarded-For only when the
    connection comes from IDMEVENTS_FORWARDED_ALLOW_IPS."""
    user, password = await make_user("organizer")
    server = Serve(
        {"IDMEVENTS_SERVER": http_server, "IDMEVENTS_FORWARDED_ALLOW_IPS": trusted}
    ).start()
    try:
        async with httpx.AsyncClient(base_url=server.url, timeout=20) as client:
            await client.get("/admin/login")
            response = await client.post(
                "/admin/login",
                data={
                    "email": user["email"],
                    "password": password,
                    "_csrf_token": client.cookies["csrftoken"],
                },
                headers={"X-Forwarded-For": "203.0.113.5", "X-Forwarded-Proto": "https"},
            )
    finally:
        server.stop()
    assert response.status_code == 303
    rows = await AuditEntry.select(AuditEntry.data).where(AuditEntry.action == "login")
    assert [json.loads(row["data"]) for row in rows] == [{"address": seen}]


async def test_embedded_mail_workers_of_every_process_send_each_message_once(smtp_server):
    """`serve --workers 2` runs two embedded outbox workers: they share the queue, never a message."""
    async with write_transaction():
        for number in range(60):
            await enqueue(
                Email(
                    kind="test",
                    to_address=f"person{number}@example.org",
                    subject=f"Message {number}",
                    text="Hello",
                )
            )
    queued = sorted(
        row["message_id"] for row in await OutboxMessage.select(OutboxMessage.message_id)
    )
    server = Serve(
        {
            "IDMEVENTS_EMBEDDED_WORKER": "1",
            "IDMEVENTS_SMTP_URL": smtp_server.url,
            "IDMEVENTS_MAIL_POLL_SECONDS": "0.2",
            "IDMEVENTS_MAIL_BATCH_SIZE": "5",
        },
        workers=2,
    ).start()
    try:
        await smtp_server.wait_for(60, within=60)
        # Time for a duplicate, if there were to be one, to arrive too.
        await asyncio.sleep(1)
        statuses = await OutboxMessage.select(OutboxMessage.status).distinct()
    finally:
        status = server.stop()
    assert status == 0, server.output()
    assert sorted(smtp_server.message_ids()) == queued
    assert statuses == [{"status": "sent"}]
