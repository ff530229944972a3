"""The real set-up of deploy/: nginx with deploy/'s site file in front of two `idmevents serve`
processes, with `idmevents worker` processes sending the outbox, on PostgreSQL.

The site file is rendered by `tests.support.processes.render_site`, which changes only listen
addresses, certificate paths and the static directory: the location blocks and proxy settings under
test are the deployed ones.
"""

from __future__ import annotations

import asyncio
import gzip
import json
import os
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import httpx
import pytest

from idmevents.audit.tables import AuditEntry
from idmevents.mail.tables import OutboxMessage
from idmevents.meetings.tables import Meeting
from idmevents.registrations.tables import Registration
from idmevents.settings import STATIC_DIR
from tests.support.processes import (
    Nginx,
    Serve,
    Worker,
    free_port,
    self_signed_certificate,
    start_all,
)
from tests.support.smtp import SmtpServer

ON_POSTGRES = os.environ.get("IDMEVENTS_TEST_ENGINE", "sqlite") == "postgres"
needs_nginx = pytest.mark.skipif(
    not Nginx.available(), reason="nginx is not installed (make system-deps installs it)"
)
needs_postgres = pytest.mark.skipif(
    not ON_POSTGRES,
    reason="several web and worker processes are the PostgreSQL set-up (deploy/README.md); "
    "SQLite serves one machine with one process",
)


def behind_nginx(servers: list[Serve]) -> tuple[list[Serve], Nginx]:
    """nginx in front of `servers`, which all take its address as theirs, as deployed processes
    share one IDMEVENTS_BASE_URL (links in feeds and emails)."""
    nginx = Nginx([server.port for server in servers], static_dir=STATIC_DIR)
    for server in servers:
        server.env["IDMEVENTS_BASE_URL"] = nginx.url
    return servers, nginx


@needs_nginx
def test_site_file_with_tls_passes_nginx_t(tmp_path):
    certificate, key = self_signed_certificate(tmp_path)
    nginx = Nginx(
        [free_port(), free_port()], static_dir=STATIC_DIR, tls=(free_port(), certificate, key)
    )
    try:
        result = nginx.check()
    finally:
        nginx.stop()
    assert result.returncode == 0, result.stderr
    assert "test is successful" in result.stderr


@pytest.fixture(scope="module")
def site():
    """nginx in front of two web processes (no embedded mail worker: dedicated workers send)."""
    env = {"IDMEVENTS_EMBEDDED_WORKER": "0", "IDMEVENTS_DB_POOL_SIZE": "5"}
    servers, nginx = behind_nginx([Serve(env), Serve(env)])
    try:
        start_all(servers)
        nginx.start()
        yield nginx, servers
    finally:
        nginx.stop()
        for server in servers:
            server.stop()


@needs_nginx
@needs_postgres
async def test_static_files_come_from_nginx(site):
    nginx, _ = site
    async with httpx.AsyncClient(base_url=nginx.url) as client:
        response = await client.get("/static/style.css")
    assert response.status_code == 200
    assert response.content == (STATIC_DIR / "style.css").read_bytes()
    assert response.headers["cache-control"] == "max-age=3600"
    # nginx answered from disk: no app-made header such as the CSRF cookie or a vary on language.
    assert response.headers["server"].startswith("nginx")


@needs_nginx
@needs_postgres
async def test_a_client_cannot_choose_its_address_through_the_proxy(site, make_user):
    """The app sees the address nginx saw (what rate limits count), not a forged X-Forwarded-For."""
    nginx, _ = site
    user, password = await make_user("organizer")
    async with httpx.AsyncClient(base_url=nginx.url) as client:
        await client.get("/admin/login")
        response = await client.post(
            "/admin/login",
            data={
                "email": user["email"],
                "password": password,
                "_csrf_token": client.cookies["csrftoken"],
            },
            headers={"X-Forwarded-For": "203.0.113.66", "X-Real-IP": "203.0.113.66"},
        )
    assert response.status_code == 303
    rows = await AuditEntry.select(AuditEntry.data).where(AuditEntry.action == "login")
    assert [json.loads(row["data"]) for row in rows] == [{"address": "127.0.0.1"}]


@needs_nginx
@needs_postgres
async def test_bodies_over_the_limits_are_refused(site):
    nginx, _ = site
    async with httpx.AsyncClient(base_url=nginx.url) as client:
        await client.get("/admin/login")
        form = {"Content-Type": "application/x-www-form-urlencoded"}
        # Over nginx's 1 MB: refused before any web process sees it.
        huge = await client.post("/admin/login", content=b"x" * (2 * 1024 * 1024), headers=form)
        # Over the app's 64 KB but under nginx's limit: the app's own answer.
        large = await client.post("/admin/login", content=b"x" * (100 * 1024), headers=form)
    assert (huge.status_code, huge.headers["server"].startswith("nginx")) == (413, True)
    assert "413 Request Entity Too Large" in huge.text
    assert large.status_code == 413
    assert "413 Request Entity Too Large" not in large.text


# 500 registrations for 100 seats, one web process killed mid-way ---------------------------

SEATS = 100
PEOPLE = 500
KILL_AFTER = 100  # responses received before one web process is killed
CONCURRENCY = 64
PROXY_NOTICES = 0.3  # seconds for nginx to see a dead process's kept-alive connections close


@pytest.fixture
async def full_setup(clean_database):
    """A 100-seat meeting; nginx before two web processes; two workers sending to aiosmtpd."""
    today = datetime.now(UTC).date()
    await Meeting.insert(
        Meeting(
            slug="scale-test",
            title="Scale test",
            timezone="Europe/Zurich",
            starts_on=today + timedelta(days=60),
            ends_on=today + timedelta(days=61),
            registration_opens_at=datetime.now(UTC) - timedelta(days=1),
            capacity=SEATS,
            approval_categories=[],
            status="published",
        )
    )
    smtp = SmtpServer().start()
    env = {
        "IDMEVENTS_EMBEDDED_WORKER": "0",
        "IDMEVENTS_DB_POOL_SIZE": "5",
        "IDMEVENTS_SMTP_URL": smtp.url,
        "IDMEVENTS_MAIL_POLL_SECONDS": "0.2",
        "IDMEVENTS_MAIL_BATCH_SIZE": "20",
        # Every request comes from 127.0.0.1: a limit that counts, but never refuses here.
        "IDMEVENTS_REGISTRATION_RATE_LIMIT": "100000/minute",
    }
    servers, nginx = behind_nginx([Serve(env), Serve(env)])
    start_all(servers)
    workers = [Worker(env | {"IDMEVENTS_BASE_URL": nginx.url}).start() for _ in range(2)]
    try:
        nginx.start()
        yield nginx, servers, workers, smtp
    finally:
        nginx.stop()
        for process in [*servers, *workers]:
            process.stop()
        smtp.stop()


@dataclass
class Attempt:
    email: str
    started: float
    status: int | None = None  # None: the connection failed
    body: dict | None = None


async def register(client: httpx.AsyncClient, number: int) -> Attempt:
    attempt = Attempt(email=f"person{number:03d}@example.org", started=time.monotonic())
    try:
        response = await client.post(
            "/api/v1/meetings/scale-test/registrations",
            json={
                "given_name": "Person",
                "family_name": f"Number {number}",
                "email": attempt.email,
                "organization": "Scale test",
                "category": "academia",
                "consent": True,
            },
        )
    except httpx.TransportError:
        return attempt
    attempt.status = response.status_code
    if response.headers.get("content-type", "").startswith("application/json"):
        attempt.body = response.json()
    return attempt


@needs_nginx
@needs_postgres
async def test_500_registrations_for_100_seats_through_nginx_with_a_web_process_killed(full_setup):
    nginx, servers, _, smtp = full_setup
    limits = httpx.Limits(max_connections=CONCURRENCY, max_keepalive_connections=CONCURRENCY)
    killed_at: list[float] = []
    done = asyncio.Event()
    answered = 0

    async with httpx.AsyncClient(base_url=nginx.url, timeout=60, limits=limits) as client:
        gate = asyncio.Semaphore(CONCURRENCY)

        async def one(number: int) -> Attempt:
            nonlocal answered
            async with gate:
                attempt = await register(client, number)
            answered += 1
            if answered >= KILL_AFTER:
                done.set()
            return attempt

        async def killer() -> None:
            await done.wait()
            # SIGKILL, no graceful anything; returns once the process's port refuses connections.
            await asyncio.to_thread(servers[0].kill)
            killed_at.append(time.monotonic())

        results = await asyncio.gather(killer(), *(one(n) for n in range(PEOPLE)))
        attempts: list[Attempt] = list(results[1:])

        # Requests that did not get their 202: those whose registration is not in the database
        # provably did not commit (a killed process's open transaction is rolled back by
        # PostgreSQL; one second is ample for it to see the connection gone), so they are sent
        # again. Those that did commit are counted as registered, as the person would find out
        # from their email.
        failed = [a for a in attempts if a.status != 202]
        await asyncio.sleep(1)
        committed = {
            row["email_key"]
            for row in await Registration.select(Registration.email_key).where(
                Registration.email_key.is_in([a.email for a in failed] or ["-"])
            )
        }
        retried = [
            await register(client, int(a.email[6:9])) for a in failed if a.email not in committed
        ]

    print(
        f"{len(failed)} of {PEOPLE} failed when a web process was killed "
        f"({sorted({str(a.status) for a in failed})}), {len(committed)} of them had committed, "
        f"{len(retried)} sent again"
    )
    assert killed_at, "the web process was never killed"
    # Every failure happened to a request already in flight while the process died (nginx may
    # hand one more to a kept-alive connection of the dead process in the instant before its
    # event loop sees that connection close: PROXY_NOTICES allows for it)...
    after = [a for a in attempts if a.started >= killed_at[0] + PROXY_NOTICES]
    print(f"{len(after)} sent after the web process was gone")
    assert [(a.email, a.status) for a in after if a.status != 202] == []
    # ...the rest kept serving: many requests came after the kill, and all got their answer...
    assert len(after) >= 50, len(after)
    # ...and every retry, on the surviving process, succeeded.
    assert [a.status for a in retried] == [202] * len(retried)
    assert servers[1].running()

    # Exactly 100 confirmed, 400 waiting in arrival order, nobody twice.
    rows = await Registration.select(
        Registration.email_key, Registration.status, Registration.waitlist_seq
    ).order_by(Registration.id)
    assert len(rows) == PEOPLE
    assert len({row["email_key"] for row in rows}) == PEOPLE
    by_status = {
        status: [row for row in rows if row["status"] == status]
        for status in ("confirmed", "waitlisted")
    }
    assert (len(by_status["confirmed"]), len(by_status["waitlisted"])) == (SEATS, PEOPLE - SEATS)
    waiting = sorted(by_status["waitlisted"], key=lambda row: row["waitlist_seq"])
    rank = {row["email_key"]: place for place, row in enumerate(waiting, start=1)}
    # What each person is told (by email: the API answers everyone alike) is what the database
    # holds: positions 1..400, each once.
    told = {
        row["to_address"].lower(): json.loads(row["recipe"])["position"]
        for row in await OutboxMessage.select(OutboxMessage.to_address, OutboxMessage.recipe).where(
            OutboxMessage.kind == "registration-waitlisted"
        )
    }
    assert sorted(rank.values()) == list(range(1, PEOPLE - SEATS + 1))
    assert {email: rank[email] for email in told} == told

    # Every queued email reaches the SMTP server exactly once (one Message-ID, one recipient).
    outbox = await OutboxMessage.select(
        OutboxMessage.message_id, OutboxMessage.to_address, OutboxMessage.kind
    )
    assert len(outbox) == PEOPLE
    await smtp.wait_for(len(outbox), within=60)
    await asyncio.sleep(0.5)  # a duplicate would arrive now
    delivered = sorted(
        (str(message["Message-ID"]), str(message["To"]).rpartition("<")[2].rstrip(">"))
        for message in smtp.messages
    )
    expected = sorted((row["message_id"], row["to_address"]) for row in outbox)
    assert delivered == expected
    confirmations = {row["to_address"] for row in outbox if row["kind"].endswith("confirmed")}
    assert confirmations == {row["email_key"] for row in by_status["confirmed"]}
    assert await OutboxMessage.count().where(OutboxMessage.status != "sent") == 0


@needs_nginx
@needs_postgres
@pytest.mark.parametrize(
    ("path", "media_type"),
    [
        ("/meetings/idm-geneva/agenda.ics", "text/calendar"),
        ("/meetings/idm-geneva/agenda.json", "application/json"),
        ("/meetings/idm-geneva", "text/html"),
    ],
)
async def test_feeds_reach_clients_gzipped_through_the_proxy(site, demo, path, media_type):
    nginx, _ = site
    async with httpx.AsyncClient(base_url=nginx.url) as client:
        request = client.build_request("GET", path, headers={"Accept-Encoding": "gzip"})
        response = await client.send(request, stream=True)
        raw = b"".join([chunk async for chunk in response.aiter_raw()])
        await response.aclose()
        plain = await client.get(path, headers={"Accept-Encoding": "identity"})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith(media_type)
    assert response.headers["content-encoding"] == "gzip"
    assert "Accept-Encoding" in response.headers["vary"]
    assert gzip.decompress(raw) == plain.content
    assert len(raw) < len(plain.content) / 2
