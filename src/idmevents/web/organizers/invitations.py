"""The organizers' invitations page of a meeting: invite addresses (one or a pasted list) to
register in an invitation-only category, each emailed a personal link, and see who registered."""

from __future__ import annotations

from typing import Any

from litestar import Request, get, post
from litestar.params import FromPath, FromQuery
from litestar.response import Redirect, Template

from idmevents.errors import AppError
from idmevents.i18n import LANGUAGES, current_language, gettext
from idmevents.i18n import N_ as _
from idmevents.registrations import desk
from idmevents.registrations import services as registrations
from idmevents.web.common import request_actor as actor
from idmevents.web.guards import OrganizerPages
from idmevents.web.organizers.agenda import form_data, now

TEMPLATE = "admin/invitations/list.html.jinja2"


DONE = {"sent": _("The invitations were queued: see them in the outbox.")}


class InvitationAdminController(OrganizerPages):
    path = "/admin/meetings/{slug:str}/invitations"

    async def _context(self, slug: str, **extra: Any) -> dict[str, Any]:
        meeting = await desk.get_meeting(slug)
        closed = registrations.invitation_categories(meeting)
        return {
            "meeting": meeting,
            "invitations": await registrations.list_invitations(meeting["id"]),
            "invitation_only": [(c, registrations.category_label(c)) for c in closed],
            "categories": [(c, registrations.category_label(c)) for c in registrations.CATEGORIES],
            "language_choices": [(c, registrations.language_label(c)) for c in LANGUAGES],
            "values": {
                "category": closed[0] if closed else "",
                "language": current_language(),
            },
            "errors": {},
            "error": None,
            "done": None,
        } | extra

    @get("/", name="admin_invitations")
    async def index(self, slug: FromPath[str], done: FromQuery[str | None] = None) -> Template:
        context = await self._context(slug)
        context["done"] = gettext(DONE[done]) if done in DONE else None
        return Template(TEMPLATE, context=context)

    @post("/", name="admin_invitations_send")
    async def send(self, request: Request, slug: FromPath[str]) -> Template | Redirect:
        """Invite every address listed (one a line) and email each its personal link."""
        meeting = await desk.get_meeting(slug)
        form = await form_data(request)
        values = {name: form.get(name, "") for name in ("category", "language", "invitees")}
        try:
            await registrations.invite(
                meeting,
                registrations.parse_invitees(values["invitees"]),
                category=values["category"],
                language=values["language"],
                by=actor(request),
                now=now(),
            )
        except AppError as exc:
            context = await self._context(slug, values=values, errors=exc.fields, error=exc.message)
            return Template(TEMPLATE, context=context, status_code=exc.status_code)
        url = request.app.route_reverse("admin_invitations", slug=slug)
        return Redirect(f"{url}?done=sent", status_code=303)
