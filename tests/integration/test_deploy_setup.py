"""The real set-up of deploy/: nginx with deploy/'s site file in front of two `idmevents serve`
processes, with `idmevents worker` processes sending the outbox, on PostgreSQL.

The site file is rendered by `tests.processes.render_site`, which changes only listen addresses,
certificate paths and the static directory: the location blocks and proxy settings under test are
the deployed ones.
"""

from __future__ import annotations

import json
import os

import httpx
import pytest

from idmevents.auth.tables import AuditEntry
from idmevents.settings import STATIC_DIR
from tests.processes import Nginx, Serve, free_port, self_signed_certificate, start_all

ON_POSTGRES = os.environ.get("IDMEVENTS_TEST_ENGINE", "sqlite") == "postgres"
needs_nginx = pytest.mark.skipif(
    not Nginx.available(), reason="nginx is not installed (make system-deps installs it)"
)
needs_postgres = pytest.mark.skipif(
    not ON_POSTGRES,
    reason="several web and worker processes are the PostgreSQL set-up (deploy/README.md); "
    "SQLite serves one machine with one process",
)


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
    servers = start_all([Serve(env), Serve(env)])
    nginx = Nginx([server.port for server in servers], static_dir=STATIC_DIR)
    try:
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
