"""Organizers' visa letters of a meeting: the requests (pending first) to approve or decline with
a reason, each issued letter to download, and the letterhead the letters are printed on."""

from __future__ import annotations

from typing import Any

from litestar import Request, Response, get, post
from litestar.datastructures import UploadFile
from litestar.params import FromPath, FromQuery
from litestar.response import Redirect, Template

from idmevents.delegations import visa_pdf, visa_requests
from idmevents.errors import AppError, NotFound
from idmevents.i18n import N_ as _
from idmevents.i18n import current_language, gettext
from idmevents.registrations import desk
from idmevents.web.common import pdf_response
from idmevents.web.common import request_actor as actor
from idmevents.web.guards import OrganizerPages
from idmevents.web.organizers.agenda import now

TEMPLATE = "admin/delegations/visa_requests.html.jinja2"
LETTERHEAD_TEMPLATE = "admin/delegations/letterhead.html.jinja2"


DONE = {
    "approved": _("The letter was issued and the participant emailed its link."),
    "declined": _("The request was declined and the participant emailed the reason."),
    "letterhead": _("The letterhead was saved."),
}


async def _registration_of(slug: str, registration_id: int) -> tuple[dict, dict]:
    meeting = await desk.get_meeting(slug)
    registration = await desk.get_registration(registration_id)
    if registration["meeting"] != meeting["id"]:
        raise NotFound(gettext("There is no such registration."))
    return meeting, registration


class VisaAdminController(OrganizerPages):
    path = "/admin/meetings/{slug:str}/visa-letters"

    async def _page(self, slug: str, status_code: int = 200, **extra: Any) -> Template:
        meeting = await desk.get_meeting(slug)
        context = {
            "meeting": meeting,
            "requests": await visa_requests.meeting_requests(meeting["id"], current_language()),
            "errors": {},
            "error": None,
            "failed_id": None,
            "reason": "",
            "done": None,
        } | extra
        return Template(TEMPLATE, context=context, status_code=status_code)

    def _back(self, request: Request, slug: str, name: str, done: str) -> Redirect:
        url = request.app.route_reverse(name, slug=slug)
        return Redirect(f"{url}?done={done}", status_code=303)

    @get("/", name="admin_visa_requests")
    async def index(self, slug: FromPath[str], done: FromQuery[str | None] = None) -> Template:
        """The requests: pending first, each with approve and decline."""
        return await self._page(slug, done=gettext(DONE[done]) if done in DONE else None)

    @post("/{registration_id:int}/approve", name="admin_visa_approve")
    async def approve(
        self, request: Request, slug: FromPath[str], registration_id: FromPath[int]
    ) -> Template | Redirect:
        await _registration_of(slug, registration_id)
        try:
            await visa_requests.approve(registration_id, by=actor(request), now=now())
        except AppError as exc:
            return await self._page(slug, exc.status_code, error=exc.message)
        return self._back(request, slug, "admin_visa_requests", "approved")

    @post("/{registration_id:int}/decline", name="admin_visa_decline")
    async def decline(
        self, request: Request, slug: FromPath[str], registration_id: FromPath[int]
    ) -> Template | Redirect:
        await _registration_of(slug, registration_id)
        form = await request.form()
        reason = form.get("reason") if isinstance(form.get("reason"), str) else ""
        try:
            await visa_requests.decline(registration_id, reason, by=actor(request), now=now())
        except AppError as exc:
            return await self._page(
                slug,
                exc.status_code,
                error=exc.message,
                errors=exc.fields,
                failed_id=registration_id,
                reason=reason,
            )
        return self._back(request, slug, "admin_visa_requests", "declined")

    @get("/{registration_id:int}/letter.pdf", name="admin_visa_letter_pdf")
    async def letter(self, slug: FromPath[str], registration_id: FromPath[int]) -> Response[bytes]:
        """The issued letter, as the participant downloads it (in their language)."""
        await _registration_of(slug, registration_id)
        data, filename = await visa_pdf.letter_pdf(registration_id)
        return pdf_response(data, filename)

    async def _letterhead_page(self, slug: str, status_code: int = 200, **extra: Any) -> Template:
        meeting = await desk.get_meeting(slug)
        current = await visa_pdf.letterhead(meeting["id"])
        context = {
            "meeting": meeting,
            "values": current,
            "logo": current["logo"],
            "errors": {},
            "error": None,
            "max_logo_kb": visa_pdf.MAX_LOGO_BYTES // 1000,
        } | extra
        return Template(LETTERHEAD_TEMPLATE, context=context, status_code=status_code)

    @get("/letterhead", name="admin_letterhead")
    async def letterhead(self, slug: FromPath[str]) -> Template:
        """The letterhead form: organization, address, signatory and logo."""
        return await self._letterhead_page(slug)

    @post("/letterhead", name="admin_letterhead_save")
    async def save_letterhead(self, request: Request, slug: FromPath[str]) -> Template | Redirect:
        meeting = await desk.get_meeting(slug)
        form = await request.form()
        values = {
            name: form.get(name) if isinstance(form.get(name), str) else ""
            for name in visa_pdf.LETTERHEAD_TEXT
        }
        upload = form.get("logo")
        try:
            logo = None
            if isinstance(upload, UploadFile) and upload.filename:
                logo = await upload.read(visa_pdf.MAX_LOGO_BYTES + 1)
            await visa_pdf.save_letterhead(
                meeting,
                values,
                logo=logo,
                remove_logo=form.get("remove_logo") == "on",
                by=actor(request),
                now=now(),
            )
        except AppError as exc:
            return await self._letterhead_page(
                slug, exc.status_code, values=values, errors=exc.fields, error=exc.message
            )
        return self._back(request, slug, "admin_visa_requests", "letterhead")
