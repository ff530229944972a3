"""Public pages rendered once and kept, per process, under a key of everything they show.

A page that shows the same thing to every visitor (a meeting's agenda) costs a database round trip
per query and a template rendering per request; under load both are most of the work. Kept here,
it is rendered again only when its key changes (the caller puts the meeting row, whose
`agenda_changed_at` moves with every agenda change, and the language into the key) or after
`MAX_AGE` seconds, a backstop for a change that forgot to move the key.

What is kept is the page as sent (`StoredPage`): its UTF-8 bytes and their gzip form, each with its
strong ETag, made once per build. A request then costs the key and a dictionary lookup, not
encoding and compressing half a megabyte again (a meeting of 600 sessions), and a browser that
holds the page is answered 304 (web/stored.py).

Only pages that are the same for every visitor may be cached: a form carries the visitor's own
CSRF token (a cached copy would hand one visitor's token to the next), and a page that shows who
is signed in would show it to everyone. Rendering for the cache therefore refuses, with
`NotCacheable`, a template that asks for `csrf_input`, `csrf_token` or anything of the visitor on
`request` (user, session, cookies, headers, query), instead of quietly caching it.
"""

from __future__ import annotations

import asyncio
import gzip
import hashlib
import time
from base64 import urlsafe_b64encode
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Hashable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Generic, TypeVar

if TYPE_CHECKING:
    from litestar import Request

MAX_AGE = 60.0
LIMIT = 256
# Level 6, zlib's default: within a few per cent of 9 in size, several times faster to make.
GZIP_LEVEL = 6

T = TypeVar("T")


def entity_tag(data: bytes) -> str:
    """A strong validator of `data`, quoted: the same bytes give the same tag in every process."""
    digest = hashlib.sha256(data).digest()[:16]
    return '"' + urlsafe_b64encode(digest).decode().rstrip("=") + '"'


def gzip_bytes(data: bytes) -> bytes:
    # mtime=0: the same bytes gzip to the same bytes in every process, so their ETag agrees too.
    return gzip.compress(data, compresslevel=GZIP_LEVEL, mtime=0)


@dataclass(frozen=True)
class StoredPage:
    """A page as sent: UTF-8 bytes and their gzip form, each with its own strong ETag (two
    representations, two validators), and the language it is written in."""

    body: bytes
    gzipped: bytes
    etag: str
    gzip_etag: str
    language: str

    @classmethod
    def of(cls, html: str, language: str) -> StoredPage:
        body = html.encode()
        gzipped = gzip_bytes(body)
        return cls(body, gzipped, entity_tag(body), entity_tag(gzipped), language)


class NotCacheable(RuntimeError):
    """A template rendered for the cache used something that differs from visitor to visitor."""


class _NoForms:
    def _refuse(self, *args: Any, **kwargs: Any) -> str:
        raise NotCacheable("a page with a form (CSRF token) cannot be cached")

    __str__ = __html__ = __call__ = _refuse


NO_FORMS = _NoForms()
_VISITOR_SPECIFIC = frozenset(
    {"user", "auth", "session", "cookies", "headers", "query_params", "client", "scope"}
)


class _SameForEveryone:
    """The request as a cached template may see it: the app (for url_for), nothing of the visitor."""

    def __init__(self, request: Request) -> None:
        self._request = request

    def __getattr__(self, name: str) -> Any:
        if name in _VISITOR_SPECIFIC:
            raise NotCacheable(f"a page that reads request.{name} cannot be cached")
        return getattr(self._request, name)


class PageCache(Generic[T]):
    """At most `limit` pages, least recently used first out, each kept at most `max_age` seconds."""

    def __init__(self, limit: int = LIMIT, max_age: float = MAX_AGE) -> None:
        self.limit = limit
        self.max_age = max_age
        self._pages: OrderedDict[Hashable, tuple[float, T]] = OrderedDict()
        self._building: dict[Hashable, asyncio.Future[T]] = {}

    def get(self, key: Hashable) -> T | None:
        held = self._pages.get(key)
        if held is None:
            return None
        if held[0] <= time.monotonic():
            del self._pages[key]
            return None
        self._pages.move_to_end(key)
        return held[1]

    def put(self, key: Hashable, page: T) -> None:
        self._pages[key] = (time.monotonic() + self.max_age, page)
        self._pages.move_to_end(key)
        while len(self._pages) > self.limit:
            self._pages.popitem(last=False)

    async def get_or_build(self, key: Hashable, build: Callable[[], Awaitable[T]]) -> T:
        """The page kept under `key`, or the one `build` makes (then kept).

        One build per key at a time: requests that arrive while a page is being built wait for
        that build. Without this, a page costing a second to build (a meeting of 600 sessions)
        would be built by every request arriving in that second, whenever it expires.
        """
        page = self.get(key)
        if page is not None:
            return page
        loop = asyncio.get_running_loop()
        pending = self._building.get(key)
        if pending is not None and pending.get_loop() is loop:
            return await asyncio.shield(pending)
        future: asyncio.Future[T] = loop.create_future()
        self._building[key] = future
        try:
            page = await build()
        except BaseException as exc:
            future.set_exception(exc)
            future.exception()  # retrieved here: waiters (if any) get it raised; none is fine too
            raise
        finally:
            self._building.pop(key, None)
        self.put(key, page)
        future.set_result(page)
        return page

    def clear(self) -> None:
        self._pages.clear()

    def __len__(self) -> int:
        return len(self._pages)


def render_without_forms(request: Request, template_name: str, context: dict[str, Any]) -> str:
    """The template rendered as Litestar's Template response would, minus the CSRF token."""
    template = request.app.template_engine.get_template(template_name)
    return template.render(
        **context, request=_SameForEveryone(request), csrf_input=NO_FORMS, csrf_token=NO_FORMS
    )
