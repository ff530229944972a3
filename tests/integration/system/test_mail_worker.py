"""`idmevents worker` and the worker inside `idmevents serve`, as processes, against real SMTP."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

from idmevents.mail.tables import OutboxMessage
from tests.integration.system.test_commands import run
from tests.support.environment import ROOT, TMP
from tests.support.live_server import LiveServer
from tests.unit.mail.test_worker import outbox, queue


class Worker:
    """`idmevents worker` in a subprocess, its output in a log file."""

    count = 0

    def __init__(self, **env: str) -> None:
        Worker.count += 1
        self.log = TMP / f"worker-{os.getpid()}-{Worker.count}.log"
        self.process = subprocess.Popen(
            [sys.executable, "-m", "idmevents.cli", "worker"],
            cwd=ROOT,
            env=os.environ
            | {"IDMEVENTS_MAIL_POLL_SECONDS": "0.05", "IDMEVENTS_DB_POOL_SIZE": "2"}
            | env,
            stdout=self.log.open("wb"),
            stderr=subprocess.STDOUT,
        )

    def output(self) -> str:
        return self.log.read_text()

    async def wait_for_output(self, text: str, within: float = 20) -> None:
        deadline = time.monotonic() + within
        while text not in self.output():
            assert self.process.poll() is None, f"worker exited early:\n{self.output()}"
            assert time.monotonic() < deadline, f"worker never said {text!r}:\n{self.output()}"
            await asyncio.sleep(0.05)

    async def wait_for_exit(self, within: float = 10) -> int:
        deadline = time.monotonic() + within
        while self.process.poll() is None:
            assert time.monotonic() < deadline, f"worker did not exit:\n{self.output()}"
            await asyncio.sleep(0.05)
        return self.process.returncode

    def kill(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait()


async def wait_until_all_sent(within: float = 20) -> list[dict]:
    deadline = time.monotonic() + within
    while True:
        rows = await outbox()
        if all(row["status"] == "sent" for row in rows):
            return rows
        assert time.monotonic() < deadline, f"not all sent: {[row['status'] for row in rows]}"
        await asyncio.sleep(0.1)


async def test_worker_command_sends_the_outbox_and_stops_on_sigterm(smtp_server):
    await queue(2)
    worker = Worker(IDMEVENTS_SMTP_URL=smtp_server.url)
    try:
        await smtp_server.wait_for(2, within=20)
        rows = await wait_until_all_sent()
        worker.process.send_signal(signal.SIGTERM)
        assert await worker.wait_for_exit() == 0
    finally:
        worker.kill()
    assert Counter(smtp_server.message_ids()) == Counter(row["message_id"] for row in rows)
    output = worker.output()
    assert f"mail goes to {smtp_server.url}" in output
    assert "outbox worker stopped" in output


async def test_worker_sigterm_finishes_the_message_in_hand_and_gives_back_the_rest(smtp_server):
    await queue(3)
    smtp_server.delay = 0.5
    worker = Worker(IDMEVENTS_SMTP_URL=smtp_server.url)
    try:
        await smtp_server.wait_for_data(1, within=20)  # the first message is with the server
        worker.process.send_signal(signal.SIGTERM)
        assert await worker.wait_for_exit() == 0
    finally:
        worker.kill()
    rows = await outbox()
    assert [(row["status"], row["claimed_until"]) for row in rows] == [
        ("sent", None),
        ("queued", None),
        ("queued", None),
    ]
    assert smtp_server.message_ids() == [rows[0]["message_id"]]


async def test_worker_killed_mid_batch_loses_nothing(smtp_server):
    ids = await queue(8)
    smtp_server.delay = 0.25
    lease = {"IDMEVENTS_MAIL_LEASE_SECONDS": "1"}
    first = Worker(IDMEVENTS_SMTP_URL=smtp_server.url, **lease)
    try:
        await smtp_server.wait_for(3, within=20)
    finally:
        first.kill()  # SIGKILL: no chance to record or give anything back
    at_kill = {row["id"]: row for row in await outbox()}
    in_flight = {row["message_id"] for row in at_kill.values() if row["status"] == "sending"}
    assert {row["status"] for row in at_kill.values()} == {"sent", "sending"}
    assert len(in_flight) >= 8 - len(smtp_server.messages)

    smtp_server.delay = 0
    second = Worker(IDMEVENTS_SMTP_URL=smtp_server.url, **lease)
    try:
        rows = await wait_until_all_sent()
    finally:
        second.kill()
    assert [row["id"] for row in rows] == ids
    received = Counter(smtp_server.message_ids())
    assert set(received) == {row["message_id"] for row in rows}  # every one arrived
    duplicates = [message_id for message_id, count in received.items() if count > 1]
    # At most the one message the server had when the worker died comes twice, and it is
    # recognisable: the same Message-ID as the row it belongs to, a row that was in flight.
    assert len(duplicates) <= 1
    assert set(duplicates) <= in_flight
    assert max(received.values()) <= 2


async def test_two_worker_processes_never_send_the_same_row(smtp_server):
    smtp_server.delay = 0.02
    env = {"IDMEVENTS_SMTP_URL": smtp_server.url, "IDMEVENTS_MAIL_BATCH_SIZE": "3"}
    workers = [Worker(**env), Worker(**env)]
    try:
        for worker in workers:
            await worker.wait_for_output("outbox worker started")
        await queue(24)
        rows = await wait_until_all_sent()
    finally:
        for worker in workers:
            worker.kill()
    assert Counter(smtp_server.message_ids()) == Counter(row["message_id"] for row in rows)
    assert {row["attempts"] for row in rows} == {1}
    # Both took part: the queue really was shared.
    assert all("outbox: sent" in worker.output() for worker in workers)


async def test_serve_runs_the_embedded_worker_writing_eml_files_without_smtp(tmp_path):
    mail_dir = Path(tmp_path) / "var" / "mail"
    server = LiveServer(
        env={
            "IDMEVENTS_EMBEDDED_WORKER": "1",
            "IDMEVENTS_VAR_DIR": str(tmp_path / "var"),
            "IDMEVENTS_MAIL_POLL_SECONDS": "0.05",
        }
    ).start()
    try:
        await queue(2)
        rows = await wait_until_all_sent()
    finally:
        server.stop()
    assert sorted(path.name for path in mail_dir.iterdir()) == sorted(
        f"{row['message_id'].strip('<>')}.eml" for row in rows
    )
    stored = {
        row["message_id"]: row["raw"]
        for row in await OutboxMessage.select(OutboxMessage.message_id, OutboxMessage.raw)
    }
    for message_id, raw in stored.items():
        assert (mail_dir / f"{message_id.strip('<>')}.eml").read_bytes() == raw.encode()


def test_worker_and_serve_refuse_a_bad_smtp_url():
    for command in ("worker", "serve"):
        result = run(
            command,
            env={
                "IDMEVENTS_SMTP_URL": "smtp://relay.example:smtp",
                "IDMEVENTS_EMBEDDED_WORKER": "1",
            },
        )
        assert result.returncode == 1, result.stderr
        assert result.stderr.strip() == (
            "error: IDMEVENTS_SMTP_URL 'smtp://relay.example:smtp': "
            "the port must be a number from 1 to 65535"
        )
