"""Test set-up: a fresh database on the engine under test, an HTTP client, a live server, Chromium.

The engine is chosen once per run (`IDMEVENTS_TEST_ENGINE=sqlite|postgres`): Piccolo binds its
tables to one engine on first use, so `make test` runs the suite once per engine.
"""

from __future__ import annotations

import asyncio
import os
import socket
import ssl
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from email import policy as email_policy
from email.message import EmailMessage
from email.parser import BytesParser
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
ENGINE = os.environ.get("IDMEVENTS_TEST_ENGINE", "sqlite")
_TMP = Path(tempfile.mkdtemp(prefix="idmevents-tests-"))


def _postgres_test_url() -> str:
    import asyncpg

    server = os.environ.get("IDMEVENTS_TEST_POSTGRES_URL")
    if not server:
        raise pytest.UsageError("IDMEVENTS_TEST_ENGINE=postgres needs IDMEVENTS_TEST_POSTGRES_URL")
    name = f"idmevents_test_{os.getpid()}"

    async def create() -> None:
        connection = await asyncpg.connect(server)
        try:
            await connection.execute(f'DROP DATABASE IF EXISTS "{name}"')
            await connection.execute(f'CREATE DATABASE "{name}"')
            # A commit need not wait for its WAL record to reach the disk: a test database
            # outlives no crash, and what other connections see does not change.
            await connection.execute(f'ALTER DATABASE "{name}" SET synchronous_commit = off')
        finally:
            await connection.close()

    asyncio.run(create())
    base, _, _ = server.rpartition("/")
    return f"{base}/{name}"


# Everything the app reads from the environment is set before the first idmevents import.
os.environ["IDMEVENTS_VAR_DIR"] = str(_TMP / "var")
os.environ["IDMEVENTS_SECRET_KEY"] = "test-secret-key-not-for-production"
os.environ["IDMEVENTS_EMBEDDED_WORKER"] = "0"
os.environ["IDMEVENTS_DB_POOL_SIZE"] = "0"
# Public pages and feeds read the database on every request, so a test sees its changes at once
# (tests/integration/test_public_cache.py switches the caching on).
os.environ["IDMEVENTS_PUBLIC_CACHE_SECONDS"] = "0"
os.environ["IDMEVENTS_BASE_URL"] = "https://testserver.local"
# Cheap password hashing: a sign-in costs a millisecond instead of a tenth of a second.
os.environ["IDMEVENTS_ARGON2_TIME_COST"] = "1"
os.environ["IDMEVENTS_ARGON2_MEMORY_KIB"] = "1024"
os.environ.pop("IDMEVENTS_SMTP_URL", None)
if ENGINE == "postgres":
    os.environ["IDMEVENTS_DATABASE_URL"] = _postgres_test_url()
else:
    os.environ["IDMEVENTS_DATABASE_URL"] = f"sqlite:///{_TMP / 'test.sqlite3'}"

from idmevents.cli import migrate  # noqa: E402
from idmevents.db import all_tables, is_sqlite  # noqa: E402

asyncio.run(migrate())
from idmevents.wiring import register_mail_renderers  # noqa: E402

register_mail_renderers()  # as the app and the worker command do: queued recipes find their renderer


def pytest_report_header(config: pytest.Config) -> str:
    return f"idmevents engine: {ENGINE} ({os.environ['IDMEVENTS_DATABASE_URL']})"


async def truncate_all() -> None:
    """Empty every table in one round trip (children before parents, so foreign keys never object).

    DELETE on a handful of small tables is far cheaper than TRUNCATE, which rewrites files on
    PostgreSQL (about a second per test); sequences restart so ids are the same on both engines.
    On SQLite the DELETEs share one transaction: one commit, not one per table.
    """
    names = [table._meta.tablename for table in reversed(all_tables())]
    url = os.environ["IDMEVENTS_DATABASE_URL"]
    if is_sqlite():
        import sqlite3

        connection = sqlite3.connect(url.removeprefix("sqlite:///"), timeout=60)
        try:
            connection.executescript(
                "BEGIN IMMEDIATE;" + "".join(f'DELETE FROM "{name}";' for name in names) + "COMMIT;"
            )
        finally:
            connection.close()
    else:
        import asyncpg

        script = "".join(
            f'DELETE FROM "{name}"; ALTER SEQUENCE "{name}_id_seq" RESTART;' for name in names
        )
        connection = await asyncpg.connect(url)
        try:
            await connection.execute(script)
        finally:
            await connection.close()


@pytest.fixture(autouse=True)
async def clean_database():
    """Every test starts from empty tables (and no feed built from another test's tables)."""
    from idmevents.feeds.services import cache

    await truncate_all()
    cache.clear()
    yield


@pytest.fixture
async def demo(clean_database):
    """The IDM 2017 demo, placed in the coming year."""
    from idmevents.demo import load_demo

    await load_demo()


# Apps already built, with the settings each was built from: building one costs about 0.16 s, a
# test client on a built app a few milliseconds. An app keeps nothing of a test between clients:
# sessions and rate-limit counters live in the database, which every test empties, and each client
# runs the app's lifespan again.
_apps: list[tuple[object, object]] = []


def app_for_current_settings():
    """The app `create_app()` would build now, built once per distinct settings."""
    from idmevents.app import create_app
    from idmevents.settings import get_settings, reset_settings

    reset_settings()
    settings = get_settings()
    if settings.redis_url:
        # Its lifespan closes its own Redis client: such an app is not used twice.
        return create_app(settings)
    for built_from, app in _apps:
        if built_from == settings:
            return app
    app = create_app(settings)
    _apps.append((settings, app))
    return app


@pytest.fixture
async def client():
    from litestar.testing import AsyncTestClient

    async with AsyncTestClient(
        app=app_for_current_settings(), base_url="https://testserver.local"
    ) as test_client:
        yield test_client


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class LiveServer:
    """`idmevents serve` in a subprocess, on the test database."""

    def __init__(self, env: dict[str, str] | None = None) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.env = os.environ | {"IDMEVENTS_BASE_URL": self.url} | (env or {})
        self.log = _TMP / f"server-{self.port}.log"
        self.process: subprocess.Popen | None = None

    def start(self, timeout: float = 30) -> LiveServer:
        self.process = subprocess.Popen(
            [sys.executable, "-m", "idmevents.cli", "serve", "--port", str(self.port)],
            env=self.env,
            stdout=self.log.open("wb"),
            stderr=subprocess.STDOUT,
            cwd=ROOT,
        )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"server exited: {self.log.read_text()}")
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.2):
                    return self
            except OSError:
                time.sleep(0.1)
        raise RuntimeError(f"server did not start: {self.log.read_text()}")

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()


@pytest.fixture(scope="session")
def live_server():
    server = LiveServer().start()
    yield server
    server.stop()


def pytest_sessionfinish(session, exitstatus):
    """Drop this run's PostgreSQL database so that runs do not pile up databases."""
    if ENGINE != "postgres":
        return
    import asyncpg

    name = os.environ["IDMEVENTS_DATABASE_URL"].rpartition("/")[2]

    async def drop() -> None:
        connection = await asyncpg.connect(os.environ["IDMEVENTS_TEST_POSTGRES_URL"])
        try:
            await connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        finally:
            await connection.close()

    asyncio.run(drop())


# --- a real SMTP server -------------------------------------------------------------------------


@dataclass(frozen=True)
class Delivery:
    """One message as the SMTP server took it: the envelope, who logged in, over TLS or not."""

    mail_from: str
    rcpt_tos: tuple[str, ...]
    login: str | None
    tls: bool
    message: EmailMessage
    raw: bytes  # exactly as it came over the wire (DATA, dot-unstuffed)


@dataclass(frozen=True)
class TlsFiles:
    """A test CA and a server certificate it signed, valid for 127.0.0.1 and localhost."""

    ca: Path
    certificate: Path
    key: Path

    def server_context(self) -> ssl.SSLContext:
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(self.certificate, self.key)
        return context


class SmtpServer:
    """A real SMTP server (aiosmtpd) on 127.0.0.1 that keeps every message it accepts.

    `tls="starttls"` offers STARTTLS and requires it before AUTH; `tls="implicit"` speaks TLS from
    the first byte (smtps://). With `users`, a login is required and checked. `answer("451 ...",
    at="RCPT")` makes the server give that reply instead of accepting (at MAIL, RCPT or DATA)
    until `answer(None, at=...)`; `delay` holds each message that long before answering DATA.
    `stop()` and `start()` keep the port, so a client can find the server gone and back.
    """

    def __init__(
        self,
        *,
        tls: str | None = None,
        tls_files: TlsFiles | None = None,
        users: dict[str, str] | None = None,
    ) -> None:
        if tls not in {None, "starttls", "implicit"}:
            raise ValueError(f"tls must be None, 'starttls' or 'implicit', not {tls!r}")
        if tls and tls_files is None:
            raise ValueError("a TLS server needs tls_files")
        self.port = free_port()
        self.tls = tls
        self.tls_files = tls_files
        self.users = dict(users or {})
        self.deliveries: list[Delivery] = []
        self.replies: dict[str, str] = {}
        self.delay = 0.0
        self.data_started = 0  # messages whose DATA has begun (arrived or not yet answered)
        self._lock = threading.Lock()
        self._controller = None

    @property
    def url(self) -> str:
        scheme = "smtps" if self.tls == "implicit" else "smtp"
        return f"{scheme}://127.0.0.1:{self.port}"

    @property
    def messages(self) -> list[EmailMessage]:
        with self._lock:
            return [delivery.message for delivery in self.deliveries]

    def message_ids(self) -> list[str]:
        return [str(message["Message-ID"]) for message in self.messages]

    def answer(self, reply: str | None, *, at: str = "RCPT") -> None:
        if at not in {"MAIL", "RCPT", "DATA"}:
            raise ValueError(f"at must be MAIL, RCPT or DATA, not {at!r}")
        if reply is None:
            self.replies.pop(at, None)
        else:
            self.replies[at] = reply

    async def wait_for(self, count: int, within: float = 30) -> list[EmailMessage]:
        """The messages, once at least `count` have arrived (fails after `within` seconds)."""
        deadline = time.monotonic() + within
        while len(self.messages) < count:
            if time.monotonic() > deadline:
                raise AssertionError(f"{len(self.messages)} of {count} messages arrived")
            await asyncio.sleep(0.02)
        return self.messages

    async def wait_for_data(self, count: int = 1, within: float = 30) -> None:
        """Until `count` messages have begun arriving (for a test to act while one is in flight)."""
        deadline = time.monotonic() + within
        while self.data_started < count:
            if time.monotonic() > deadline:
                raise AssertionError(f"DATA began for {self.data_started} of {count} messages")
            await asyncio.sleep(0.01)

    # aiosmtpd handler hooks: they run on the server's own thread and event loop.
    async def handle_MAIL(self, server, session, envelope, address, mail_options):
        if reply := self.replies.get("MAIL"):
            return reply
        envelope.mail_from = address
        envelope.mail_options.extend(mail_options)
        return "250 OK"

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if reply := self.replies.get("RCPT"):
            return reply
        envelope.rcpt_tos.append(address)
        envelope.rcpt_options.extend(rcpt_options)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        with self._lock:
            self.data_started += 1
        if self.delay:
            await asyncio.sleep(self.delay)
        if reply := self.replies.get("DATA"):
            return reply
        login = session.auth_data.login.decode() if session.authenticated else None
        delivery = Delivery(
            mail_from=envelope.mail_from,
            rcpt_tos=tuple(envelope.rcpt_tos),
            login=login,
            tls=server.transport.get_extra_info("ssl_object") is not None,
            message=BytesParser(policy=email_policy.default).parsebytes(envelope.original_content),
            raw=envelope.original_content,
        )
        with self._lock:
            self.deliveries.append(delivery)
        return "250 Message accepted for delivery"

    def _authenticate(self, server, session, envelope, mechanism, auth_data):
        from aiosmtpd.smtp import AuthResult, LoginPassword

        ok = (
            isinstance(auth_data, LoginPassword)
            and self.users.get(auth_data.login.decode()) == auth_data.password.decode()
        )
        return AuthResult(success=ok, handled=False, auth_data=auth_data if ok else None)

    def start(self) -> SmtpServer:
        from aiosmtpd.controller import Controller

        options: dict = {"hostname": "127.0.0.1", "port": self.port, "server_hostname": "localhost"}
        if self.users:
            options |= {"authenticator": self._authenticate}
        if self.tls == "starttls":
            options |= {"tls_context": self.tls_files.server_context(), "require_starttls": True}
            if self.users:
                options |= {"auth_required": True}
        elif self.tls == "implicit":
            # The whole connection is TLS, which aiosmtpd's own "AUTH only after STARTTLS" check
            # does not see; logins are still only ever sent encrypted.
            options |= {"ssl_context": self.tls_files.server_context(), "auth_require_tls": False}
        self._controller = Controller(self, **options)
        self._controller.start()
        return self

    def stop(self) -> None:
        if self._controller is not None:
            self._controller.stop()
            self._controller = None


@pytest.fixture
def smtp_server():
    """A plain SMTP server on 127.0.0.1: `.url`, `.messages`, `.stop()`, `.start()`, `.answer()`."""
    server = SmtpServer().start()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def tls_files() -> TlsFiles:
    """A CA and a server certificate made for this run with the openssl command."""
    directory = _TMP / "tls"
    directory.mkdir(exist_ok=True)
    files = TlsFiles(directory / "ca.pem", directory / "server.pem", directory / "server.key")

    def openssl(*args: str) -> None:
        subprocess.run(["openssl", *args], cwd=directory, check=True, capture_output=True)

    openssl(
        "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
        "-keyout", "ca.key", "-out", "ca.pem", "-days", "2", "-subj", "/CN=idmevents test CA",
        "-addext", "basicConstraints=critical,CA:TRUE",
        "-addext", "keyUsage=critical,keyCertSign,cRLSign",
    )  # fmt: skip
    openssl(
        "req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
        "-keyout", "server.key", "-out", "server.csr", "-subj", "/CN=localhost",
    )  # fmt: skip
    (directory / "server.ext").write_text(
        "subjectAltName=IP:127.0.0.1,DNS:localhost\n"
        "basicConstraints=CA:FALSE\n"
        "keyUsage=critical,digitalSignature\n"
        "extendedKeyUsage=serverAuth\n"
    )
    openssl(
        "x509", "-req", "-in", "server.csr", "-CA", "ca.pem", "-CAkey", "ca.key",
        "-CAcreateserial", "-out", "server.pem", "-days", "2", "-extfile", "server.ext",
    )  # fmt: skip
    return files


# Accounts ------------------------------------------------------------------------------------

TEST_PASSWORD = "correct horse battery staple"
_password_hash: list[str] = []


@pytest.fixture
def make_user():
    """`await make_user(role, email=...)` → (user row, password). One argon2 hash per run: fast."""
    from idmevents.auth import services
    from idmevents.auth.tables import User

    counter = iter(range(1, 10_000))

    async def make(
        role: str = "organizer",
        email: str | None = None,
        *,
        display_name: str = "",
        active: bool = True,
    ) -> tuple[dict, str]:
        if not _password_hash:
            _password_hash.append(await services.hash_password(TEST_PASSWORD))
        services.check_role(role)
        address = services.normalise_email(email or f"{role}{next(counter)}@example.org")
        rows = await User.insert(
            User(
                email=address,
                display_name=display_name,
                password_hash=_password_hash[0],
                role=role,
                active=active,
            )
        ).returning(*User.all_columns())
        return rows[0], TEST_PASSWORD

    return make


async def _login(client, email: str, password: str, next_path: str = ""):
    """GET the login form (for its CSRF cookie), then POST it; returns the POST's response."""
    form = await client.get("/admin/login")
    assert form.status_code == 200, form.text
    data = {"email": email, "password": password, "_csrf_token": client.cookies.get("csrftoken")}
    if next_path:
        data["next"] = next_path
    return await client.post("/admin/login", data=data, follow_redirects=False)


@pytest.fixture
def login():
    """`await login(client, email, password)`: signs the client in; returns the POST's response."""
    return _login


@pytest.fixture
def api_token(make_user):
    """`await api_token(role)` → (user row, token string) for `Authorization: Bearer …`."""
    from idmevents.auth import services

    async def make(role: str = "organizer", email: str | None = None) -> tuple[dict, str]:
        user, _ = await make_user(role, email=email)
        _, secret = await services.create_token(user, "test")
        return user, secret

    return make
