"""A focal point's private page (/d/{token}): name the delegation's delegates, replace one, say
who heads the delegation, and see the seats used. A revoked link, or one whose focal point's
address has changed, is a 404. The link alone is not enough: a browser first proves it is the
focal point's with a code emailed to their address (`delegations.focal_points`), and keeps the
proof in a cookie for this link only; a forwarded link asks its new holder for that code."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any

import msgspec
from litestar import Controller, Request, get, post
from litestar.datastructures import Cookie
from litestar.params import FromPath, FromQuery, JSONBody
from litestar.response import Redirect, Template

from idmevents.audit import Actor
from idmevents.delegations import focal_points, services, visa_letters
from idmevents.errors import AppError, Forbidden, NotFound
from idmevents.i18n import N_ as _
from idmevents.i18n import current_language, gettext
from idmevents.registrations import desk
from idmevents.settings import get_settings
from idmevents.web.common import done_note, done_redirect, error_specs

TEMPLATE = "delegations/nominate.html.jinja2"
CONFIRM_TEMPLATE = "delegations/confirm.html.jinja2"
ACCESS_COOKIE = "idm_focal_point"
ACCESS_COOKIE_AGE = 30 * 24 * 60 * 60
FIELDS = ("honorific", "given_name", "family_name", "position", "email")


DONE = {
    "added": _("The delegate is registered. Those with an email address get their confirmation."),
    "replaced": _(
        "The delegate was replaced. The person replaced is told if they have an address."
    ),
    "head": _("The head of delegation is saved."),
}


def _focal_point(delegation: dict) -> Actor:
    return Actor(None, f"focal point {delegation['focal_point_email']}"[:200])


def _nominee(form: dict[str, str], *, head: bool) -> services.Nominee:
    return services.Nominee(
        given_name=form.get("given_name", ""),
        family_name=form.get("family_name", ""),
        email=form.get("email", ""),
        honorific=form.get("honorific", ""),
        position=form.get("position", ""),
        head=head,
        language=current_language(),
        list_consent=form.get("list_consent") == "on",
    )


async def _form(request: Request) -> dict[str, str]:
    data = await request.form()
    return {key: value for key, value in data.items() if isinstance(value, str)}


def _confirmed(request: Request, delegation: dict) -> bool:
    return focal_points.has_access(delegation, request.cookies.get(ACCESS_COOKIE))


async def _checked(request: Request, token: str) -> dict:
    """The delegation, if this browser proved it is its focal point's; else Forbidden."""
    delegation = await services.by_token(token)
    if not _confirmed(request, delegation):
        raise Forbidden(
            gettext("Confirm your email address on the nomination page first."),
            reason="unconfirmed",
        )
    return delegation


async def _confirm_page(
    token: str, *, step: str = "email", status_code: int = 200, **extra: Any
) -> Template:
    """The page asking a browser for the focal point's address, then for the code sent to it."""
    delegation = await services.by_token(token)
    meeting = await desk.get_meeting_by_id(delegation["meeting"])
    context = {
        "token": token,
        "meeting": meeting,
        "name": services.delegation_name(delegation, current_language()),
        "step": step,
        "values": {},
        "errors": {},
        "error": None,
        "code_minutes": int(focal_points.CODE_LIFETIME.total_seconds() // 60),
    } | extra
    return Template(
        CONFIRM_TEMPLATE,
        context=context,
        status_code=status_code,
        headers={"Cache-Control": "no-store"},
    )


class NominationPages(Controller):
    path = "/d/{token:str}"
    include_in_schema = False

    async def _context(self, token: str, **extra: Any) -> dict[str, Any]:
        delegation = await services.by_token(token)
        meeting = await desk.get_meeting_by_id(delegation["meeting"])
        people = await services.delegates(delegation)
        return {
            "token": token,
            "meeting": meeting,
            "delegation": delegation,
            "name": services.delegation_name(delegation, current_language()),
            "delegates": people,
            "used": len(people),
            "seats_left": max(0, delegation["quota"] - len(people)),
            "values": {},
            "errors": {},
            "error": None,
            "done": None,
            "replacing": None,
        } | extra

    @get("/", name="nomination_page")
    async def page(
        self, request: Request, token: FromPath[str], done: FromQuery[str | None] = None
    ) -> Template:
        """The delegation, its delegates (the head first), the seats used, and the form; in a
        browser not confirmed yet, the form asking for the focal point's address."""
        if not _confirmed(request, await services.by_token(token)):
            return await _confirm_page(token)
        context = await self._context(token)
        context["done"] = done_note(DONE, done)
        return Template(TEMPLATE, context=context)

    def _back(self, request: Request, token: str, done: str) -> Redirect:
        return done_redirect(request, "nomination_page", done, token=token)

    @post("/access", name="nomination_access")
    async def access(self, request: Request, token: FromPath[str]) -> Template:
        """Email a code to the focal point if the address typed is theirs; 403 for another."""
        form = await _form(request)
        values = {"email": form.get("email", "")}
        try:
            await focal_points.request_access_code(token, values["email"], now=datetime.now(UTC))
        except AppError as exc:
            return await _confirm_page(
                token,
                values=values,
                errors=exc.fields,
                error=None if exc.fields else exc.message,
                status_code=exc.status_code,
            )
        return await _confirm_page(token, step="code")

    @post("/confirm", name="nomination_confirm")
    async def confirm(self, request: Request, token: FromPath[str]) -> Template | Redirect:
        """The code emailed to the focal point: right, and this browser may use the link."""
        form = await _form(request)
        try:
            delegation = await focal_points.confirm_access_code(
                token, form.get("code", ""), now=datetime.now(UTC)
            )
        except AppError as exc:
            return await _confirm_page(
                token, step="code", error=exc.message, status_code=exc.status_code
            )
        url = request.app.route_reverse("nomination_page", token=token)
        cookie = Cookie(
            key=ACCESS_COOKIE,
            value=focal_points.access_key(delegation),
            path=url.rstrip("/") or "/",
            max_age=ACCESS_COOKIE_AGE,
            httponly=True,
            secure=get_settings().base_url.startswith("https://"),
            samesite="lax",
        )
        return Redirect(url, status_code=303, cookies=[cookie])

    @post("/delegates", name="nomination_add")
    async def add(self, request: Request, token: FromPath[str]) -> Template | Redirect:
        delegation = await _checked(request, token)
        form = await _form(request)
        try:
            await services.nominate(
                delegation,
                _nominee(form, head=form.get("head") == "on"),
                by=_focal_point(delegation),
                now=datetime.now(UTC),
            )
        except AppError as exc:
            context = await self._context(token, values=form, errors=exc.fields, error=exc.message)
            return Template(TEMPLATE, context=context, status_code=exc.status_code)
        return self._back(request, token, "added")

    async def _replacing(self, delegation: dict, registration_id: int) -> dict:
        for person in await services.delegates(delegation):
            if person["id"] == registration_id:
                return person
        raise NotFound(gettext("There is no such delegate in this delegation."))

    @get("/replace/{registration_id:int}", name="nomination_replace_form")
    async def replace_form(
        self, request: Request, token: FromPath[str], registration_id: FromPath[int]
    ) -> Template:
        """The form naming who takes this delegate's seat."""
        if not _confirmed(request, await services.by_token(token)):
            return await _confirm_page(token)
        context = await self._context(token)
        context["replacing"] = await self._replacing(context["delegation"], registration_id)
        return Template(TEMPLATE, context=context)

    @post("/replace/{registration_id:int}", name="nomination_replace")
    async def replace(
        self, request: Request, token: FromPath[str], registration_id: FromPath[int]
    ) -> Template | Redirect:
        delegation = await _checked(request, token)
        replacing = await self._replacing(delegation, registration_id)
        form = await _form(request)
        try:
            await services.nominate(
                delegation,
                _nominee(form, head=False),
                by=_focal_point(delegation),
                now=datetime.now(UTC),
                replacing=registration_id,
            )
        except AppError as exc:
            context = await self._context(
                token, values=form, errors=exc.fields, error=exc.message, replacing=replacing
            )
            return Template(TEMPLATE, context=context, status_code=exc.status_code)
        return self._back(request, token, "replaced")

    @post("/head", name="nomination_head")
    async def head(self, request: Request, token: FromPath[str]) -> Redirect:
        delegation = await _checked(request, token)
        form = await _form(request)
        chosen = form.get("registration_id", "")
        if not chosen.isdigit():
            raise NotFound(gettext("There is no such delegate in this delegation."))
        await services.set_head(
            delegation, int(chosen), by=_focal_point(delegation), now=datetime.now(UTC)
        )
        return self._back(request, token, "head")


class VisaLetterCheckPage(Controller):
    include_in_schema = False

    @get("/verify/{code:str}", name="visa_letter_check")
    async def check(self, code: FromPath[str]) -> Template:
        """Whether a visa letter is valid: the name and the meeting, nothing else."""
        result = await visa_letters.check(code)
        return Template(
            "delegations/verify.html.jinja2",
            context={"letter": result},
            headers={"Cache-Control": "no-store"},
        )


class AccessCodeIn(msgspec.Struct, forbid_unknown_fields=True):
    email: Annotated[str, msgspec.Meta(max_length=320, description="The focal point's address")]


class AccessCodeSent(msgspec.Struct):
    detail: str


class NominationAccessApi(Controller):
    """A focal point's client asks for the one-time code that opens their nomination link."""

    path = "/api/v1"
    tags = ["delegations"]

    @post(
        "/nominations/{token:str}/access-code",
        name="api_nomination_access_code",
        status_code=202,
        responses=error_specs(
            {
                403: "`reason`: forwarded (the address is not the focal point's the link was "
                "sent to; nothing is sent)",
                404: "The link was revoked, renewed, or its focal point's address changed",
                422: "`fields`: email",
            }
        ),
        summary="Email a focal point the code that opens their nomination link",
    )
    async def access_code(
        self, token: FromPath[str], data: JSONBody[AccessCodeIn]
    ) -> AccessCodeSent:
        """Emails a one-time code to the delegation's focal point if `email` is their address:
        the nomination page asks for it the first time a browser opens the link."""
        await focal_points.request_access_code(token, data.email, now=datetime.now(UTC))
        return AccessCodeSent(
            detail=gettext("We have emailed a code to the focal point's address.")
        )
