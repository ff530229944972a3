"""The suspicious bursts page of a meeting's desk: registrations that look made in bulk to squat
seats, grouped by what they share (registrations/desk/bursts.py), each group a link to the desk
filtered to it, where they can be looked at one by one and cancelled."""

from __future__ import annotations

from urllib.parse import urlencode

from litestar import Request, get
from litestar.params import FromPath
from litestar.response import Template

from idmevents.registrations import desk
from idmevents.registrations.desk import bursts
from idmevents.web.guards import requires_role


@get(
    "/admin/meetings/{slug:str}/registrations/bursts",
    name="admin_registration_bursts",
    guards=[requires_role("organizer")],
    include_in_schema=False,
)
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
