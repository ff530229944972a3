"""The organizers' reminders page under /admin/meetings/{slug}/reminders: what is scheduled, how
many went out, the schedule's form, a test sent to oneself, and the switch that turns them off."""

from __future__ import annotations

import re
from typing import Any

from litestar import Request, get, post
from litestar.params import FromPath, FromQuery
from litestar.response import Redirect, Template

from idmevents import clock
from idmevents.errors import AppError
from idmevents.i18n import N_ as _
from idmevents.i18n import current_language
from idmevents.meetings import builder
from idmevents.meetings.reminder_schedule import stored_offsets
from idmevents.registrations import reminders
from idmevents.web.common import done_note, done_redirect
from idmevents.web.common import request_actor as actor
from idmevents.web.guards import OrganizerPages
from idmevents.web.organizers.agenda import failed, form_data, meeting_and_form

DONE = {
    "saved": _("The reminders were saved."),
    "on": _("Reminders are on."),
    "off": _("Reminders are off: none will be sent until you switch them on again."),
    "test": _("A test reminder is on its way to your address."),
}
TEMPLATE = "admin/meetings/reminders.html.jinja2"


class ReminderAdminController(OrganizerPages):
    path = "/admin/meetings/{slug:str}/reminders"

    @staticmethod
    async def _context(meeting: dict, values: dict | None = None) -> dict[str, Any]:
        return {
            "meeting": meeting,
            "reminders": await reminders.reminder_overview(meeting),
            "values": values
            or {
                "reminders": " ".join(stored_offsets(meeting)),
                "follow_up_url": meeting["follow_up_url"],
            },
            "now": clock.now(),
            "errors": {},
            "error": None,
            "done": None,
        }

    @get("/", name="admin_meeting_reminders")
    async def show(self, slug: FromPath[str], done: FromQuery[str | None] = None) -> Template:
        """The schedule, with how many of each reminder were queued and sent."""
        meeting = await builder.get_meeting_any(slug)
        context = await self._context(meeting)
        context["done"] = done_note(DONE, done)
        return Template(TEMPLATE, context=context)

    @post("/", name="admin_meeting_reminders_save")
    async def save(self, request: Request, slug: FromPath[str]) -> Template | Redirect:
        """Save the schedule (offsets separated by spaces or commas) and the follow-up link."""
        meeting, form = await meeting_and_form(request, slug)
        offsets = [part for part in re.split(r"[\s,;]+", form.get("reminders", "")) if part]
        try:
            await builder.update_meeting(
                slug,
                {"reminders": offsets, "follow_up_url": form.get("follow_up_url", "")},
                by=actor(request),
                now=clock.now(),
            )
        except AppError as exc:
            return failed(TEMPLATE, await self._context(meeting, form), exc)
        return self._back(request, slug, "saved")

    @post("/switch", name="admin_meeting_reminders_switch")
    async def switch(self, request: Request, slug: FromPath[str]) -> Redirect:
        """Switch every reminder of the meeting on or off."""
        form = await form_data(request)
        enabled = form.get("enabled") == "on"
        await reminders.set_reminders_enabled(slug, enabled, by=actor(request), now=clock.now())
        return self._back(request, slug, "on" if enabled else "off")

    @post("/test", name="admin_meeting_reminders_test")
    async def test(self, request: Request, slug: FromPath[str]) -> Redirect:
        """Send the next reminder to the signed-in organizer, in the language of the page."""
        await reminders.send_test_reminder(
            slug,
            to_address=request.user.email,
            language=current_language(),
            by=actor(request),
            now=clock.now(),
        )
        return self._back(request, slug, "test")

    @staticmethod
    def _back(request: Request, slug: str, done: str) -> Redirect:
        return done_redirect(request, "admin_meeting_reminders", done, slug=slug)


__all__ = ["ReminderAdminController"]
