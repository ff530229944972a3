"""Badges for organizers: printing in batches and the check-in desk (a page that needs no JavaScript)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Annotated, Any

import msgspec
from litestar import Request, Response, get, post
from litestar.enums import RequestEncodingType
from litestar.handlers import HTTPRouteHandler
from litestar.params import Body, FromPath
from litestar.response import Redirect, Template

from idmevents.badges import batch, codes, services
from idmevents.badges.layout import BADGE_SIZES, DEFAULT_SIZE, default_paper
from idmevents.errors import InvalidInput
from idmevents.meetings.services import get_meeting
from idmevents.web.guards import CheckinPages, OrganizerPages
from idmevents.web.scope import only_visible, visible_meeting_ids

FORM = Body(media_type=RequestEncodingType.URL_ENCODED)


def _pdf(run: services.PrintRun) -> Response:
    return Response(
        content=run.pdf,
        media_type="application/pdf",
        headers={
            "Content-Disposition": f'attachment; filename="{run.filename}"',
            "Cache-Control": "no-store",
        },
    )


# --- the participant's badge ------------------------------------------------------------------

# --- printing in batches ----------------------------------------------------------------------


class PrintForm(msgspec.Struct):
    paper: str = ""  # "": the meeting's usual paper (layout.default_paper)
    size: str = DEFAULT_SIZE
    category: str = ""
    not_printed: str = ""  # a checkbox: "1" when ticked


def _print_context(meeting: dict, totals: services.Totals, **extra: Any) -> dict:
    return {
        "meeting": meeting,
        "totals": totals,
        "form": PrintForm(not_printed="1", paper=default_paper(meeting["timezone"])),
        "notice": "",
        "errors": {},
        **extra,
    }


class BadgePrintController(OrganizerPages):
    path = "/admin/meetings/{slug:str}/badges"

    @get("/", name="admin_badges")
    async def form(self, slug: FromPath[str]) -> Template:
        """Which badges to print, on which paper, and how many are printed so far."""
        meeting = await get_meeting(slug, include_drafts=True)
        totals = await services.print_counts(meeting)
        return Template("badges/print.html.jinja2", context=_print_context(meeting, totals))

    @post("/", name="admin_badges_print", status_code=303)
    async def print_batch(
        self, request: Request, slug: FromPath[str], data: Annotated[PrintForm, FORM]
    ) -> Redirect | Template:
        """Queue the batch as a job and show its page (its progress, then its PDF); or say why
        the choices are not possible."""
        meeting = await get_meeting(slug, include_drafts=True)
        try:
            job_id = await batch.queue_print_job(
                meeting,
                now=datetime.now(UTC),
                paper=data.paper,
                size=data.size,
                category=data.category or None,
                not_printed_only=bool(data.not_printed),
                by=request.user,
            )
        except InvalidInput as exc:
            totals = await services.print_counts(meeting)
            context = _print_context(
                meeting, totals, form=data, notice=exc.message, errors=exc.fields
            )
            return Template("badges/print.html.jinja2", context=context, status_code=422)
        return Redirect(
            request.app.route_reverse("admin_job", slug=slug, job_id=job_id), status_code=303
        )


# --- the check-in desk ------------------------------------------------------------------------


class DeskForm(msgspec.Struct):
    q: str = ""


class BadgeSizeForm(msgspec.Struct):
    size: str = DEFAULT_SIZE


def _desk_context(meeting: dict, totals: services.Totals, **extra: Any) -> dict:
    return {
        "meeting": meeting,
        "totals": totals,
        "result": None,
        "found": None,
        **extra,
    }


async def _desk(meeting: dict, status_code: int = 200, **extra: Any) -> Template:
    totals = await services.arrival_counts(meeting)
    return Template(
        "badges/desk.html.jinja2",
        context=_desk_context(meeting, totals, **extra),
        status_code=status_code,
    )


async def _act(
    request: Request, slug: str, action: Callable[..., Awaitable[Any]], *args: Any, **kwargs: Any
) -> Template:
    """Do one thing at the meeting's desk as the person at it, and show the desk with the result."""
    meeting = await get_meeting(slug, include_drafts=True)
    result = await action(meeting, *args, by=request.user, now=datetime.now(UTC), **kwargs)
    return await _desk(meeting, result=result)


def _person_action(
    suffix: str, name: str, action: Callable[..., Awaitable[Any]], doc: str, **kwargs: Any
) -> HTTPRouteHandler:
    """The desk's POST route doing `action` to one registration (check in, undo, replace a badge),
    answered with the desk (200)."""

    async def handler(
        self: Any,
        request: Request,
        slug: FromPath[str],
        registration_id: FromPath[int],
    ) -> Template:
        return await _act(request, slug, action, registration_id, **kwargs)

    handler.__doc__ = doc
    handler.__name__ = handler.__qualname__ = name
    path = f"/{{slug:str}}/registrations/{{registration_id:int}}{suffix}"
    return post(path, name=name, status_code=200)(handler)


class CheckInDeskController(CheckinPages):
    path = "/admin/checkin"

    @get("/", name="checkin_desk")
    async def index(self, request: Request) -> Template:
        """The account's meetings, each with its desk and its arrivals so far."""
        meetings = only_visible(
            await services.desk_meetings(datetime.now(UTC)),
            await visible_meeting_ids(request),
            key=lambda desk: desk.meeting["id"],
        )
        return Template("badges/desk_index.html.jinja2", context={"meetings": meetings})

    @get("/{slug:str}", name="checkin_meeting")
    async def desk(self, slug: FromPath[str]) -> Template:
        """The desk: one field for a scanned code or a name, and the arrivals so far."""
        return await _desk(await get_meeting(slug, include_drafts=True))

    @post("/{slug:str}", name="checkin_scan", status_code=200)
    async def scan(
        self, request: Request, slug: FromPath[str], data: Annotated[DeskForm, FORM]
    ) -> Template:
        """A scanned or typed code checks its holder in at once; anything else searches names."""
        meeting = await get_meeting(slug, include_drafts=True)
        if codes.normalize(data.q) is not None:
            result = await services.check_in_code(
                meeting, data.q, by=request.user, now=datetime.now(UTC), desk="desk"
            )
            return await _desk(meeting, result=result)
        found = await services.search(meeting, data.q)
        return await _desk(meeting, found=found)

    check_in = _person_action(
        "",
        "checkin_registration",
        services.check_in,
        "Check in the person chosen from a search.",
        desk="desk",
    )
    undo = _person_action(
        "/undo", "checkin_undo", services.undo_check_in, "Take back a check-in made by mistake."
    )
    replace_badge = _person_action(
        "/replace-badge",
        "checkin_replace_badge",
        services.replace_badge,
        "Void a lost badge so that nobody else can use it; the new one is then printed.",
    )

    @post(
        "/{slug:str}/registrations/{registration_id:int}/badge",
        name="checkin_print_badge",
        status_code=200,
    )
    async def print_badge(
        self,
        request: Request,
        slug: FromPath[str],
        registration_id: FromPath[int],
        data: Annotated[BadgeSizeForm, FORM],
    ) -> Response | Template:
        """One badge as a PDF the size of the badge, for someone who came without theirs."""
        meeting = await get_meeting(slug, include_drafts=True)
        person = await services.card(meeting, registration_id)
        size = data.size if data.size in BADGE_SIZES else DEFAULT_SIZE
        run = await services.print_badges(
            meeting,
            now=datetime.now(UTC),
            paper="badge",
            size=size,
            registration_id=registration_id,
            by=request.user,
        )
        if run.pdf is None:  # the registration is not (or no longer) confirmed
            result = services.DeskResult(services.REFUSED, card=person, reason=person.status)
            return await _desk(meeting, status_code=409, result=result)
        return _pdf(run)
