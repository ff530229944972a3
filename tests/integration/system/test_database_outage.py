"""A database outage answers 503 with Retry-After everywhere, and the app recovers by itself.

The server runs on a PostgreSQL database of its own; the outage is made by closing its
connections and renaming the database (the server itself keeps running for everyone else).
"""

import asyncio
import json
import os
import subprocess
import sys
import time
import urllib.error
import urllib.request
from email.message import Message

import pytest

from tests.support.environment import ROOT
from tests.support.live_server import LiveServer

SERVER_URL = os.environ.get("IDMEVENTS_TEST_POSTGRES_URL")
pytestmark = pytest.mark.skipif(not SERVER_URL, reason="needs IDMEVENTS_TEST_POSTGRES_URL")


@pytest.fixture
def clean_database():
    """This test brings its own database."""
    yield


def fetch(url: str, **headers: str) -> tuple[int, Message, bytes]:
    request = urllib.request.Request(url, headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=20) as answer:
            return answer.status, answer.headers, answer.read()
    except urllib.error.HTTPError as error:
        return error.code, error.headers, error.read()


def post_json(url: str, body: bytes) -> tuple[int, Message, bytes]:
    request = urllib.request.Request(
        url, data=body, headers={"Content-Type": "application/json"}, method="POST"
    )
    try:
        with urllib.request.urlopen(request, timeout=20) as answer:
            return answer.status, answer.headers, answer.read()
    except urllib.error.HTTPError as error:
        return error.code, error.headers, error.read()


async def admin(sql: str) -> None:
    import asyncpg

    connection = await asyncpg.connect(SERVER_URL)
    try:
        await connection.execute(sql)
    finally:
        await connection.close()


async def take_down(name: str) -> None:
    """Close the app's connections and rename its database so that it cannot reconnect."""
    # First refuse new connections, so that the app (whose pool reconnects at once) cannot win
    # the race between closing its connections and renaming the database on a loaded machine.
    await admin(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS false')
    for _ in range(20):
        await admin(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
            f"WHERE datname = '{name}' AND pid <> pg_backend_pid()"
        )
        try:
            await admin(f'ALTER DATABASE "{name}" RENAME TO "{name}_away"')
            return
        except Exception:  # a connection came back in between: close it again
            await asyncio.sleep(0.1)
    raise AssertionError("could not take the database away")


def test_outage_is_503_with_retry_after_then_recovers():
    name = f"idmevents_outage_{os.getpid()}"
    base, _, _ = SERVER_URL.rpartition("/")
    url = f"{base}/{name}"
    asyncio.run(admin(f'DROP DATABASE IF EXISTS "{name}"'))
    asyncio.run(admin(f'DROP DATABASE IF EXISTS "{name}_away"'))
    asyncio.run(admin(f'CREATE DATABASE "{name}"'))
    env = {"IDMEVENTS_DATABASE_URL": url, "IDMEVENTS_DB_POOL_SIZE": "2"}
    migrated = subprocess.run(
        [sys.executable, "-m", "idmevents.cli", "migrate"],
        cwd=ROOT,
        env=os.environ | env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert migrated.returncode == 0, migrated.stderr
    server = LiveServer(env=env).start()
    try:
        assert fetch(f"{server.url}/")[0] == 200
        asyncio.run(take_down(name))

        status, headers, body = fetch(f"{server.url}/", **{"Accept-Language": "fr"})
        assert status == 503, (status, body[:300], server.log.read_text()[-3000:])
        assert (status, headers["Retry-After"]) == (503, "30")
        assert "text/html" in headers["Content-Type"]
        assert "Temporairement indisponible" in body.decode()
        status, headers, body = post_json(
            f"{server.url}/api/v1/meetings/idm-new-york/registrations", b"{}"
        )
        assert (status, headers["Retry-After"]) == (503, "30")
        assert json.loads(body)["error"] == "Temporarily unavailable"
        status, headers, body = fetch(f"{server.url}/health")
        assert (status, json.loads(body)) == (
            503,
            {"status": "unavailable", "database": "unreachable"},
        )

        asyncio.run(admin(f'ALTER DATABASE "{name}_away" RENAME TO "{name}"'))
        asyncio.run(admin(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS true'))
        deadline = time.monotonic() + 20
        while fetch(f"{server.url}/")[0] != 200:
            assert time.monotonic() < deadline, "the app did not recover"
            time.sleep(0.2)
        assert fetch(f"{server.url}/health")[0] == 200
    finally:
        server.stop()
        for leftover in (name, f"{name}_away"):
            asyncio.run(admin(f'DROP DATABASE IF EXISTS "{leftover}" WITH (FORCE)'))
