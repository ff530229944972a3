"""`idmevents serve` without IDMEVENTS_BASE_URL: links name the port it listens on, and a request
through a reverse proxy makes it say (once) that the variable is needed."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
import urllib.request
from email import policy
from email.parser import BytesParser

import pytest

from tests.factories.registrations import form
from tests.support.environment import ROOT
from tests.support.processes import free_port

PROXY_WARNING = "IDMEVENTS_BASE_URL is not set but requests come through a reverse proxy"


@pytest.fixture
def serve_without_base_url(tmp_path, demo):
    port = free_port()
    env = {k: v for k, v in os.environ.items() if k != "IDMEVENTS_BASE_URL"} | {
        "IDMEVENTS_VAR_DIR": str(tmp_path),
        "IDMEVENTS_EMBEDDED_WORKER": "1",
        "IDMEVENTS_MAIL_POLL_SECONDS": "0.2",
    }
    log = tmp_path / "serve.log"
    process = subprocess.Popen(
        [sys.executable, "-m", "idmevents.cli", "serve", "--port", str(port)],
        env=env,
        cwd=ROOT,
        stdout=log.open("wb"),
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while True:
        assert process.poll() is None, log.read_text()
        try:
            with urllib.request.urlopen(f"{url}/health", timeout=2):
                break
        except OSError:
            assert time.monotonic() < deadline, log.read_text()
            time.sleep(0.1)
    yield url, tmp_path, log
    process.terminate()
    process.wait(timeout=30)


def fetch(url: str, headers: dict[str, str] | None = None, data: bytes | None = None) -> str:
    request = urllib.request.Request(url, data=data, headers=headers or {})
    with urllib.request.urlopen(request, timeout=10) as response:
        return response.read().decode()


def test_links_in_pages_feeds_and_emails_name_the_port_served_on(serve_without_base_url):
    url, var_dir, _ = serve_without_base_url
    page = fetch(f"{url}/meetings/idm-new-york")
    assert f"webcal://127.0.0.1:{url.rsplit(':', 1)[1]}/" in page
    assert "127.0.0.1:8000" not in page
    feed = fetch(f"{url}/meetings/idm-new-york/agenda.ics")
    assert f"{url}/meetings/idm-new-york" in feed.replace("\r\n ", "")
    assert "127.0.0.1:8000" not in feed

    answer = json.loads(
        fetch(
            f"{url}/api/v1/meetings/idm-new-york/registrations",
            headers={"content-type": "application/json"},
            data=json.dumps(form(1)).encode(),
        )
    )
    assert answer["email"] == form(1)["email"]  # the link goes by email only
    deadline = time.monotonic() + 30
    while not (emails := list((var_dir / "mail").glob("*.eml"))):
        assert time.monotonic() < deadline, "no email written"
        time.sleep(0.2)
    message = BytesParser(policy=policy.default).parsebytes(emails[0].read_bytes())
    text = message.get_body(("plain",)).get_content()
    assert re.search(rf"{re.escape(url)}/r/[A-Za-z0-9_-]{{43}}", text)
    assert "127.0.0.1:8000" not in text


def test_a_request_through_a_proxy_logs_a_warning_once(serve_without_base_url):
    url, _, log = serve_without_base_url
    for _ in range(3):
        fetch(f"{url}/meetings/idm-new-york", headers={"X-Forwarded-Host": "events.example.org"})
    fetch(f"{url}/", headers={"Forwarded": "host=events.example.org;proto=https"})
    time.sleep(0.3)
    assert log.read_text().count(PROXY_WARNING) == 1


def test_the_listen_address_becomes_a_url():
    from idmevents.cli import listen_base_url

    assert [
        listen_base_url("127.0.0.1", 8123),
        listen_base_url("0.0.0.0", 80),
        listen_base_url("::", 8000),
        listen_base_url("example.org", 8001),
    ] == [
        "http://127.0.0.1:8123",
        "http://127.0.0.1:80",
        "http://[::1]:8000",
        "http://example.org:8001",
    ]
