"""Real processes for the tests of a multi-process set-up: `idmevents serve`, `idmevents worker`,
redis-server and nginx, each on a free loopback port, each stopped by the test that started it."""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
LOG_DIR = Path(tempfile.mkdtemp(prefix="idmevents-processes-"))


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def port_answers(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.2):
            return True
    except OSError:
        return False


class Process:
    """A subprocess with its output in a log file; `stop()` sends SIGTERM, then SIGKILL."""

    name = "process"

    def __init__(self, command: list[str], env: dict[str, str] | None = None) -> None:
        self.command = command
        self.env = os.environ | (env or {})
        self.log = LOG_DIR / f"{self.name}-{time.monotonic_ns()}.log"
        self.process: subprocess.Popen | None = None

    @property
    def pid(self) -> int:
        assert self.process is not None
        return self.process.pid

    def spawn(self) -> None:
        self.process = subprocess.Popen(
            self.command,
            env=self.env,
            cwd=ROOT,
            stdout=self.log.open("wb"),
            stderr=subprocess.STDOUT,
            # Its own process group: `serve --workers N` is a parent with N children to stop.
            start_new_session=True,
        )

    def output(self) -> str:
        return self.log.read_text(errors="replace")

    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def stop(self, timeout: float = 15) -> int | None:
        """SIGTERM, wait, then SIGKILL the whole group; returns the exit status."""
        if self.process is None:
            return None
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(timeout=5)
        # Anything of the group still alive (a worker child) goes too.
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGKILL)
        return self.process.returncode

    def kill(self) -> None:
        """SIGKILL, as an out-of-memory killer or a power cut would: no clean-up at all."""
        assert self.process is not None
        os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=5)


class Serve(Process):
    """`idmevents serve` on a free port."""

    name = "serve"

    def __init__(self, env: dict[str, str] | None = None, *, workers: int = 1) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        command = [sys.executable, "-m", "idmevents.cli", "serve", "--port", str(self.port)]
        if workers != 1:
            command += ["--workers", str(workers)]
        super().__init__(command, {"IDMEVENTS_BASE_URL": self.url} | (env or {}))

    def start(self, timeout: float = 60) -> Serve:
        self.spawn()
        return self.wait_healthy(timeout)

    def wait_healthy(self, timeout: float = 60) -> Serve:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if not self.running():
                raise RuntimeError(f"idmevents serve exited:\n{self.output()}")
            try:
                with urllib.request.urlopen(f"{self.url}/health", timeout=2) as response:
                    if response.status == 200:
                        return self
            except (OSError, urllib.error.URLError):
                pass
            time.sleep(0.1)
        self.stop()
        raise RuntimeError(f"idmevents serve did not become healthy:\n{self.output()}")


def start_all(servers: list[Serve], timeout: float = 60) -> list[Serve]:
    """Start several servers at once (their imports overlap) and wait until each is healthy."""
    for server in servers:
        server.spawn()
    try:
        for server in servers:
            server.wait_healthy(timeout)
    except RuntimeError:
        for server in servers:
            server.stop()
        raise
    return servers


class Worker(Process):
    """`idmevents worker`."""

    name = "worker"

    def __init__(self, env: dict[str, str] | None = None) -> None:
        super().__init__([sys.executable, "-m", "idmevents.cli", "worker"], env)

    def start(self) -> Worker:
        self.spawn()
        return self


class RedisServer(Process):
    """A private redis-server on a free port, nothing saved to disk."""

    name = "redis"

    def __init__(self) -> None:
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        binary = shutil.which("redis-server") or "redis-server"
        super().__init__(
            [
                binary,
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
            ]
        )

    @staticmethod
    def available() -> bool:
        return shutil.which("redis-server") is not None

    def start(self, timeout: float = 10) -> RedisServer:
        self.spawn()
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if port_answers(self.port):
                return self
            if not self.running():
                break
            time.sleep(0.05)
        self.stop()
        raise RuntimeError(f"redis-server did not start:\n{self.output()}")
