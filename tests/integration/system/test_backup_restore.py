"""`idmevents backup` during a burst of registrations, then `idmevents restore` to its counts."""

import asyncio
import os
import sqlite3
import subprocess
import sys

import httpx
import pytest

from idmevents.db import is_sqlite
from idmevents.registrations.tables import Registration
from tests.factories.meetings import make_meeting
from tests.factories.registrations import form
from tests.support.environment import ROOT
from tests.support.live_server import LiveServer

pytestmark = pytest.mark.skipif(not is_sqlite(), reason="backup/restore is for the SQLite default")
PEOPLE = 120


def run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "idmevents.cli", *args],
        cwd=ROOT,
        env=os.environ,
        capture_output=True,
        text=True,
        timeout=120,
    )


async def test_backup_during_a_burst_restores_to_the_same_counts(tmp_path):
    await make_meeting(slug="burst", capacity=40, opens_at=None, closes_at=None)
    server = LiveServer(env={"IDMEVENTS_REGISTRATION_RATE_LIMIT": "0/minute"}).start()
    target = tmp_path / "backup.sqlite3"
    try:
        async with httpx.AsyncClient(base_url=server.url, timeout=60) as http:
            gate = asyncio.Semaphore(10)

            async def register(n: int) -> int:
                async with gate:
                    answer = await http.post("/api/v1/meetings/burst/registrations", json=form(n))
                    return answer.status_code

            burst = [asyncio.create_task(register(n)) for n in range(1, PEOPLE + 1)]
            for _ in range(3000):  # back up once a quarter of the burst has landed
                if await Registration.count() >= PEOPLE // 4:
                    break
                await asyncio.sleep(0.02)
            made = await asyncio.to_thread(run, "backup", str(target))
            statuses = await asyncio.gather(*burst)
    finally:
        server.stop()
    assert made.returncode == 0, made.stderr
    assert statuses == [202] * PEOPLE
    with sqlite3.connect(target) as copy:
        assert copy.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        backed_up = copy.execute('SELECT COUNT(*) FROM "registration"').fetchone()[0]
    assert PEOPLE // 4 <= backed_up <= PEOPLE
    assert oct(target.stat().st_mode & 0o777) == "0o600"

    refused = run("restore", str(target))
    assert refused.returncode != 0 and "--force" in refused.stderr
    assert await Registration.count() == PEOPLE

    restored = run("restore", str(target), "--force")
    assert restored.returncode == 0, restored.stderr
    assert await Registration.count() == backed_up


def test_restore_refuses_what_is_not_a_whole_backup(tmp_path):
    junk = tmp_path / "junk.sqlite3"
    junk.write_bytes(b"not a database at all" * 100)
    result = run("restore", str(junk), "--force")
    assert result.returncode != 0 and "not an SQLite database" in result.stderr
    foreign = tmp_path / "foreign.sqlite3"
    with sqlite3.connect(foreign) as connection:
        connection.execute("CREATE TABLE t (x)")
    result = run("restore", str(foreign), "--force")
    assert result.returncode != 0 and "not an idmevents database" in result.stderr
    assert run("backup", str(foreign)).returncode != 0  # never overwrites a file
