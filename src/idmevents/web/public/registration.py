"""Registration on the web: the form, the participant's private page, and the public JSON API."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit

from babel.lists import format_list
from litestar import Controller, Request, Response, get, post
from litestar.params import FromPath, FromQuery
from litestar.response import Redirect, Template

from idmevents.audit import PARTICIPANT
from idmevents.errors import Conflict, Forbidden, InvalidInput, NotFound
from idmevents.i18n import LANGUAGES, current_language, gettext, set_language
from idmevents.meetings import services as meetings
from idmevents.registrations import retention, services
from idmevents.registrations.countries import (
    country_name,
    state_choices,
    territory_choices,
)
from idmevents.registrations.desk import bursts
from idmevents.web.common import PRIVATE_HEADERS, error_specs
from idmevents.web.public import registration_schemas as schemas

# Handlers whose `opt` carries this key count against the per-client registration limit.
RATE_LIMITED = "registration_rate_limit"
RATE_LIMIT_STORE = "registration_rate_limit"

# What the private page says after an action, by the `done` code the action redirects with.
DONE_CODES = ("welcome", "details", "sessions", "cancelled", "reinstated", "address-confirmed")


def _now() -> datetime:
    return datetime.now(UTC)


def _choices(category: str | None = None) -> dict[str, Any]:
    """Lists the form's select and radio fields offer, in the reader's language; for a category
    fixed as a government's (a registration's details), the States only."""
    language = current_language()
    government = category in services.COUNTRY_REQUIRED
    return {
        "categories": [(code, services.category_label(code)) for code in services.CATEGORIES],
        "states": state_choices(language),
        "territories": () if government else territory_choices(language),
        "languages": [(code, services.language_label(code)) for code in LANGUAGES],
        "country_required": sorted(services.COUNTRY_REQUIRED),
    }


def speak_as_registration(registration: dict) -> None:
    """A registration's pages speak the language the participant chose (registrations.language),
    whatever the browser or the language cookie says; the middleware puts the request's own back
    when the request ends."""
    set_language(registration["language"] or "en")


async def speak_as_token(token: str) -> dict:
    """The registration behind a private link, its language now the page's (NotFound if none)."""
    registration = await services.get_by_token(token)
    speak_as_registration(registration)
    return registration


def language_form(request: Request, token: str) -> str:
    """Where the language switch of a registration's pages posts."""
    return request.app.route_reverse("registration_language", token=token)


def _route_exists(request: Request, name: str) -> bool:
    return request.app.get_handler_index_by_name(name) is not None


def _same_site_path(request: Request, token: str, back: Any) -> str:
    """The registration page the switch was pressed on (the form's `back`; these pages send no
    Referer) when it is one of this registration's pages, else the private page."""
    home = request.app.route_reverse("registration_manage", token=token)
    path = urlsplit(back).path if isinstance(back, str) else ""
    if path == home or path.startswith(home + "/"):
        return path
    return home


async def private_page(request: Request, token: str, template: str) -> Template:
    """One of a registration's own pages (behind its private link), in the person's language."""
    view = await services.registration_view(token, now=_now())
    speak_as_registration(view.registration)
    return Template(
        template,
        context={
            "view": view,
            "registration": view.registration,
            "meeting": view.meeting,
            "language_form": language_form(request, token),
        },
        headers=PRIVATE_HEADERS,
    )


def received_message() -> str:
    return gettext(
        "Thank you. We have sent an email to the address given: it says where your registration "
        "stands and holds your private link to see or change it."
    )


async def register_quietly(meeting: dict, form, request: Request) -> None:
    """Register, answering an address already registered as a new one: its link is emailed
    again (by `services.register`) and the caller answers as for a newcomer. Other conflicts
    (registration closed) and invalid input are raised: they do not depend on the address.
    The client's coarse network is kept for the desk's suspicious bursts."""
    network = bursts.coarse_network(request.client.host if request.client else None)
    try:
        await services.register(meeting, form, now=_now(), client_network=network)
    except Conflict as exc:
        if exc.extra.get("reason") != "duplicate":
            raise


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
        invitation: dict | None = None,
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
                "invitation": invitation,
                "invitation_only": services.invitation_categories(meeting),
                "values": values or {"language": current_language()},
                "errors": errors or {},
                "notice": notice,
                **_choices(),
            },
            status_code=status_code,
        )

    @get("/meetings/{slug:str}/register", name="registration_form")
    async def form(self, slug: FromPath[str], invitation: FromQuery[str | None] = None) -> Template:
        """The registration form, or why registration is not open; opened with an invitation's
        token, filled in with the address (locked) and the category it was sent for."""
        meeting = await meetings.get_public_meeting(slug)
        invited = await services.open_invitation(meeting, invitation)
        if invitation and invited is None:
            return await self._form_page(
                meeting,
                notice=gettext("This invitation is not valid or has already been used."),
                status_code=404,
            )
        values = None
        if invited is not None:
            values = {name: invited[name] for name in ("email", "category")} | {
                "given_name": invited["given_name"],
                "family_name": invited["family_name"],
                "language": current_language(),
            }
        return await self._form_page(meeting, values=values, invitation=invited)

    @post("/meetings/{slug:str}/register", name="registration_submit", opt={RATE_LIMITED: True})
    async def submit(self, request: Request, slug: FromPath[str]) -> Template | Redirect:
        """Register; on a mistake the form comes back with each error beside its field."""
        meeting = await meetings.get_public_meeting(slug)
        data = await request.form()
        form = schemas.form_from_html(data)
        values = {
            name: getattr(form, name)
            for name in (
                *services.PERSON_FIELDS,
                "consent",
                "list_consent",
                "sessions",
            )
        }
        invitation = await services.open_invitation(meeting, form.invitation)
        try:
            await register_quietly(meeting, form, request)
        except (InvalidInput, Conflict, Forbidden) as exc:
            # Bad fields are marked beside each field; a closed or refused registration is said
            # above the form.
            problem = (
                {"errors": exc.fields} if isinstance(exc, InvalidInput) else {"notice": exc.message}
            )
            return await self._form_page(
                meeting,
                values=values,
                status_code=exc.status_code,
                invitation=invitation,
                **problem,
            )
        # The same page for a new and an already registered address: the email says which.
        return Redirect(
            path=request.app.route_reverse("registration_sent", slug=meeting["slug"]),
            status_code=303,
        )

    def _find_page(
        self,
        meeting: dict,
        *,
        email: str = "",
        sent: bool = False,
        error: str | None = None,
        status_code: int = 200,
    ) -> Template:
        return Template(
            "registrations/find.html.jinja2",
            context={"meeting": meeting, "email": email, "sent": sent, "error": error},
            status_code=status_code,
            headers={"Cache-Control": "no-store"},
        )

    @get("/meetings/{slug:str}/my-registration", name="registration_find")
    async def find(self, slug: FromPath[str]) -> Template:
        """ "Find my registration": the form that emails the private link again."""
        return self._find_page(await meetings.get_public_meeting(slug))

    @post(
        "/meetings/{slug:str}/my-registration",
        name="registration_find_submit",
        opt={RATE_LIMITED: True},
    )
    async def find_submit(self, request: Request, slug: FromPath[str]) -> Template:
        """Email the link to the address if it is registered; the same answer either way."""
        meeting = await meetings.get_public_meeting(slug)
        email = str((await request.form()).get("email") or "").strip()[:320]
        if not email or "@" not in email:
            return self._find_page(
                meeting,
                email=email,
                error=gettext(
                    "Enter the email address you registered with, like name@example.org."
                ),
                status_code=422,
            )
        await services.send_registration_link(meeting, email, now=_now())
        return self._find_page(meeting, email=email, sent=True)

    @get("/meetings/{slug:str}/register/sent", name="registration_sent")
    async def sent(self, slug: FromPath[str]) -> Template:
        """After registering: look in your mailbox."""
        meeting = await meetings.get_public_meeting(slug)
        return Template("registrations/sent.html.jinja2", context={"meeting": meeting})

    @get("/r/{token:str}", name="registration_manage")
    async def manage(
        self, request: Request, token: FromPath[str], done: FromQuery[str | None] = None
    ) -> Template:
        """A participant's private page: status, details, sessions, cancel. A link that leads to
        no registration (mistyped, cut short, replaced) points to "Find my registration"."""
        try:
            view = await services.registration_view(token, now=_now())
        except NotFound:
            upcoming, _ = await meetings.list_public_meetings(_now())
            return Template(
                "registrations/lost_link.html.jinja2",
                context={"meetings": [m for m in upcoming if m["status"] == "published"]},
                status_code=404,
                headers={"Cache-Control": "no-store", "Referrer-Policy": "no-referrer"},
            )
        registration = view.registration
        speak_as_registration(registration)
        return Template(
            "registrations/manage.html.jinja2",
            context={
                "language_form": language_form(request, token),
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
                "has_visa": _route_exists(request, "visa_request_form"),
            },
            headers=PRIVATE_HEADERS,
        )

    @get("/r/{token:str}/data.json", name="registration_data")
    async def data(self, token: FromPath[str]) -> Response[bytes]:
        """Everything held about the person behind the link, as a JSON file to download."""
        body = json.dumps(await retention.personal_data(token), ensure_ascii=False, indent=2)
        return Response(
            body.encode(),
            media_type="application/json",
            headers={
                "Content-Disposition": 'attachment; filename="my-registration.json"',
                "Cache-Control": "no-store",
                "Referrer-Policy": "no-referrer",
            },
        )

    async def _details_page(
        self,
        request: Request,
        token: str,
        *,
        values: dict[str, Any] | None = None,
        errors: dict[str, str] | None = None,
        status_code: int = 200,
    ) -> Template:
        view = await services.registration_view(token, now=_now())
        speak_as_registration(view.registration)
        return Template(
            "registrations/details.html.jinja2",
            context={
                "language_form": language_form(request, token),
                "view": view,
                "registration": view.registration,
                "meeting": view.meeting,
                "values": values or view.registration,
                "errors": errors or {},
                **_choices(view.registration["category"]),
            },
            status_code=status_code,
            headers=PRIVATE_HEADERS,
        )

    @get("/r/{token:str}/details", name="registration_edit_details")
    async def edit_details(self, request: Request, token: FromPath[str]) -> Template:
        """The form to change one's details."""
        return await self._details_page(request, token)

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
                request, token, values=values, errors=exc.fields, status_code=exc.status_code
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
    async def confirm_cancel(self, request: Request, token: FromPath[str]) -> Template:
        """Are you sure? Cancelling gives the seat away."""
        return await private_page(request, token, "registrations/cancel.html.jinja2")

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

    @post("/r/{token:str}/language", name="registration_language")
    async def change_language(self, request: Request, token: FromPath[str]) -> Redirect:
        """The language switch of a registration's pages: the registration's language changes
        (its pages, emails and personal feed follow); back to the page it was pressed on."""
        registration = await services.get_by_token(token)
        data = await request.form()
        language = data.get("language")
        await services.change_language(
            registration["id"],
            language if isinstance(language, str) else "",
            by=PARTICIPANT,
            now=_now(),
        )
        return Redirect(path=_same_site_path(request, token, data.get("back")), status_code=303)

    @staticmethod
    def _back(request: Request, token: str, done: str, anchor: str = "") -> Redirect:
        path = request.app.route_reverse("registration_manage", token=token)
        return Redirect(
            path=f"{path}?done={done}" + (f"#{anchor}" if anchor else ""), status_code=303
        )


_ERRORS = error_specs(
    {
        403: (
            "The category is open by invitation only, and `invitation` is missing, was sent to "
            "another address or for another category, or was used already (`reason` says which)"
        ),
        404: "No published meeting has this slug",
        409: (
            "Registration is closed (`reason`: closed). An address already registered for the "
            "meeting is NOT a conflict: it gets the same 202 as a new one, and its link by email"
        ),
        413: "The body is over 64 KB",
        422: "`fields` names every bad field and why",
        429: "Too many registrations from this client; see Retry-After",
    },
    schemas.ErrorBody,
)


class RegistrationApi(Controller):
    """The public registration API."""

    path = "/api/v1"
    tags = ["registrations"]

    @post(
        "/meetings/{slug:str}/registrations",
        name="api_register",
        status_code=202,
        opt={RATE_LIMITED: True},
        operation_class=schemas.RegistrationOperation,
        responses=_ERRORS,
        summary="Register for a meeting",
    )
    async def register(
        self, request: Request, slug: FromPath[str]
    ) -> Response[schemas.RegistrationReceived]:
        """Register a person. The answer (202) is the same for a new address and one already
        registered for the meeting, so that nobody learns who is registered by trying addresses:
        the person finds in their mailbox their status (confirmed, awaiting approval, waiting
        list) and their private link, or, if they were registered already, that link again."""
        meeting = await meetings.get_public_meeting(slug)
        form = schemas.form_from_json(await request.body())
        await register_quietly(meeting, form, request)
        body = schemas.RegistrationReceived(detail=received_message(), email=form.email)
        return Response(body, status_code=202, headers={"Cache-Control": "no-store"})
