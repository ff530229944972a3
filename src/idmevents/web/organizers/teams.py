"""A meeting's team at /admin/meetings/{slug}/team: who may work on it; administrators change it."""

from __future__ import annotations

from litestar import Request, get, post
from litestar.params import FromPath
from litestar.response import Redirect, Template

from idmevents.auth.services import role_label
from idmevents.errors import AppError
from idmevents.i18n import gettext
from idmevents.meetings import builder, teams
from idmevents.web.common import request_actor
from idmevents.web.flash import flash
from idmevents.web.guards import OrganizerPages, requires_role
from idmevents.web.organizers.agenda import form_data, now


def _page(request: Request, slug: str) -> str:
    return request.app.route_reverse("admin_meeting_team", slug=slug)


class MeetingTeamController(OrganizerPages):
    path = "/admin/meetings/{slug:str}/team"

    @get("/", name="admin_meeting_team")
    async def team(self, request: Request, slug: FromPath[str]) -> Template:
        """Who works on the meeting; an administrator adds and removes accounts here."""
        meeting = await builder.get_meeting_any(slug)
        is_admin = request.user.has_role("admin")
        return Template(
            "admin/meetings/team.html.jinja2",
            context={
                "meeting": meeting,
                "members": await teams.members(meeting["id"]),
                "candidates": await teams.candidates(meeting["id"]) if is_admin else [],
                "can_change": is_admin,
                "role_label": role_label,
            },
        )

    @post("/", name="admin_meeting_team_add", guards=[requires_role("admin")])
    async def add(self, request: Request, slug: FromPath[str]) -> Redirect:
        """Put an organizer or check-in account in the team."""
        meeting = await builder.get_meeting_any(slug)
        form = await form_data(request)
        raw = form.get("user", "")
        user_id = int(raw) if raw.isdigit() and len(raw) < 11 else 0
        try:
            user = await teams.add_member(
                meeting["id"], user_id, by=request_actor(request), now=now()
            )
        except AppError as exc:
            flash(request, next(iter(exc.fields.values()), exc.message), "error")
        else:
            flash(request, gettext("%(email)s joined the team.") % {"email": user["email"]})
        return Redirect(_page(request, slug), status_code=303)

    @post(
        "/{user_id:int}/remove", name="admin_meeting_team_remove", guards=[requires_role("admin")]
    )
    async def remove(
        self, request: Request, slug: FromPath[str], user_id: FromPath[int]
    ) -> Redirect:
        """Take an account out of the team: it no longer sees the meeting."""
        meeting = await builder.get_meeting_any(slug)
        await teams.remove_member(meeting["id"], user_id, by=request_actor(request), now=now())
        flash(request, gettext("Removed from the team."))
        return Redirect(_page(request, slug), status_code=303)
