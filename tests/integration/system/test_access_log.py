"""The access log of `idmevents serve` never holds a private link's secret."""

import contextlib
import secrets
import time
import urllib.error
import urllib.request

import pytest

from idmevents.server import mask_secrets
from tests.support.live_server import LiveServer
from tests.support.processes import free_port


def test_mask_secrets_keeps_four_characters():
    assert mask_secrets('"GET /r/abcdEFGH123_-x/agenda.ics HTTP/1.1" 200') == (
        '"GET /r/abcd…/agenda.ics HTTP/1.1" 200'
    )
    assert mask_secrets("/admin/password-reset/Zyxw987654321") == "/admin/password-reset/Zyxw…"
    assert mask_secrets("/meetings/idm-new-york") == "/meetings/idm-new-york"


@pytest.mark.parametrize("server", ["granian", "uvicorn"])
def test_access_log_masks_private_links(server):
    token = secrets.token_urlsafe(24)
    reset = secrets.token_urlsafe(32)
    live = LiveServer(env={"IDMEVENTS_SERVER": server}).start()
    try:
        for path in [f"/r/{token}", f"/r/{token}/badge", f"/admin/password-reset/{reset}"]:
            with contextlib.suppress(urllib.error.HTTPError):
                urllib.request.urlopen(f"{live.url}{path}", timeout=10)
        deadline = time.monotonic() + 10
        while "password-reset" not in live.log.read_text() and time.monotonic() < deadline:
            time.sleep(0.1)
    finally:
        live.stop()
    log = live.log.read_text()
    assert f"/r/{token[:4]}…" in log
    assert f"/admin/password-reset/{reset[:4]}…" in log
    assert token not in log
    assert reset not in log


def test_nginx_site_logs_masked_private_links():
    from tests.support.processes import Nginx

    if not Nginx.available():
        pytest.skip("nginx is not installed")
    from idmevents.settings import STATIC_DIR

    token = secrets.token_urlsafe(24)
    nginx = Nginx([free_port()], static_dir=STATIC_DIR)
    site = nginx.prefix / "site.conf"
    log = nginx.prefix / "masked.log"
    site.write_text(site.read_text().replace("/var/log/nginx/idmevents.access.log", str(log)))
    assert nginx.check().returncode == 0, nginx.check().stderr
    nginx.start()
    try:
        with contextlib.suppress(urllib.error.HTTPError):
            urllib.request.urlopen(f"{nginx.url}/r/{token}/badge?x=1", timeout=10)
        deadline = time.monotonic() + 10
        while (not log.exists() or not log.read_text()) and time.monotonic() < deadline:
            time.sleep(0.1)
        text = log.read_text()  # stop() removes nginx's directory
    finally:
        nginx.stop()
    assert f"/r/{token[:4]}.../badge?x=1" in text
    assert token not in text
