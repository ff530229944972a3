"""The mail outbox for organizers: every email with its state, one email as it was sent, resending;
the same list and resending in the JSON API."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Literal
from urllib.parse import urlencode

import msgspec
from litestar import Request, get, post
from litestar.params import FromPath, FromQuery, QueryParameter
from litestar.response import Redirect, Template

from idmevents.errors import AppError, InvalidInput, NotFound
from idmevents.i18n import gettext
from idmevents.mail import services
from idmevents.meetings.tables import Meeting
from idmevents.records import copy_fields
from idmevents.validation import MAX_ID, is_row_id
from idmevents.web.common import NO_TOKEN, error_specs
from idmevents.web.flash import flash
from idmevents.web.guards import OrganizerApi, OrganizerPages, safe_next
from idmevents.web.scope import only_visible, visible_meeting_ids

PAGE_SIZE = 50


async def _meetings(request: Request) -> list[dict]:
    rows = await Meeting.select(Meeting.id, Meeting.slug, Meeting.title).order_by(Meeting.starts_on)
    return only_visible(rows, await visible_meeting_ids(request))


def _meeting_id(meetings: list[dict], slug: str) -> int | None:
    if not slug:
        return None
    for meeting in meetings:
        if meeting["slug"] == slug:
            return meeting["id"]
    raise InvalidInput(
        gettext("Some filters are not possible values."),
        fields={"meeting": gettext("There is no meeting called “%(slug)s”.") % {"slug": slug}},
    )


def _status(value: str) -> str | None:
    if not value:
        return None
    if value not in services.STATUSES:
        raise InvalidInput(
            gettext("Some filters are not possible values."),
            fields={
                "status": gettext("Choose one of: %(choices)s.")
                % {"choices": ", ".join(services.STATUSES)}
            },
        )
    return value


async def _message(outbox_id: int) -> tuple[services.OutboxEntry, str]:
    if not is_row_id(outbox_id):
        raise NotFound(gettext("There is no such email in the outbox."))
    try:
        return await services.get_outbox_message(outbox_id)
    except NotFound:
        raise NotFound(gettext("There is no such email in the outbox.")) from None


class OutboxController(OrganizerPages):
    path = "/admin/outbox"

    @get("/", name="admin_outbox")
    async def index(
        self,
        request: Request,
        status: FromQuery[str] = "",
        meeting: FromQuery[str] = "",
        page: FromQuery[str] = "1",
    ) -> Template:
        """Every email, newest first, with its state; filtered by state and meeting."""
        meetings = await _meetings(request)
        meeting_id = _meeting_id(meetings, meeting[:100])
        chosen = _status(status)
        counts = await services.outbox_counts(
            meeting_id=meeting_id, meeting_ids=await visible_meeting_ids(request)
        )
        total = counts[chosen] if chosen else sum(counts.values())
        pages = max(1, -(-total // PAGE_SIZE))
        number = min(max(1, int(page) if page.isdigit() and len(page) < 8 else 1), pages)
        entries = await services.list_outbox(
            status=chosen,
            meeting_id=meeting_id,
            meeting_ids=await visible_meeting_ids(request),
            limit=PAGE_SIZE,
            offset=(number - 1) * PAGE_SIZE,
        )
        query = {k: v for k, v in {"status": status, "meeting": meeting}.items() if v}

        def link(**changes: str | int) -> str:
            values = {k: str(v) for k, v in (query | changes).items() if v not in ("", None)}
            return f"{request.url.path}?{urlencode(values)}" if values else request.url.path

        here = f"{request.url.path}?{request.url.query}" if request.url.query else request.url.path
        return Template(
            "mail/outbox.html.jinja2",
            context={
                "entries": entries,
                "counts": counts,
                "total": total,
                "page": number,
                "pages": pages,
                "status": chosen or "",
                "meeting_slug": meeting if meeting_id else "",
                "meetings": meetings,
                "meeting_titles": {m["id"]: m["title"] for m in meetings},
                "statuses": services.STATUSES,
                "status_name": services.status_name,
                "link": link,
                "here": here,
            },
        )

    @get("/{outbox_id:int}", name="admin_outbox_message")
    async def message(self, outbox_id: FromPath[int]) -> Template:
        """One email: its state, headers, text and attachments, and resending it."""
        entry, raw = await _message(outbox_id)
        meeting = None
        if entry.meeting_id is not None:
            meeting = (
                await Meeting.select(Meeting.slug, Meeting.title)
                .where(Meeting.id == entry.meeting_id)
                .first()
            )
        return Template(
            "mail/message.html.jinja2",
            context={
                "entry": entry,
                "view": services.read_message(raw, entry.kind),
                "meeting": meeting,
                "status_name": services.status_name,
            },
            # Registration emails carry private links: no cache keeps the page.
            headers={"Cache-Control": "no-store", "Referrer-Policy": "no-referrer"},
        )

    @post("/{outbox_id:int}/resend", name="admin_outbox_resend")
    async def resend(self, request: Request, outbox_id: FromPath[int]) -> Redirect:
        """Send the email again: a failed one is retried, a sent one goes out as a new email."""
        data = await request.form()
        target = request.app.route_reverse("admin_outbox_message", outbox_id=outbox_id)
        next_value = data.get("next")
        target = safe_next(next_value if isinstance(next_value, str) else "", default=target)
        entry, _ = await _message(outbox_id)
        try:
            new_id = await services.resend(
                outbox_id,
                now=datetime.now(UTC),
                user_id=request.user.id,
                actor=request.user.email,
            )
        except AppError as error:
            flash(request, error.message, "error")
            return Redirect(target, status_code=303)
        if new_id == outbox_id:
            flash(
                request,
                gettext("The email to %(to)s is queued again.") % {"to": entry.to_address},
            )
        else:
            flash(
                request,
                gettext("A new copy of the email to %(to)s is queued.") % {"to": entry.to_address},
            )
            if safe_next(next_value if isinstance(next_value, str) else "", default="") == "":
                target = request.app.route_reverse("admin_outbox_message", outbox_id=new_id)
        return Redirect(target, status_code=303)


# The JSON API -----------------------------------------------------------------------------------

OutboxStatus = Literal["queued", "sending", "sent", "failed"]


class OutboxItem(msgspec.Struct):
    id: int
    message_id: str
    kind: str
    to_address: str
    subject: str
    status: OutboxStatus
    attempts: int
    last_error: str
    next_attempt_at: datetime
    created_at: datetime
    sent_at: datetime | None
    meeting: str | None  # the meeting's slug
    registration_id: int | None


class OutboxPage(msgspec.Struct):
    items: list[OutboxItem]
    total: int
    limit: int
    offset: int
    counts: dict[str, int]


API_ERRORS = error_specs(
    {
        401: NO_TOKEN,
        403: "The token's user may not read the outbox (organizers and admins may)",
        422: "A filter that is not a possible value; `fields` names it",
    }
)


def _item(entry: services.OutboxEntry, slugs: dict[int, str]) -> OutboxItem:
    return copy_fields(
        OutboxItem,
        entry,
        meeting=slugs.get(entry.meeting_id) if entry.meeting_id is not None else None,
    )


class OutboxApi(OrganizerApi):
    path = "/api/v1/outbox"
    tags = ["mail"]

    @get("/", name="api_outbox", responses=API_ERRORS)
    async def list_outbox(
        self,
        request: Request,
        status: FromQuery[OutboxStatus | None] = None,
        meeting: Annotated[
            str | None, QueryParameter(max_length=100, description="A meeting's slug")
        ] = None,
        limit: Annotated[int, QueryParameter(ge=1, le=services.MAX_PAGE_SIZE)] = 50,
        offset: Annotated[int, QueryParameter(ge=0, le=MAX_ID)] = 0,
    ) -> OutboxPage:
        """Emails newest first (without their bodies), with how many there are in each state."""
        meetings = await _meetings(request)
        meeting_id = _meeting_id(meetings, meeting or "")
        counts = await services.outbox_counts(
            meeting_id=meeting_id, meeting_ids=await visible_meeting_ids(request)
        )
        entries = await services.list_outbox(
            status=status,
            meeting_id=meeting_id,
            meeting_ids=await visible_meeting_ids(request),
            limit=limit,
            offset=offset,
        )
        slugs = {m["id"]: m["slug"] for m in meetings}
        return OutboxPage(
            items=[_item(entry, slugs) for entry in entries],
            total=counts[status] if status else sum(counts.values()),
            limit=limit,
            offset=offset,
            counts=counts,
        )

    @post(
        "/{outbox_id:int}/resend",
        name="api_outbox_resend",
        status_code=200,
        responses=API_ERRORS
        | error_specs(
            {
                404: "No such email in the outbox",
                409: "The email is already waiting to be sent",
            }
        ),
    )
    async def resend(self, request: Request, outbox_id: FromPath[int]) -> OutboxItem:
        """Send an email again. A failed one is queued again (same row, same Message-ID); a sent
        one is copied to a new row with a new Message-ID, which is answered."""
        await _message(outbox_id)
        new_id = await services.resend(
            outbox_id, now=datetime.now(UTC), user_id=request.user.id, actor=request.user.email
        )
        entry, _ = await services.get_outbox_message(new_id)
        meetings = await _meetings(request)
        return _item(entry, {m["id"]: m["slug"] for m in meetings})
