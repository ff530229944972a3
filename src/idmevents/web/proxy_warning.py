"""A warning, once per process, that IDMEVENTS_BASE_URL is needed behind a reverse proxy.

Without the variable, links in emails and feeds name the address `serve` listens on (or the
default); a request carrying proxy headers means the public address is another one.
"""

from __future__ import annotations

import logging

from litestar.types import ASGIApp, Receive, Scope, Send

logger = logging.getLogger("idmevents")

PROXY_HEADERS = (b"x-forwarded-host", b"x-forwarded-proto", b"forwarded")
MESSAGE = (
    "IDMEVENTS_BASE_URL is not set but requests come through a reverse proxy (%s header): "
    "links in emails and calendar feeds say %s, which visitors may not reach. "
    "Set IDMEVENTS_BASE_URL to the public address, e.g. https://events.example.org"
)


# Once per process, not per route: Litestar builds this middleware around each route.
_warned = False


class ProxyWithoutBaseUrlWarning:
    """ASGI middleware, installed only while the base URL is a guess."""

    def __init__(self, app: ASGIApp, base_url: str) -> None:
        self.app = app
        self.base_url = base_url

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        global _warned
        if not _warned and scope["type"] == "http":
            for name, _ in scope["headers"]:
                if name.lower() in PROXY_HEADERS:
                    _warned = True
                    logger.warning(MESSAGE, name.decode("latin-1"), self.base_url)
                    break
        await self.app(scope, receive, send)
