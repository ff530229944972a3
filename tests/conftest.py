"""Test set-up: a fresh database on the engine under test, an HTTP client, a live server, Chromium.

The engine is chosen once per run (`IDMEVENTS_TEST_ENGINE=sqlite|postgres`): Piccolo binds its
tables to one engine on first use, so `make test` runs the suite once per engine.
"""

from __future__ import annotations

import asyncio
import os
import socket
import subprocess
import sys
import tempfile
import time
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
os.environ["IDMEVENTS_BASE_URL"] = "https://testserver.local"
os.environ.pop("IDMEVENTS_SMTP_URL", None)
if ENGINE == "postgres":
    os.environ["IDMEVENTS_DATABASE_URL"] = _postgres_test_url()
else:
    os.environ["IDMEVENTS_DATABASE_URL"] = f"sqlite:///{_TMP / 'test.sqlite3'}"

from idmevents.cli import migrate  # noqa: E402
from idmevents.db import all_tables, engine, is_sqlite  # noqa: E402

asyncio.run(migrate())


def pytest_report_header(config: pytest.Config) -> str:
    return f"idmevents engine: {ENGINE} ({os.environ['IDMEVENTS_DATABASE_URL']})"


async def truncate_all() -> None:
    names = [table._meta.tablename for table in all_tables()]
    if is_sqlite():
        # Children before parents, so foreign keys never object.
        for name in reversed(names):
            await engine()._run_in_new_connection(f'DELETE FROM "{name}"')
    else:
        joined = ", ".join(f'"{name}"' for name in names)
        await engine()._run_in_new_connection(f"TRUNCATE {joined} RESTART IDENTITY CASCADE")


@pytest.fixture(autouse=True)
async def clean_database():
    """Every test starts from empty tables."""
    await truncate_all()
    yield


@pytest.fixture
async def demo(clean_database):
    """The IDM 2017 demo, placed in the coming year."""
    from idmevents.demo import load_demo

    await load_demo()


@pytest.fixture
async def client():
    from litestar.testing import AsyncTestClient

    from idmevents.app import create_app
    from idmevents.settings import reset_settings

    reset_settings()
    async with AsyncTestClient(
        app=create_app(), base_url="https://testserver.local"
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
