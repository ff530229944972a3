"""What every request and answer goes through: security headers, JSON body rules, the id rule.

- `security_headers` (a `before_send` hook, so it also reaches 404s of unknown paths and error
  pages): CSP, framing, sniffing, referrer; `no-store` on answers that carry personal data.
- `RequestGuard` (middleware, after routing): an API body that is not JSON is refused with 415,
  a JSON body nested deeper than MAX_JSON_DEPTH with 400 before anything decodes it, and a
  `{…:int}` path parameter outside 1..MAX_ID with 404 before any query sees it.
"""

from __future__ import annotations

import functools
import re
from typing import TYPE_CHECKING

from litestar.exceptions import NotFoundException

from idmevents.errors import AppError
from idmevents.i18n import gettext
from idmevents.validation import MAX_ID
from idmevents.web.common import HttpMiddleware

if TYPE_CHECKING:
    from litestar.types import Message, Receive, Scope, Send

# Our bodies nest three or four levels; a parser must never recurse on what a client sends.
MAX_JSON_DEPTH = 32
API_PREFIX = "/api/"
_BODY_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
# Same as app.py's request_max_body_size: beyond it we stop looking and let Litestar answer 413.
_MAX_INSPECTED_BODY = 64 * 1024

# Scripts and styles only from this site's files: no inline script, no eval, no inline style (the
# category colours and the badge's page size are classes and files in static/). PDFs rendered by
# WeasyPrint keep their <style> blocks: no browser reads them, so no CSP applies.
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; "
    "img-src 'self' data:; font-src 'self'; connect-src 'self'; object-src 'none'; "
    "base-uri 'self'; form-action 'self'; frame-ancestors 'none'"
)
# Paths whose answers carry personal data or secrets: never kept by a browser or proxy cache.
PRIVATE_PREFIXES = ("/r/", "/admin", "/api/")
# Paths whose URL itself is a secret (the participant's token): never sent on as a Referer.
SECRET_URL_PREFIXES = ("/r/", "/admin/password-reset/")


def _security_headers(path: str) -> dict[str, str]:
    headers = {
        "Content-Security-Policy": CONTENT_SECURITY_POLICY,
        "X-Frame-Options": "DENY",
        "X-Content-Type-Options": "nosniff",
    }
    if path.startswith(PRIVATE_PREFIXES):
        headers["Cache-Control"] = "no-store"
    if path.startswith(SECRET_URL_PREFIXES):
        headers["Referrer-Policy"] = "no-referrer"
    return headers


@functools.cache
def _raw_headers(private: bool, secret: bool) -> dict[bytes, bytes]:
    """The headers for one kind of path, encoded once (this runs on every answer)."""
    # Every secret-URL prefix is also a private one; a path standing for each kind.
    path = "/r/" if secret else "/admin" if private else "/"
    return {
        name.lower().encode(): value.encode() for name, value in _security_headers(path).items()
    }


_DEFAULT_REFERRER_POLICY = (b"referrer-policy", b"strict-origin-when-cross-origin")


async def security_headers(message: Message, scope: Scope) -> None:
    """Add the headers to every answer's start; a page's own stricter Referrer-Policy stays."""
    if message["type"] != "http.response.start":
        return
    path = scope.get("path", "")
    ours = _raw_headers(path.startswith(PRIVATE_PREFIXES), path.startswith(SECRET_URL_PREFIXES))
    # Raw header pairs, not MutableScopeHeaders: its per-name search cost more than the feed.
    raw = [(name, value) for name, value in message.get("headers", ()) if name.lower() not in ours]
    raw.extend(ours.items())
    if not any(name.lower() == b"referrer-policy" for name, _ in raw):
        raw.append(_DEFAULT_REFERRER_POLICY)
    message["headers"] = raw


class UnsupportedMediaType(AppError, status=415, title="Unsupported media type"): ...


class BadJson(AppError, status=400, title="Bad request"): ...


def is_json_type(content_type: str) -> bool:
    media = content_type.split(";", 1)[0].strip().lower()
    return media == "application/json" or (
        media.startswith("application/") and media.endswith("+json")
    )


_STRING = re.compile(rb'"(?:[^"\\]|\\.)*"', re.DOTALL)
_BRACKET = re.compile(rb"[\[\]{}]")


def json_depth(body: bytes) -> int:
    """How deeply `body`'s arrays and objects nest (strings skipped), without parsing it."""
    depth = deepest = 0
    for match in _BRACKET.finditer(_STRING.sub(b'""', body)):
        if match.group() in (b"[", b"{"):
            depth += 1
            deepest = max(deepest, depth)
        else:
            depth -= 1
    return deepest


def check_ids(path_params: dict) -> None:
    """Every integer path parameter is an id: one outside 1..MAX_ID names no row."""
    for value in path_params.values():
        if isinstance(value, int) and not isinstance(value, bool) and not 1 <= value <= MAX_ID:
            raise NotFoundException()


class RequestGuard(HttpMiddleware):
    """The id rule, then the body rules, for every routed request (see the module docstring)."""

    async def handle(self, scope: Scope, receive: Receive, send: Send) -> None:
        check_ids(scope.get("path_params") or {})
        if scope.get("method") not in _BODY_METHODS:
            await self.app(scope, receive, send)
            return
        content_type = ""
        has_body = False
        for name, value in scope.get("headers") or ():
            if name == b"content-type":
                content_type = value.decode("latin-1")
            elif name == b"content-length":
                has_body = value.strip() not in (b"0", b"")
            elif name == b"transfer-encoding":
                has_body = True
        json_body = is_json_type(content_type)
        if scope.get("path", "").startswith(API_PREFIX) and has_body and not json_body:
            raise UnsupportedMediaType(
                gettext("This API accepts JSON bodies only: send Content-Type: application/json.")
            )
        if not json_body:
            await self.app(scope, receive, send)
            return
        # Read the body (bounded), look at its nesting, then hand it on unchanged.
        messages: list[Message] = []
        size = 0
        while True:
            message = await receive()
            messages.append(message)
            if message["type"] != "http.request":
                break
            size += len(message.get("body", b""))
            if not message.get("more_body") or size > _MAX_INSPECTED_BODY:
                break
        if size <= _MAX_INSPECTED_BODY:
            body = b"".join(m.get("body", b"") for m in messages if m["type"] == "http.request")
            if json_depth(body) > MAX_JSON_DEPTH:
                raise BadJson(
                    gettext("The JSON body nests more than %(depth)d levels deep.")
                    % {"depth": MAX_JSON_DEPTH}
                )

        async def replay() -> Message:
            if messages:
                return messages.pop(0)
            return await receive()

        await self.app(scope, replay, send)
