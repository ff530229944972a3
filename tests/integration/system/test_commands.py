"""The `idmevents` commands as an operator runs them, in subprocesses."""

import os
import subprocess
import sys
import urllib.error
import urllib.request

import pytest

from idmevents.meetings.tables import Meeting, MeetingSession
from tests.support.environment import ROOT
from tests.support.live_server import LiveServer


def run(*args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "idmevents.cli", *args],
        cwd=ROOT,
        env=os.environ | (env or {}),
        capture_output=True,
        text=True,
        timeout=120,
    )


async def test_demo_command_twice_leaves_the_same_data():
    first = run("demo")
    assert first.returncode == 0, first.stderr
    assert "demo loaded: 2 meetings, 16 sessions, 7 panelists" in first.stdout
    before = await MeetingSession.select().order_by(MeetingSession.id)
    second = run("demo")
    assert second.returncode == 0, second.stderr
    assert await MeetingSession.select().order_by(MeetingSession.id) == before
    assert await Meeting.count() == 2


def test_migrate_command_is_idempotent():
    for _ in range(2):
        result = run("migrate")
        assert result.returncode == 0, result.stderr
        assert "database is up to date" in result.stdout


def test_migrate_on_a_new_database_says_what_it_did_once(tmp_path):
    """Not Piccolo's "15 migrations already complete" then "15 not yet run" on an empty file."""
    env = {"IDMEVENTS_DATABASE_URL": f"sqlite:///{tmp_path / 'new.sqlite3'}"}
    migrations = len(list((ROOT / "migrations").glob("idmevents_*.py")))
    first = run("migrate", env=env)
    assert first.returncode == 0, first.stderr
    assert first.stdout.splitlines() == [
        f"applied {migrations} migrations",
        "database is up to date",
    ]
    again = run("migrate", env=env)
    assert again.returncode == 0, again.stderr
    assert again.stdout.splitlines() == ["database is up to date"]
    assert "already complete" not in first.stdout + first.stderr + again.stdout + again.stderr


def test_unknown_command_is_refused():
    result = run("frobnicate")
    assert result.returncode == 2
    assert "invalid choice" in result.stderr


@pytest.mark.parametrize(
    "url", ["sqlite:////nonexistent-dir/idm.sqlite3", "postgresql://postgres@127.0.0.1:1/none"]
)
def test_health_is_503_when_the_database_is_unreachable(url):
    server = LiveServer(env={"IDMEVENTS_DATABASE_URL": url}).start()
    try:
        with pytest.raises(urllib.error.HTTPError) as failure:
            urllib.request.urlopen(f"{server.url}/health", timeout=10)
        assert failure.value.code == 503
        assert failure.value.read() == b'{"status":"unavailable","database":"unreachable"}'
    finally:
        server.stop()


def test_ctrl_c_stops_serve_cleanly_with_a_browser_connection_open():
    """Ctrl-C signals the whole process group, as a terminal does: granian's workers must stop
    within their grace period (no "Killing worker-1 after it refused to gracefully stop")."""
    import http.client
    import signal
    import socket
    import time

    from tests.support.processes import free_port

    port = free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "idmevents.cli", "serve", "--port", str(port)],
        cwd=ROOT,
        env=os.environ | {"IDMEVENTS_BASE_URL": f"http://127.0.0.1:{port}"},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                break
            except OSError:
                time.sleep(0.1)
        browser = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        browser.request("GET", "/health")
        assert browser.getresponse().read()  # the connection stays open (keep-alive)
        os.killpg(server.pid, signal.SIGINT)
        output, _ = server.communicate(timeout=15)
        browser.close()
    finally:
        if server.poll() is None:
            os.killpg(server.pid, signal.SIGKILL)
            server.wait()
    assert server.returncode == 0, output
    assert "Killing" not in output and "Traceback" not in output, output
    assert "shutdown completed" in output
