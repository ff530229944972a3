"""Real processes for the tests of a multi-process set-up: `idmevents serve`, `idmevents worker`,
redis-server and nginx, each on a free loopback port, each stopped by the test that started it."""

from __future__ import annotations

import contextlib
import os
import re
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

from tests.support.environment import ROOT

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

    def kill(self) -> None:
        """SIGKILL the server and its workers, and return once its port refuses connections.

        A signalled process dies a moment after kill() returns, and `serve`'s worker processes
        die on their own schedule: until the port refuses, a connection can still reach one.
        """
        super().kill()
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=0.5).close()
            except OSError:
                return
            time.sleep(0.01)
        raise RuntimeError(f"port {self.port} still accepts connections after SIGKILL")

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


# nginx ----------------------------------------------------------------------------------------

SITE_FILE = ROOT / "deploy" / "nginx-idmevents.conf"
DEPLOYED_STATIC_DIR = "/srv/idmevents/src/idmevents/static/"
_UPSTREAM_SERVER = re.compile(r"^(\s*)server 127\.0\.0\.1:\d+( [^;]*)?;\n", re.MULTILINE)
_SSL_DIRECTIVE = re.compile(r"^\s*ssl_\w+ [^;]*;\n", re.MULTILINE)


def render_site(
    site: str,
    *,
    upstream_ports: list[int],
    http_port: int,
    static_dir: Path,
    webroot: Path,
    tls: tuple[int, Path, Path] | None = None,
) -> str:
    """deploy/'s site with only addresses and paths changed: loopback ports, this checkout's static
    files and, without `tls`, plain HTTP on `http_port` in place of the HTTPS server.

    Every substitution must match exactly as often as expected, so that a change to the site file
    that the test no longer covers fails here instead of going untested.
    """

    def replace(text: str, old: str, new: str, count: int = 1) -> str:
        found = text.count(old)
        if found != count:
            raise AssertionError(f"{old!r} found {found} times in the site file, not {count}")
        return text.replace(old, new)

    upstream_lines = _UPSTREAM_SERVER.findall(site)
    if len(upstream_lines) < 1:
        raise AssertionError("no `server 127.0.0.1:PORT` line in the upstream block")
    indent, options = upstream_lines[0]
    servers = "".join(f"{indent}server 127.0.0.1:{port}{options};\n" for port in upstream_ports)
    site = _UPSTREAM_SERVER.sub(lambda _: "", site, count=len(upstream_lines) - 1)
    site = _UPSTREAM_SERVER.sub(lambda _: servers, site, count=1)

    site = replace(site, DEPLOYED_STATIC_DIR, f"{static_dir}/")
    site = replace(site, "root /var/www/html;", f"root {webroot};")
    site = replace(site, "    listen [::]:80;\n", "")
    site = replace(site, "    listen [::]:443 ssl http2;\n", "")
    if tls is None:
        # The HTTPS server becomes plain HTTP on `http_port`; the redirecting one goes.
        site = replace(site, "    listen 80;\n", f"    listen 127.0.0.1:{free_port()};\n")
        site = replace(site, "    listen 443 ssl http2;\n", f"    listen 127.0.0.1:{http_port};\n")
        site = _SSL_DIRECTIVE.sub("", site)
    else:
        https_port, certificate, key = tls
        site = replace(site, "    listen 80;\n", f"    listen 127.0.0.1:{http_port};\n")
        site = replace(
            site, "    listen 443 ssl http2;\n", f"    listen 127.0.0.1:{https_port} ssl http2;\n"
        )
        site = replace(
            site, "/etc/letsencrypt/live/events.example.org/fullchain.pem", str(certificate)
        )
        site = replace(site, "/etc/letsencrypt/live/events.example.org/privkey.pem", str(key))
    return site


class Nginx(Process):
    """nginx in the foreground with deploy/'s site file, rendered by `render_site`."""

    name = "nginx"

    def __init__(
        self,
        upstream_ports: list[int],
        *,
        static_dir: Path,
        tls: tuple[int, Path, Path] | None = None,
    ) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.prefix = Path(tempfile.mkdtemp(prefix="idmevents-nginx-"))
        (self.prefix / "webroot").mkdir()
        site = render_site(
            SITE_FILE.read_text(),
            upstream_ports=upstream_ports,
            http_port=self.port,
            static_dir=static_dir,
            webroot=self.prefix / "webroot",
            tls=tls,
        )
        (self.prefix / "site.conf").write_text(site)
        # Worker processes drop to `user`; as root here, keep root so they can read the checkout.
        user = "user root;\n" if os.geteuid() == 0 else ""
        temp = "\n".join(
            f"    {kind}_temp_path {self.prefix}/{kind};"
            for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
        )
        (self.prefix / "nginx.conf").write_text(
            f"{user}worker_processes 1;\n"
            f"pid {self.prefix}/nginx.pid;\n"
            f"error_log {self.prefix}/error.log warn;\n"
            "daemon off;\n"
            "events { worker_connections 1024; }\n"
            "http {\n"
            "    include /etc/nginx/mime.types;\n"
            "    default_type application/octet-stream;\n"
            f"    access_log {self.prefix}/access.log;\n"
            f"{temp}\n"
            f"    include {self.prefix}/site.conf;\n"
            "}\n"
        )
        binary = shutil.which("nginx") or "/usr/sbin/nginx"
        super().__init__([binary, "-p", str(self.prefix), "-c", str(self.prefix / "nginx.conf")])

    @staticmethod
    def available() -> bool:
        return bool(shutil.which("nginx") or Path("/usr/sbin/nginx").exists())

    def check(self) -> subprocess.CompletedProcess:
        """`nginx -t` on the rendered configuration."""
        return subprocess.run(
            [*self.command, "-t"], capture_output=True, text=True, timeout=30, check=False
        )

    def start(self, timeout: float = 10) -> Nginx:
        self.spawn()
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if port_answers(self.port):
                return self
            if not self.running():
                break
            time.sleep(0.05)
        self.stop()
        raise RuntimeError(f"nginx did not start:\n{self.output()}")

    def stop(self, timeout: float = 15) -> int | None:
        status = super().stop(timeout)
        shutil.rmtree(self.prefix, ignore_errors=True)
        return status


def self_signed_certificate(directory: Path) -> tuple[Path, Path]:
    certificate, key = directory / "cert.pem", directory / "key.pem"
    subprocess.run(
        [
            "openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
            "-subj", "/CN=localhost", "-keyout", str(key), "-out", str(certificate),
        ],
        check=True,
        capture_output=True,
        timeout=60,
    )  # fmt: skip
    return certificate, key
