"""Two `idmevents serve` processes on one database: what one knows about a visitor, the other knows.

Sessions and login-attempt counters live in a shared store (the database, or Redis when
IDMEVENTS_REDIS_URL is set); the CSRF token is a cookie signed with the shared secret key. A
request may land on either process behind the proxy, so each check starts on one and ends on the
other.
"""

from __future__ import annotations

import asyncio
import os

import httpx
import pytest
from redis.asyncio import Redis

from idmevents.auth.tables import StoreEntry
from tests.support.processes import RedisServer, Serve, start_all

BACKENDS = ["database", "redis"]
REGISTRATION_LIMIT = 4


@pytest.fixture(scope="module", params=BACKENDS)
def backend(request):
    """(backend name, redis URL or None, two servers)."""
    env: dict[str, str] = {"IDMEVENTS_REGISTRATION_RATE_LIMIT": f"{REGISTRATION_LIMIT}/minute"}
    redis_server = None
    if request.param == "redis":
        if os.environ.get("IDMEVENTS_TEST_ENGINE", "sqlite") != "sqlite":
            pytest.skip("Redis does not depend on the database engine: tested in the SQLite run")
        if not RedisServer.available():
            pytest.skip("redis-server is not installed (make system-deps installs it)")
        redis_server = RedisServer().start()
        env["IDMEVENTS_REDIS_URL"] = redis_server.url
    servers = [Serve(env), Serve(env)]
    try:
        start_all(servers)
        yield request.param, redis_server.url if redis_server else None, servers
    finally:
        for server in servers:
            server.stop()
        if redis_server:
            redis_server.stop()


@pytest.fixture
async def redis_flushed(backend):
    _, url, _ = backend
    if url:
        client = Redis.from_url(url)
        await client.flushdb()
        await client.aclose()


async def login_form(client: httpx.AsyncClient, server: Serve) -> str:
    response = await client.get(f"{server.url}/admin/login")
    assert response.status_code == 200
    return client.cookies["csrftoken"]


async def test_login_on_one_process_signs_in_on_the_other(backend, redis_flushed, make_user):
    _, _, (first, second) = backend
    user, password = await make_user("organizer", email="ana@example.org")
    async with httpx.AsyncClient(timeout=20) as client:
        token = await login_form(client, first)
        # The CSRF cookie that `first` issued is accepted by `second`.
        response = await client.post(
            f"{second.url}/admin/login",
            data={"email": user["email"], "password": password, "_csrf_token": token},
        )
        assert (response.status_code, response.headers["location"]) == (303, "/admin/")
        # The session that `second` stored is found by `first`.
        dashboard = await client.get(f"{first.url}/admin/")
        assert dashboard.status_code == 200
        assert "ana@example.org" in dashboard.text
        # Signing out on `first` ends the session on `second` too.
        token = client.cookies["csrftoken"]
        response = await client.post(f"{first.url}/admin/logout", data={"_csrf_token": token})
        assert response.status_code == 303
        after = await client.get(f"{second.url}/admin/", follow_redirects=False)
        assert (after.status_code, after.headers["location"]) == (
            303,
            "/admin/login?next=/admin",
        )


async def test_forged_csrf_token_is_refused_by_every_process(backend, make_user):
    _, _, servers = backend
    user, password = await make_user("organizer")
    async with httpx.AsyncClient(timeout=20) as client:
        token = await login_form(client, servers[0])
        forged = token[:-4] + ("aaaa" if not token.endswith("aaaa") else "bbbb")
        for server in servers:
            response = await client.post(
                f"{server.url}/admin/login",
                data={"email": user["email"], "password": password, "_csrf_token": forged},
            )
            assert response.status_code == 403


async def test_failed_logins_count_across_processes(backend, redis_flushed, make_user):
    """Five failures from one address on one account, wherever they land, make that address
    wait on both processes (web/login_limits.py)."""
    _, _, servers = backend
    user, _ = await make_user("organizer")
    async with httpx.AsyncClient(timeout=20) as client:
        token = await login_form(client, servers[0])

        async def attempt(server: Serve) -> int:
            response = await client.post(
                f"{server.url}/admin/login",
                data={"email": user["email"], "password": "wrong guess", "_csrf_token": token},
            )
            return response.status_code

        # Concurrently, half on each process: a per-process or racy count would let more through.
        statuses = await asyncio.gather(*(attempt(servers[i % 2]) for i in range(5)))
        assert sorted(statuses) == [400] * 5
        assert [await attempt(server) for server in servers] == [429, 429]


async def test_sessions_are_kept_where_the_settings_say(backend, redis_flushed, make_user):
    name, url, (first, _) = backend
    user, password = await make_user("organizer")
    async with httpx.AsyncClient(timeout=20) as client:
        token = await login_form(client, first)
        response = await client.post(
            f"{first.url}/admin/login",
            data={"email": user["email"], "password": password, "_csrf_token": token},
        )
        assert response.status_code == 303
        session_id = client.cookies["idm_session"]
    rows = await StoreEntry.select(StoreEntry.key).where(StoreEntry.key.like("sessions:%"))
    if name == "database":
        assert rows == [{"key": f"sessions:{session_id}"}]
    else:
        redis = Redis.from_url(url)
        try:
            keys = sorted(key.decode() for key in await redis.keys("idmevents:sessions:*"))
        finally:
            await redis.aclose()
        assert (rows, keys) == ([], [f"idmevents:sessions:{session_id}"])


async def test_registration_rate_limit_counts_across_processes(backend, redis_flushed, demo):
    """Eight concurrent registrations from one address, half on each process, limit four."""
    _, _, servers = backend

    async def register(client: httpx.AsyncClient, number: int) -> int:
        response = await client.post(
            f"{servers[number % 2].url}/api/v1/meetings/idm-geneva/registrations",
            json={
                "given_name": "Rate",
                "family_name": f"Limited {number}",
                "email": f"limited{number}@example.org",
                "organization": "Test",
                "category": "academia",
                "consent": True,
            },
        )
        return response.status_code

    async with httpx.AsyncClient(timeout=30) as client:
        statuses = await asyncio.gather(*(register(client, n) for n in range(8)))
    assert sorted(statuses) == [202] * REGISTRATION_LIMIT + [429] * (8 - REGISTRATION_LIMIT)
