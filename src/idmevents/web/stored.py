"""Answers sent from bytes kept in memory: the feeds (FeedDocument) and the meeting page
(pagecache.StoredPage).

Both keep their body encoded and gzipped once per change, so an answer only chooses: the gzip form
if the client accepts it, else the plain one, each with its own strong ETag; 304 if the client
already holds either form. Their routes skip the app's compression middleware (opt
`skip_compression`), which would otherwise compress the gzip form again, or compress the plain
one on every request.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from litestar.response.base import ASGIResponse

if TYPE_CHECKING:
    from litestar import Request

    from idmevents.pagecache import StoredPage

# What a route answered from stored bytes sets in its opt: no compression middleware.
SKIP_COMPRESSION = {"skip_compression": True}
HTML_TYPE = "text/html; charset=utf-8"
# The page is the same for every visitor, but its answer may carry a visitor's own cookies (the
# CSRF token, a signed-in organizer's renewed session): only the browser keeps it, and asks
# again each time (If-None-Match, 304), so an agenda edit shows on the next request.
PAGE_CACHE_CONTROL = "private, no-cache"


def accepts_gzip(accept_encoding: str) -> bool:
    """RFC 9110 12.5.3: gzip if named with q > 0, or if not named and `*` has q > 0."""
    qualities: dict[str, float] = {}
    for part in accept_encoding.split(","):
        coding, *params = (piece.strip() for piece in part.split(";"))
        if not coding:
            continue
        quality = 1.0
        for param in params:
            name, _, value = param.partition("=")
            if name.strip().lower() == "q":
                try:
                    quality = float(value)
                except ValueError:
                    quality = 0.0
        qualities[coding.lower()] = quality
    for name in ("gzip", "x-gzip"):
        if name in qualities:
            return qualities[name] > 0
    return qualities.get("*", 0.0) > 0


def entity_tags(header: str) -> set[str]:
    """The tags of an If-None-Match header, compared weakly as RFC 9110 13.1.2 says (W/ dropped)."""
    tags = set()
    for part in header.split(","):
        tag = part.strip()
        if tag.startswith("W/"):
            tag = tag[2:]
        if tag:
            tags.add(tag)
    return tags


def held_tag(if_none_match: str, etag: str, *others: str) -> str | None:
    """The tag to answer a 304 with, if If-None-Match names the form about to be sent (`etag`) or
    another form of the same content (`others`: the client has it, so it is current); else None."""
    tags = entity_tags(if_none_match)
    held = next((tag for tag in (etag, *others) if tag in tags), None)
    if held is None and "*" in tags:
        held = etag
    return held


def page_response(request: Request, page: StoredPage) -> ASGIResponse:
    """A stored page: 200 with the form the client accepts, or 304 if it holds a current one.

    The ETags are of the bytes, so each language (and each state of the meeting) has its own:
    a French copy never validates an English request. The Vary header names Accept-Encoding
    here; the language middleware adds Accept-Language and Cookie (what chooses the language)."""
    gzipped = accepts_gzip(request.headers.get("accept-encoding", ""))
    etag = page.gzip_etag if gzipped else page.etag
    headers = {
        "cache-control": PAGE_CACHE_CONTROL,
        "content-language": page.language,
        "vary": "Accept-Encoding",
    }
    if_none_match = request.headers.get("if-none-match")
    if if_none_match is not None:
        held = held_tag(if_none_match, etag, page.etag, page.gzip_etag)
        if held is not None:
            return ASGIResponse(status_code=304, headers=headers | {"etag": held})
    body = page.gzipped if gzipped else page.body
    headers |= {"etag": etag, "content-type": HTML_TYPE, "content-length": str(len(body))}
    if gzipped:
        headers["content-encoding"] = "gzip"
    return ASGIResponse(body=body, headers=headers)
