"""The agenda builder's session pages: a session's fields, status and panelists."""

from __future__ import annotations

from litestar import Request, get, post
from litestar.params import FromPath, FromQuery
from litestar.response import Redirect, Template

from idmevents import content
from idmevents.errors import AppError, InvalidInput
from idmevents.i18n import gettext
from idmevents.meetings import builder, panelists, services
from idmevents.meetings.services import PANELIST_ROLES, SESSION_KINDS
from idmevents.web.common import request_actor
from idmevents.web.guards import OrganizerPages
from idmevents.web.organizers import forms
from idmevents.web.organizers.agenda import (
    SESSION_TRANSLATED,
    done_message,
    done_redirect,
    form_data,
    meeting_days,
    now,
    to_meeting,
)


class SessionAdminController(OrganizerPages):
    path = "/admin/sessions"

    async def _context(self, session_id: int, values=None, errors=None, error=None) -> dict:
        session = await builder.get_session(session_id)
        meeting = await builder.get_meeting_any(session["meeting_slug"])
        clashes = [
            (c, builder.describe_clash(c, meeting["timezone"]))
            for c in await builder.meeting_clashes(meeting)
            if session_id in c.session_ids
        ]
        return {
            "meeting": meeting,
            "session": session,
            "values": values or forms.session_form_values(session, meeting["timezone"]),
            "errors": errors or {},
            "error": error,
            "rooms": await services.rooms_of(meeting["id"]),
            "kinds": SESSION_KINDS,
            "roles": PANELIST_ROLES,
            "session_text": SESSION_TRANSLATED,
            "days": meeting_days(meeting),
            "assigned": await builder.session_panelists(session_id),
            "everyone": await panelists.list_panelists(),
            "clashes": clashes,
        }

    @get("/{session_id:int}", name="admin_session")
    async def edit(
        self,
        session_id: FromPath[int],
        done: FromQuery[str | None] = None,
        panelist: FromQuery[str | None] = None,
    ) -> Template:
        """A session's details, its panelists (with role and order), cancel or restore.
        `panelist`: someone just created from this page, chosen in the "Add panelist" form."""
        context = await self._context(session_id)
        if panelist and any(str(p["id"]) == panelist for p in context["everyone"]):
            context["panel_values"] = {"panelist_id": panelist, "role": "speaker"}
        return Template(
            "admin/meetings/session.html.jinja2", context=context | {"done": done_message(done)}
        )

    @post("/{session_id:int}", name="admin_session_update")
    async def save(self, request: Request, session_id: FromPath[int]) -> Template | Redirect:
        """Save a session's time, room and details."""
        session = await builder.get_session(session_id)
        meeting = await builder.get_meeting_any(session["meeting_slug"])
        form = await form_data(request)
        try:
            values = forms.session_values(
                form, session["timezone"], content.original_language(meeting)
            )
            await builder.update_session(session_id, values, by=request_actor(request), now=now())
        except AppError as exc:
            context = await self._context(
                session_id, values=form, errors=exc.fields, error=exc.message
            )
            return Template(
                "admin/meetings/session.html.jinja2", context=context, status_code=exc.status_code
            )
        return to_meeting(request, session["meeting_slug"], f"session-saved#session-{session_id}")

    @post("/{session_id:int}/status", name="admin_session_status")
    async def set_status(self, request: Request, session_id: FromPath[int]) -> Redirect:
        """Cancel, restore or (on a draft meeting) delete the session."""
        session = await builder.get_session(session_id)
        action = (await form_data(request)).get("action")
        if action == "delete":
            result = await builder.delete_session(session_id, by=request_actor(request), now=now())
            done = "session-deleted" if result == "deleted" else "session-cancelled"
        elif action == "restore":
            await builder.set_session_status(
                session_id, "scheduled", by=request_actor(request), now=now()
            )
            done = "session-restored"
        elif action == "cancel":
            await builder.set_session_status(
                session_id, "cancelled", by=request_actor(request), now=now()
            )
            done = "session-cancelled"
        else:
            raise InvalidInput(fields={"action": gettext("Cancel, restore or delete.")})
        return to_meeting(request, session["meeting_slug"], done)

    @post("/{session_id:int}/panelists", name="admin_session_panelists")
    async def assign(self, request: Request, session_id: FromPath[int]) -> Template | Redirect:
        """Add a panelist with a role at a place in the order, or remove one."""
        form = await form_data(request)
        try:
            errors: dict[str, str] = {}
            panelist_id = forms.parse_int(errors, form, "panelist_id", optional=False)
            if form.get("action") == "remove" and panelist_id is not None:
                await builder.unassign_panelist(
                    session_id, panelist_id, by=request_actor(request), now=now()
                )
                done = "panelist-removed"
            else:
                order = forms.parse_int(errors, form, "order")
                if order is not None and order < 1:
                    errors["order"] = gettext("1 or more.")
                if errors:
                    raise InvalidInput(gettext("Please correct the marked fields."), fields=errors)
                await builder.assign_panelist(
                    session_id,
                    panelist_id,
                    role=form.get("role", "speaker"),
                    order=order,
                    by=request_actor(request),
                    now=now(),
                )
                done = "panelist-added"
        except AppError as exc:
            context = await self._context(session_id)
            return Template(
                "admin/meetings/session.html.jinja2",
                context=context
                | {"panel_values": form, "panel_errors": exc.fields, "error": exc.message},
                status_code=exc.status_code,
            )
        return done_redirect(request, "admin_session", f"{done}#panelists", session_id=session_id)
