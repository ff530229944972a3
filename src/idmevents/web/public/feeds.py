"""Calendar feeds, schedules for apps, the public panelist page and replacing a personal feed's secret.

Feed URLs (names for url_for in brackets):
    /meetings/{slug}/agenda.ics                          the meeting's agenda [meeting_feed]
    /meetings/{slug}/sessions/{session_id}/event.ics     one session [session_feed]
    /meetings/{slug}/agenda.json                         the agenda for apps, our JSON [meeting_agenda_json]
    /meetings/{slug}/schedule.xml                        the agenda for apps, frab XML [meeting_schedule_xml]
    /meetings/{slug}/schedule.json                       the agenda for apps, frab JSON [meeting_schedule_frab_json]
    /panelists/{slug}/agenda.ics                         a panelist's sessions everywhere [panelist_feed]
    /r/{feed_token}/agenda.ics                           a participant's own agenda [personal_feed]
Pages and forms:
    /panelists/{slug}                                    the panelist's public page [panelist]
    POST /r/{token}/feed/replace                         new personal feed secret [replace_personal_feed]

Every feed answers GET and HEAD, with a strong ETag and Last-Modified, 304 to a matching
If-None-Match (or, without one, If-Modified-Since where the date is exact: see
FeedDocument.exact_last_modified), and gzip when the client accepts it. The app's
compression middleware is switched off for these routes (opt `skip_compression`): the gzip form is
compressed once per agenda change with the document, and carries its own ETag, as a different
representation must (web/stored.py, shared with the meeting page).
"""

from __future__ import annotations

import functools
from datetime import UTC, datetime
from email.utils import format_datetime, parsedate_to_datetime
from typing import Any

from litestar import Controller, HttpMethod, MediaType, Request, get, post, route
from litestar.openapi.datastructures import ResponseSpec
from litestar.params import FromPath
from litestar.response import Redirect, Template
from litestar.response.base import ASGIResponse

from idmevents import urls
from idmevents.feeds import services
from idmevents.feeds.services import FeedDocument
from idmevents.settings import get_settings
from idmevents.web.stored import SKIP_COMPRESSION, accepts_gzip, held_tag

# Public feeds may sit in shared caches for a few minutes; an agenda change reaches everyone
# within that time, and clients revalidate cheaply after it (304).
PUBLIC_MAX_AGE = 300
# Feeds compress themselves (see above), and are read-only GET/HEAD for calendar services: no
# CSRF cookie, whose Set-Cookie would keep shared caches from storing a public feed.
FEED_ROUTE_OPT = SKIP_COMPRESSION | {"exclude_from_csrf": True}
FEED_METHODS = [HttpMethod.GET, HttpMethod.HEAD]


def _not_modified_since(header: str, last_modified: datetime) -> bool:
    try:
        since = parsedate_to_datetime(header)
    except (TypeError, ValueError, IndexError):
        return False  # a date we cannot read is ignored, as RFC 9110 13.1.3 says
    if since.tzinfo is None:
        since = since.replace(tzinfo=UTC)
    return last_modified <= since


@functools.lru_cache(maxsize=1024)
def _http_date(moment: datetime) -> str:
    """Last-Modified's text: the same few dates are formatted for every request of a feed."""
    return format_datetime(moment, usegmt=True)


def feed_response(request: Request, document: FeedDocument) -> ASGIResponse:
    """200 with the document (or only its headers for HEAD), or 304 if the client's copy is current."""
    gzipped = accepts_gzip(request.headers.get("accept-encoding", ""))
    body = document.gzipped if gzipped else document.body
    etag = document.gzip_etag if gzipped else document.etag
    headers = {
        "cache-control": ("private" if document.private else "public")
        + f", max-age={PUBLIC_MAX_AGE}",
        "last-modified": _http_date(document.last_modified),
        "vary": "Accept-Encoding, Accept-Language",
    }
    if document.private:
        headers["x-robots-tag"] = "noindex, nofollow"
    else:
        # Public and read-only: a web app elsewhere (an event site, a kiosk) may fetch it.
        headers["access-control-allow-origin"] = "*"

    if_none_match = request.headers.get("if-none-match")
    if if_none_match is not None:
        # A client holding either form of the current document has it: answer with its own tag.
        held = held_tag(if_none_match, etag, document.etag, document.gzip_etag)
        if held is not None:
            return ASGIResponse(status_code=304, headers=headers | {"etag": held})
    elif document.exact_last_modified:
        if_modified_since = request.headers.get("if-modified-since")
        if if_modified_since and _not_modified_since(if_modified_since, document.last_modified):
            return ASGIResponse(status_code=304, headers=headers | {"etag": etag})

    headers |= {
        "etag": etag,
        "content-type": document.media_type,
        "content-length": str(len(body)),
    }
    if gzipped:
        headers["content-encoding"] = "gzip"
    if document.filename:
        headers["content-disposition"] = f'inline; filename="{document.filename}"'
    head = request.method == HttpMethod.HEAD
    return ASGIResponse(body=b"" if head else body, headers=headers, is_head_response=head)


def _base_url() -> str:
    return get_settings().base_url


# Documented for API clients: a conditional GET may answer 304, an unknown slug or id 404 (a page).
FEED_RESPONSES = {
    304: ResponseSpec(data_container=None, description="Not modified: your copy is current"),
    404: ResponseSpec(
        data_container=str,
        media_type=MediaType.HTML,
        description="No such meeting, session or panelist",
    ),
}


def feed_route(path: str, *, name: str, **options: Any):
    """A feed's route: GET and HEAD, answered 200 or 304, documented with the feeds' answers."""
    options.setdefault("responses", FEED_RESPONSES)
    return route(path, http_method=FEED_METHODS, name=name, **options)


class FeedController(Controller):
    """Calendars and schedules: built once per agenda change, answered from the cache."""

    tags = ["feeds"]
    opt = FEED_ROUTE_OPT

    @feed_route("/meetings/{slug:str}/agenda.ics", name="meeting_feed")
    async def meeting_feed(self, request: Request, slug: FromPath[str]) -> ASGIResponse:
        """The meeting's agenda as an iCalendar feed (cancelled sessions stay, as cancelled)."""
        return feed_response(request, await services.meeting_calendar(slug, base_url=_base_url()))

    @feed_route("/meetings/{slug:str}/sessions/{session_id:int}/event.ics", name="session_feed")
    async def session_feed(
        self, request: Request, slug: FromPath[str], session_id: FromPath[int]
    ) -> ASGIResponse:
        """One session as a calendar of one event."""
        document = await services.session_calendar(slug, session_id, base_url=_base_url())
        return feed_response(request, document)

    @feed_route("/meetings/{slug:str}/agenda.json", name="meeting_agenda_json")
    async def meeting_agenda_json(self, request: Request, slug: FromPath[str]) -> ASGIResponse:
        """The agenda for apps, as JSON (shape documented in idmevents.feeds.schedule)."""
        document = await services.meeting_schedule_json(slug, base_url=_base_url())
        return feed_response(request, document)

    @feed_route("/meetings/{slug:str}/schedule.xml", name="meeting_schedule_xml")
    async def meeting_schedule_xml(self, request: Request, slug: FromPath[str]) -> ASGIResponse:
        """The agenda for conference apps (Giggity, ConfClerk), as frab schedule XML."""
        document = await services.meeting_schedule_xml(slug, base_url=_base_url())
        return feed_response(request, document)

    @feed_route("/meetings/{slug:str}/schedule.json", name="meeting_schedule_frab_json")
    async def meeting_schedule_frab_json(
        self, request: Request, slug: FromPath[str]
    ) -> ASGIResponse:
        """The agenda for conference apps, as frab schedule JSON (voc/schedule's JSON schema)."""
        document = await services.meeting_schedule_frab_json(slug, base_url=_base_url())
        return feed_response(request, document)

    @feed_route("/panelists/{slug:str}/agenda.ics", name="panelist_feed")
    async def panelist_feed(self, request: Request, slug: FromPath[str]) -> ASGIResponse:
        """A panelist's sessions across all meetings, each in its meeting's time zone."""
        document = await services.panelist_calendar(slug, base_url=_base_url())
        return feed_response(request, document)

    # Secret addresses stay out of the public schema.
    @feed_route("/r/{feed_token:str}/agenda.ics", name="personal_feed", include_in_schema=False)
    async def personal_feed(self, request: Request, feed_token: FromPath[str]) -> ASGIResponse:
        """A participant's own agenda, behind the feed's own secret."""
        document = await services.personal_calendar(feed_token, base_url=_base_url())
        return feed_response(request, document)


class PanelistPageController(Controller):
    tags = ["pages"]
    include_in_schema = False

    @get("/panelists/{slug:str}", name="panelist")
    async def panelist(self, slug: FromPath[str]) -> Template:
        """A panelist: who they are, and their sessions in each meeting's local time."""
        agenda = await services.panelist_agenda(slug)
        base_url = _base_url()
        return Template(
            "panelists/detail.html.jinja2",
            context={
                "person": agenda,
                "feed_url": urls.panelist_feed(agenda.panelist["slug"], base_url=base_url),
            },
        )


class PersonalFeedController(Controller):
    tags = ["pages"]
    include_in_schema = False

    @post("/r/{token:str}/feed/replace", name="replace_personal_feed", status_code=303)
    async def replace(self, token: FromPath[str]) -> Redirect:
        """Replace the personal feed's secret (manage token in the path); back to the private page."""
        await services.replace_feed_token(token, now=datetime.now(UTC))
        return Redirect(path=f"/r/{token}", status_code=303)
