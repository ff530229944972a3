"""The organizers' panelist pages under /admin/panelists: list, create, edit, unavailable times."""

from __future__ import annotations

from typing import Any

from litestar import Request, get, post
from litestar.params import FromPath, FromQuery
from litestar.response import Redirect, Template

from idmevents import content
from idmevents.errors import AppError, NotFound
from idmevents.meetings import builder, teams
from idmevents.meetings import panelists as services
from idmevents.meetings.tables import Meeting
from idmevents.validation import is_row_id
from idmevents.web.common import request_actor
from idmevents.web.guards import OrganizerPages
from idmevents.web.organizers import forms
from idmevents.web.organizers.agenda import done_message, done_redirect, failed, form_data, now
from idmevents.web.scope import visible_meeting_ids

FIELDS = ("honorific", "name", "position", "organization", "bio", "email", "slug")


async def zone_choices() -> list[str]:
    """The zones of existing meetings first (where unavailability usually is), then UTC."""
    zones = [r["timezone"] for r in await Meeting.select(Meeting.timezone).distinct()]
    return [*sorted(set(zones)), "UTC"]


def _values(form: dict[str, str]) -> dict[str, Any]:
    """The form's fields, with the position and biography in French and Spanish."""
    values: dict[str, Any] = {k: form.get(k, "") for k in FIELDS}
    translations = content.from_form(form, content.PANELIST_TEXT, "en")
    if translations is not None:
        values["translations"] = translations
    return values


async def _session_to_return_to(request: Request, session_id: str | None) -> dict | None:
    """The session a new panelist is being made for, if it exists and the account may see it."""
    if not session_id or not session_id.isdigit() or not is_row_id(int(session_id)):
        return None
    try:
        session = await builder.get_session(int(session_id))
    except NotFound:
        return None
    visible = await visible_meeting_ids(request)
    return session if visible is None or session["meeting"] in visible else None


class PanelistAdminController(OrganizerPages):
    path = "/admin/panelists"

    @get("/", name="admin_panelists")
    async def index(self, request: Request, q: FromQuery[str | None] = None) -> Template:
        """Who speaks at the account's meetings or at none yet, searchable by name or organization."""
        visible = await teams.visible_panelist_ids(await visible_meeting_ids(request))
        people = [
            p for p in await services.list_panelists(q) if visible is None or p["id"] in visible
        ]
        return Template(
            "admin/panelists/list.html.jinja2", context={"people": people, "q": q or ""}
        )

    @get("/new", name="admin_panelist_new")
    async def new(self, request: Request, session: FromQuery[str | None] = None) -> Template:
        """A new panelist; from a session's page (`?session=ID`), saving goes back to it."""
        for_session = await _session_to_return_to(request, session)
        return Template(
            "admin/panelists/form.html.jinja2",
            context={
                "person": None,
                "values": {"for_session": for_session["id"]} if for_session else {},
                "for_session": for_session,
                "errors": {},
                "error": None,
            },
        )

    @post("/new", name="admin_panelist_create")
    async def create(self, request: Request) -> Template | Redirect:
        form = await form_data(request)
        for_session = await _session_to_return_to(request, form.get("for_session"))
        try:
            person = await services.create_panelist(
                _values(form), by=request_actor(request), now=now()
            )
        except AppError as exc:
            context = {"person": None, "values": form, "for_session": for_session}
            return failed("admin/panelists/form.html.jinja2", context, exc)
        if for_session:
            back = request.app.route_reverse("admin_session", session_id=for_session["id"])
            return Redirect(
                f"{back}?done=panelist-created&panelist={person['id']}#panelists", status_code=303
            )
        return done_redirect(request, "admin_panelist", "saved", panelist_id=person["id"])

    async def _context(self, panelist_id: int, **extra: Any) -> dict[str, Any]:
        person = await services.get_panelist(panelist_id)
        return {
            "person": person,
            "values": {k: person[k] for k in FIELDS}
            | content.to_form(person, content.PANELIST_TEXT),
            "errors": {},
            "error": None,
            "sessions": await services.panelist_sessions(panelist_id),
            "away": await services.list_unavailability(panelist_id),
            "zones": await zone_choices(),
            "away_values": {},
            "away_errors": {},
        } | extra

    @get("/{panelist_id:int}", name="admin_panelist")
    async def edit(
        self, panelist_id: FromPath[int], done: FromQuery[str | None] = None
    ) -> Template:
        """A panelist's details, their sessions in every meeting, and when they are unavailable."""
        context = await self._context(panelist_id, done=done_message(done))
        return Template("admin/panelists/form.html.jinja2", context=context)

    @post("/{panelist_id:int}", name="admin_panelist_update")
    async def save(self, request: Request, panelist_id: FromPath[int]) -> Template | Redirect:
        form = await form_data(request)
        try:
            await services.update_panelist(
                panelist_id, _values(form), by=request_actor(request), now=now()
            )
        except AppError as exc:
            context = await self._context(panelist_id)
            return failed("admin/panelists/form.html.jinja2", context | {"values": form}, exc)
        return done_redirect(request, "admin_panelist", "saved", panelist_id=panelist_id)

    @post("/{panelist_id:int}/unavailable", name="admin_panelist_unavailable")
    async def add_unavailable(
        self, request: Request, panelist_id: FromPath[int]
    ) -> Template | Redirect:
        """Add a period the panelist cannot speak in (entered in the zone chosen beside it)."""
        form = await form_data(request)
        try:
            values = forms.unavailability_values(form)
            await services.add_unavailability(
                panelist_id, **values, by=request_actor(request), now=now()
            )
        except AppError as exc:
            context = await self._context(
                panelist_id, away_values=form, away_errors=exc.fields, error=exc.message
            )
            return Template(
                "admin/panelists/form.html.jinja2", context=context, status_code=exc.status_code
            )
        return done_redirect(
            request, "admin_panelist", "saved#unavailable", panelist_id=panelist_id
        )

    @post("/unavailable/{period_id:int}/delete", name="admin_unavailable_delete")
    async def delete_unavailable(self, request: Request, period_id: FromPath[int]) -> Redirect:
        panelist_id = await services.delete_unavailability(
            period_id, by=request_actor(request), now=now()
        )
        return done_redirect(
            request, "admin_panelist", "saved#unavailable", panelist_id=panelist_id
        )
