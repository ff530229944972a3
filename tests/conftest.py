"""The fixtures every test can ask for: a fresh database on the engine under test, the demo, an
HTTP client, a live server, a real SMTP server, signed-in users and API tokens.

The helpers behind them live in tests/support/ (environment, database, apps, servers) and
tests/factories/ (rows made straight in the tables).
"""

from __future__ import annotations

import asyncio
import os

import pytest

from tests.support.environment import ENGINE, TMP, configure

# Everything the app reads from the environment is set before the first idmevents import.
configure()

from idmevents.cli import migrate  # noqa: E402
from tests.factories.auth import login as _login  # noqa: E402
from tests.factories.auth import user_maker  # noqa: E402
from tests.support.apps import app_for_current_settings  # noqa: E402
from tests.support.database import drop_postgres_database, truncate_all  # noqa: E402
from tests.support.live_server import LiveServer  # noqa: E402
from tests.support.smtp import SmtpServer, TlsFiles, make_tls_files  # noqa: E402

asyncio.run(migrate())
from idmevents.wiring import register_job_handlers, register_mail_renderers  # noqa: E402

register_mail_renderers()  # as the app and the worker command do: queued recipes find their renderer
register_job_handlers()  # and queued jobs their handler


def pytest_report_header(config: pytest.Config) -> str:
    return f"idmevents engine: {ENGINE} ({os.environ['IDMEVENTS_DATABASE_URL']})"


def pytest_sessionfinish(session, exitstatus):
    """Drop this run's PostgreSQL database so that runs do not pile up databases."""
    if ENGINE == "postgres":
        drop_postgres_database()


@pytest.fixture(autouse=True)
async def clean_database():
    """Every test starts from empty tables (and no feed built from another test's tables)."""
    from idmevents.feeds.services import cache

    await truncate_all()
    cache.clear()
    yield


@pytest.fixture
async def demo(clean_database):
    """The IDM 2017 demo, placed in the coming year, without its illustrative delegations (their
    quotas hold seats; tests/unit/demo and tests/unit/delegations load and test them)."""
    from idmevents.demo import load_demo

    await load_demo(delegations=False)
    # Accounts made before the demo (fixtures run in any order) work on its meetings too.
    from idmevents.meetings.tables import Meeting
    from tests.factories.teams import take_in_everyone

    for row in await Meeting.select(Meeting.id):
        await take_in_everyone(row["id"])


@pytest.fixture
async def client():
    from litestar.testing import AsyncTestClient

    async with AsyncTestClient(
        app=app_for_current_settings(), base_url="https://testserver.local"
    ) as test_client:
        yield test_client


@pytest.fixture(scope="session")
def live_server():
    server = LiveServer().start()
    yield server
    server.stop()


@pytest.fixture
def smtp_server():
    """A plain SMTP server on 127.0.0.1: `.url`, `.messages`, `.stop()`, `.start()`, `.answer()`."""
    server = SmtpServer().start()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def tls_files() -> TlsFiles:
    """A CA and a server certificate made for this run with the openssl command."""
    return make_tls_files(TMP / "tls")


@pytest.fixture
def make_user():
    """`await make_user(role, email=...)` → (user row, password). One argon2 hash per run: fast."""
    return user_maker()


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
