"""Public pages: the meetings, a meeting with its agenda, and its panelists."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

import anyio
from litestar import Controller, Request, Response, get
from litestar.params import FromPath, FromQuery
from litestar.response import Template
from litestar.response.base import ASGIResponse

from idmevents import i18n
from idmevents.delegations import participants_pdf
from idmevents.delegations.participants import EDITIONS
from idmevents.feeds.grid import day_grid
from idmevents.feeds.programme import cached_programme_pdf
from idmevents.i18n import current_language
from idmevents.meetings import builder, services
from idmevents.pagecache import PageCache, StoredPage, render_without_forms
from idmevents.settings import get_settings
from idmevents.web.common import pdf_response
from idmevents.web.stored import SKIP_COMPRESSION, page_response

# Rendered meeting pages of this process (see idmevents.pagecache).
MEETING_PAGES: PageCache[StoredPage] = PageCache()

# How many agenda changes the public meeting page lists under "What changed".
RECENT_CHANGES = 10


class PublicMeetingController(Controller):
    tags = ["pages"]
    include_in_schema = False

    @get("/", name="home")
    async def index(self) -> Template:
        """The meetings: upcoming first, past below."""
        upcoming, past = await services.list_public_meetings(datetime.now(UTC))
        return Template("meetings/index.html.jinja2", context={"upcoming": upcoming, "past": past})

    @get("/meetings/{slug:str}", name="meeting", media_type="text/html", opt=SKIP_COMPRESSION)
    async def meeting(self, request: Request, slug: FromPath[str]) -> ASGIResponse:
        """A meeting: theme, venue, agenda by day in local time, panelists.

        The same for every visitor, so rendered once per state of the meeting and language and
        kept as sent, plain and gzipped (`pagecache.StoredPage`); it has no form, which is what
        makes that safe. Answered 304 to a browser that holds the current page (web/stored.py).
        """
        now = datetime.now(UTC)
        meeting, state = await services.public_meeting_and_state(slug)
        registration_open = services.registration_is_open(meeting, now)
        is_past = services.is_past(meeting, now)
        caching = get_settings().public_cache_seconds > 0
        language = current_language()
        key = (state, language, registration_open, is_past)

        async def build() -> StoredPage:
            agenda = await services.load_agenda(meeting)
            # Recorded with every agenda change, which moves agenda_changed_at: in the key.
            changes = await builder.recent_changes(meeting, limit=RECENT_CHANGES)
            context = {
                "meeting": meeting,
                "agenda": agenda,
                "grids": {day.day: day_grid(day.items) for day in agenda.by_day()},
                "changes": changes,
                "registration_open": registration_open,
                "is_past": is_past,
            }

            def render() -> StoredPage:
                html = render_without_forms(request, "meetings/detail.html.jinja2", context)
                return StoredPage.of(html, language)

            # A worker thread (the language goes with the context): at 600 sessions rendering
            # and compressing take about a second, which the other requests need not wait out.
            return await asyncio.to_thread(render)

        page = await MEETING_PAGES.get_or_build(key, build) if caching else await build()
        return page_response(request, page)

    @get("/meetings/{slug:str}/programme.pdf", name="meeting_programme_pdf")
    async def programme(self, slug: FromPath[str]) -> Response[bytes]:
        """The agenda as a printable PDF, in the reader's language (made once per agenda change)."""
        meeting = await services.get_public_meeting(slug)
        agenda = await services.load_agenda(meeting)
        base_url = get_settings().base_url
        key = services.meeting_state(meeting)
        language = current_language()

        def render() -> bytes:
            token = i18n.set_language(language)  # the worker thread has its own context
            try:
                return cached_programme_pdf(agenda, base_url=base_url, key=key)
            finally:
                i18n.reset_language(token)

        pdf = await anyio.to_thread.run_sync(render)
        return Response(
            content=pdf,
            media_type="application/pdf",
            headers={"Content-Disposition": f'inline; filename="{meeting["slug"]}-programme.pdf"'},
        )

    @get("/meetings/{slug:str}/participants.pdf", name="meeting_participants_pdf")
    async def participants(
        self, slug: FromPath[str], edition: FromQuery[str] = "provisional"
    ) -> Response[bytes]:
        """The list of participants, once its organizers published it (404 until then), in the
        reader's language; only people who agreed to appear on it."""
        meeting = await participants_pdf.public_meeting(slug)
        edition = edition if edition in EDITIONS else "provisional"
        pdf = await participants_pdf.list_pdf(
            meeting, edition=edition, language=current_language(), now=datetime.now(UTC)
        )
        return pdf_response(pdf, participants_pdf.pdf_filename(meeting, edition))

    @get("/meetings/{slug:str}/panelists", name="meeting_panelists")
    async def panelists(self, slug: FromPath[str]) -> Template:
        """The people on the agenda with their short bios."""
        meeting = await services.get_meeting(slug)
        people = await services.meeting_panelists(meeting)
        return Template(
            "meetings/panelists.html.jinja2", context={"meeting": meeting, "people": people}
        )
