"""Registration on the web: the form, the participant's private page, and the public JSON API."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from babel.lists import format_list
from litestar import Controller, Request, Response, get, post
from litestar.openapi.datastructures import ResponseSpec
from litestar.params import FromPath, FromQuery
from litestar.response import Redirect, Template

from idmevents import urls
from idmevents.audit import PARTICIPANT
from idmevents.errors import Conflict, InvalidInput
from idmevents.i18n import LANGUAGES, current_language
from idmevents.meetings import services as meetings
from idmevents.registrations import services
from idmevents.registrations.countries import country_choices, country_name
from idmevents.web.common import PRIVATE_HEADERS
from idmevents.web.public import registration_schemas as schemas

# Handlers whose `opt` carries this key count against the per-client registration limit.
RATE_LIMITED = "registration_rate_limit"
RATE_LIMIT_STORE = "registration_rate_limit"

# What the private page says after an action, by the `done` code the action redirects with.
DONE_CODES = ("welcome", "details", "sessions", "cancelled", "reinstated")


def _now() -> datetime:
    return datetime.now(UTC)


def _choices() -> dict[str, Any]:
    """Lists the form's select and radio fields offer, in the reader's language."""
    language = current_language()
    return {
        "categories": [(code, services.category_label(code)) for code in services.CATEGORIES],
        "countries": country_choices(language),
        "languages": [(code, services.language_label(code)) for code in LANGUAGES],
        "country_required": sorted(services.COUNTRY_REQUIRED),
    }


def _route_exists(request: Request, name: str) -> bool:
    return request.app.get_handler_index_by_name(name) is not None


class RegistrationPages(Controller):
    """The registration form and the private page, for people in a browser."""

    tags = ["pages"]
    include_in_schema = False

    async def _form_page(
        self,
        meeting: dict,
        *,
        values: dict[str, Any] | None = None,
        errors: dict[str, str] | None = None,
        notice: str | None = None,
        status_code: int = 200,
    ) -> Template:
        now = _now()
        sessions = await services.session_choices(meeting["id"], None)
        return Template(
            "registrations/register.html.jinja2",
            context={
                "meeting": meeting,
                "registration_open": meetings.registration_is_open(meeting, now),
                "opens_later": meeting["registration_opens_at"] is not None
                and now < meeting["registration_opens_at"],
                "approval_labels": format_list(
                    [services.category_label(c) for c in services.approval_categories(meeting)],
                    locale=current_language(),
                )
                if services.approval_categories(meeting)
                else "",
                "sessions": sessions,
                "values": values or {"language": current_language()},
                "errors": errors or {},
                "notice": notice,
                **_choices(),
            },
            status_code=status_code,
        )

    @get("/meetings/{slug:str}/register", name="registration_form")
    async def form(self, slug: FromPath[str]) -> Template:
        """The registration form, or why registration is not open."""
        meeting = await meetings.get_public_meeting(slug)
        return await self._form_page(meeting)

    @post("/meetings/{slug:str}/register", name="registration_submit", opt={RATE_LIMITED: True})
    async def submit(self, request: Request, slug: FromPath[str]) -> Template | Redirect:
        """Register; on a mistake the form comes back with each error beside its field."""
        meeting = await meetings.get_public_meeting(slug)
        data = await request.form()
        form = schemas.form_from_html(data)
        values = {
            name: getattr(form, name)
            for name in (
                "given_name",
                "family_name",
                "email",
                "organization",
                "position",
                "category",
                "country",
                "language",
                "accessibility_needs",
                "consent",
                "sessions",
            )
        }
        try:
            result = await services.register(meeting, form, now=_now())
        except InvalidInput as exc:
            return await self._form_page(
                meeting, values=values, errors=exc.fields, status_code=exc.status_code
            )
        except Conflict as exc:
            return await self._form_page(
                meeting, values=values, notice=exc.message, status_code=exc.status_code
            )
        return Redirect(
            path=request.app.route_reverse("registration_manage", token=result.token)
            + "?done=welcome",
            status_code=303,
        )

    @get("/r/{token:str}", name="registration_manage")
    async def manage(
        self, request: Request, token: FromPath[str], done: FromQuery[str | None] = None
    ) -> Template:
        """A participant's private page: status, details, sessions, cancel."""
        view = await services.registration_view(token, now=_now())
        registration = view.registration
        return Template(
            "registrations/manage.html.jinja2",
            context={
                "view": view,
                "registration": registration,
                "meeting": view.meeting,
                "done": done if done in DONE_CODES else None,
                "labels": {
                    "category": services.category_label(registration["category"]),
                    "status": services.status_label(registration["status"]),
                    "country": country_name(registration["country"], current_language()),
                    "language": services.language_label(registration["language"]),
                },
                # Sections that other parts of the site fill once their pages exist.
                "has_badge": _route_exists(request, "registration_badge"),
                "has_feed": _route_exists(request, "personal_feed"),
                "has_feed_replace": _route_exists(request, "replace_personal_feed"),
            },
            headers=PRIVATE_HEADERS,
        )

    async def _details_page(
        self,
        token: str,
        *,
        values: dict[str, Any] | None = None,
        errors: dict[str, str] | None = None,
        status_code: int = 200,
    ) -> Template:
        view = await services.registration_view(token, now=_now())
        return Template(
            "registrations/details.html.jinja2",
            context={
                "view": view,
                "registration": view.registration,
                "meeting": view.meeting,
                "values": values or view.registration,
                "errors": errors or {},
                **_choices(),
            },
            status_code=status_code,
            headers=PRIVATE_HEADERS,
        )

    @get("/r/{token:str}/details", name="registration_edit_details")
    async def edit_details(self, token: FromPath[str]) -> Template:
        """The form to change one's details."""
        return await self._details_page(token)

    @post("/r/{token:str}/details", name="registration_update_details")
    async def update_details(self, request: Request, token: FromPath[str]) -> Template | Redirect:
        """Save changed details; the participant is emailed what changed."""
        registration = await services.get_by_token(token)
        form = schemas.details_from_html(await request.form())
        try:
            await services.update_details(registration["id"], form, by=PARTICIPANT, now=_now())
        except InvalidInput as exc:
            values = registration | {name: getattr(form, name) for name in services.DETAIL_FIELDS}
            return await self._details_page(
                token, values=values, errors=exc.fields, status_code=exc.status_code
            )
        return self._back(request, token, "details")

    @post("/r/{token:str}/sessions", name="registration_choose_sessions")
    async def choose_sessions(self, request: Request, token: FromPath[str]) -> Redirect:
        """Replace the sessions one will attend."""
        registration = await services.get_by_token(token)
        ids = schemas.session_ids_from_html(await request.form())
        await services.choose_sessions(registration["id"], ids, by=PARTICIPANT, now=_now())
        return self._back(request, token, "sessions", anchor="sessions-heading")

    @post("/r/{token:str}/attendance", name="registration_attendance")
    async def change_attendance(self, request: Request, token: FromPath[str]) -> Redirect:
        """Switch between the room and online (hybrid meetings), while there is room."""
        registration = await services.get_by_token(token)
        attendance = (await request.form()).get("attendance")
        try:
            await services.change_attendance(
                registration["id"], str(attendance or ""), by=PARTICIPANT, now=_now()
            )
        except (Conflict, InvalidInput):
            return self._back(request, token, "attendance-full", anchor="attendance-heading")
        return self._back(request, token, "attendance", anchor="attendance-heading")

    @get("/r/{token:str}/cancel", name="registration_cancel_confirm")
    async def confirm_cancel(self, token: FromPath[str]) -> Template:
        """Are you sure? Cancelling gives the seat away."""
        view = await services.registration_view(token, now=_now())
        return Template(
            "registrations/cancel.html.jinja2",
            context={"view": view, "registration": view.registration, "meeting": view.meeting},
            headers=PRIVATE_HEADERS,
        )

    @post("/r/{token:str}/cancel", name="registration_cancel")
    async def cancel(self, request: Request, token: FromPath[str]) -> Redirect:
        """Cancel the registration; the first person waiting gets the seat."""
        registration = await services.get_by_token(token)
        await services.cancel(registration["id"], by=PARTICIPANT, now=_now())
        return self._back(request, token, "cancelled")

    @post("/r/{token:str}/reinstate", name="registration_reinstate")
    async def reinstate(self, request: Request, token: FromPath[str]) -> Redirect:
        """Take up a cancelled registration again, while registration is open."""
        registration = await services.get_by_token(token)
        await services.reinstate(registration["id"], now=_now())
        return self._back(request, token, "reinstated")

    @staticmethod
    def _back(request: Request, token: str, done: str, anchor: str = "") -> Redirect:
        path = request.app.route_reverse("registration_manage", token=token)
        return Redirect(
            path=f"{path}?done={done}" + (f"#{anchor}" if anchor else ""), status_code=303
        )


_ERRORS = {
    404: ResponseSpec(schemas.ErrorBody, description="No published meeting has this slug"),
    409: ResponseSpec(
        schemas.ErrorBody,
        description=(
            "Registration is closed (`reason`: closed), or the email is already registered for "
            "this meeting (`reason`: duplicate; the existing link is emailed again)"
        ),
    ),
    413: ResponseSpec(schemas.ErrorBody, description="The body is over 64 KB"),
    422: ResponseSpec(schemas.ErrorBody, description="`fields` names every bad field and why"),
    429: ResponseSpec(
        schemas.ErrorBody, description="Too many registrations from this client; see Retry-After"
    ),
}


class RegistrationApi(Controller):
    """The public registration API."""

    path = "/api/v1"
    tags = ["registrations"]

    @post(
        "/meetings/{slug:str}/registrations",
        name="api_register",
        status_code=201,
        opt={RATE_LIMITED: True},
        operation_class=schemas.RegistrationOperation,
        responses=_ERRORS,
        summary="Register for a meeting",
    )
    async def register(
        self, request: Request, slug: FromPath[str]
    ) -> Response[schemas.RegistrationCreated]:
        """Register a person; answers their status, waiting-list position and private link."""
        meeting = await meetings.get_public_meeting(slug)
        form = schemas.form_from_json(await request.body())
        result = await services.register(meeting, form, now=_now())
        manage_url = urls.manage_page(result.token)
        body = schemas.RegistrationCreated(
            status=result.status,
            attendance=result.registration["attendance"],
            waitlist_position=result.waitlist_position,
            manage_url=manage_url,
            sessions=[
                schemas.SessionStatus(id=s.id, status=s.status, waitlist_position=s.position)
                for s in result.sessions
                if s.chosen
            ],
        )
        return Response(body, status_code=201, headers={"Location": manage_url})
