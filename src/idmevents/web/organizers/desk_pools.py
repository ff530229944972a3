"""A hybrid meeting at the desk: who is in the room and who online, the
places and waiting list of each, and moving a person from one to the other."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from litestar import Request, post
from litestar.params import FromPath
from litestar.response import Redirect

from idmevents.errors import Conflict, InvalidInput
from idmevents.i18n import gettext
from idmevents.meetings.labels import attendance_label
from idmevents.registrations import desk
from idmevents.registrations.views import ATTENDANCES, is_hybrid
from idmevents.web.common import request_actor
from idmevents.web.flash import flash
from idmevents.web.guards import OrganizerPages, safe_next


async def pools_context(meeting: dict) -> dict[str, Any]:
    """What the desk page shows of attendance: only a hybrid meeting has two pools."""
    return {
        "hybrid": is_hybrid(meeting),
        "pools": await desk.pool_counts(meeting),
        "attendances": [(code, attendance_label(code)) for code in ATTENDANCES],
        "attendance_label": attendance_label,
    }


class DeskAttendanceController(OrganizerPages):
    path = "/admin"

    @post("/registrations/{registration_id:int}/attendance", name="admin_registration_attendance")
    async def switch(self, request: Request, registration_id: FromPath[int]) -> Redirect:
        """Move the person to the room or online, if that side has a free place; the place
        left goes to the next person waiting on their former side."""
        data = await request.form()
        registration = await desk.get_registration(registration_id)
        attendance = data.get("attendance")
        target = safe_next(
            str(data.get("next") or ""),
            default=request.app.route_reverse(
                "admin_registration", registration_id=registration_id
            ),
        )
        name = f"{registration['given_name']} {registration['family_name']}"
        try:
            await desk.switch_attendance(
                registration_id,
                attendance if isinstance(attendance, str) else "",
                by=request_actor(request),
                now=datetime.now(UTC),
            )
        except Conflict as error:
            flash(request, error.message, "error")
        except InvalidInput as error:
            flash(request, next(iter(error.fields.values()), error.message), "error")
        else:
            moved = {
                "in_person": gettext("%(name)s now takes part in the room."),
                "online": gettext("%(name)s now takes part online."),
            }
            flash(request, moved[str(attendance)] % {"name": name})
        return Redirect(target, status_code=303)
