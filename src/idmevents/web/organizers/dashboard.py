"""The organizers' dashboard at /admin/."""

from __future__ import annotations

from litestar import Request, get
from litestar.response import Redirect, Template

from idmevents import clock
from idmevents.registrations import dashboard as services
from idmevents.web.guards import CheckinPages
from idmevents.web.organizers.nav import route_url
from idmevents.web.scope import only_visible, visible_meeting_ids


class DashboardController(CheckinPages):
    path = "/admin"

    @get("/", name="admin_dashboard")
    async def dashboard(self, request: Request) -> Template | Redirect:
        """Meetings with their registrations by status; check-in staff go to their desk instead."""
        if not request.user.has_role("organizer"):
            desk = route_url(request, "checkin_desk")
            if desk is not None:
                return Redirect(desk, status_code=303)
        meetings = only_visible(
            await services.meeting_summaries(today=clock.now().date()),
            await visible_meeting_ids(request),
        )
        awaiting = [meeting for meeting in meetings if meeting.counts.get("pending")]
        return Template(
            "admin/dashboard.html.jinja2",
            context={
                "meetings": meetings,
                "statuses": services.REGISTRATION_STATUSES,
                "awaiting_approval": awaiting,
            },
        )
