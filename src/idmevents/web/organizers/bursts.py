"""The suspicious bursts page of a meeting's desk: registrations that look made in bulk to squat
seats, grouped by what they share (registrations/desk/bursts.py), each group a link to the desk
filtered to it, where they can be looked at one by one and cancelled."""

from __future__ import annotations

from datetime import UTC, datetime
from urllib.parse import urlencode

from litestar import Request, get, post
from litestar.params import FromPath
from litestar.response import Redirect, Template

from idmevents.i18n import gettext
from idmevents.registrations import desk
from idmevents.registrations.desk import bursts
from idmevents.web.common import request_actor
from idmevents.web.flash import flash
from idmevents.web.guards import requires_role

PATH = "/admin/meetings/{slug:str}/registrations/bursts"
FOR_ORGANIZERS: dict = {"guards": [requires_role("organizer")], "include_in_schema": False}


@get(PATH, name="admin_registration_bursts", **FOR_ORGANIZERS)
async def suspicious_bursts(request: Request, slug: FromPath[str]) -> Template:
    """The meeting's suspicious groups, the largest bursts first."""
    meeting = await desk.get_meeting(slug)
    found = await bursts.find_bursts(meeting["id"])
    desk_path = request.app.route_reverse("admin_meeting_registrations", slug=meeting["slug"])
    return Template(
        "registrations/bursts.html.jinja2",
        context={
            "admin_section": "admin_registrations",
            "meeting": meeting,
            "bursts": found,
            "desk_path": desk_path,
            "desk_link": lambda burst: f"{desk_path}?{urlencode({'burst': burst.filter})}",
            "burst_size": bursts.BURST_SIZE,
            "burst_minutes": int(bursts.BURST_GAP.total_seconds() // 60),
        },
    )


@post(f"{PATH}/cancel", name="admin_registration_bursts_cancel", **FOR_ORGANIZERS)
async def cancel_group(request: Request, slug: FromPath[str]) -> Redirect:
    """Cancel every active registration of one group, once the organizer ticked that they looked
    at the people; each is emailed and the waiting list moves (desk.cancel_many)."""
    meeting = await desk.get_meeting(slug)
    data = await request.form()
    group = bursts.parse_filter(str(data.get("burst") or ""))
    back = request.app.route_reverse("admin_registration_bursts", slug=meeting["slug"])
    if group is None or data.get("sure") != "yes":
        flash(request, gettext("Tick the box to say you looked at the people first."), "error")
        return Redirect(back, status_code=303)
    ids = await bursts.burst_ids(meeting["id"], *group)
    result = await desk.cancel_many(meeting, ids, by=request_actor(request), now=datetime.now(UTC))
    flash(
        request,
        gettext("Cancelled and emailed: %(count)d registrations of the group.")
        % {"count": len(result.cancelled)},
    )
    return Redirect(back, status_code=303)
