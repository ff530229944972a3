"""A focal point's private page (/d/{token}): name the delegation's delegates, replace one, say
who heads the delegation, and see the seats used. The token is the only key: a revoked link, or
one whose focal point's address has changed, is a 404."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from litestar import Controller, Request, get, post
from litestar.params import FromPath, FromQuery
from litestar.response import Redirect, Template

from idmevents.audit import Actor
from idmevents.delegations import services, visa_letters
from idmevents.errors import AppError, NotFound
from idmevents.i18n import current_language, gettext
from idmevents.i18n import mark as _
from idmevents.registrations import desk
from idmevents.web.common import done_note, done_redirect

TEMPLATE = "delegations/nominate.html.jinja2"
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
    async def page(self, token: FromPath[str], done: FromQuery[str | None] = None) -> Template:
        """The delegation, its delegates (the head first), the seats used, and the form."""
        context = await self._context(token)
        context["done"] = done_note(DONE, done)
        return Template(TEMPLATE, context=context)

    def _back(self, request: Request, token: str, done: str) -> Redirect:
        return done_redirect(request, "nomination_page", done, token=token)

    @post("/delegates", name="nomination_add")
    async def add(self, request: Request, token: FromPath[str]) -> Template | Redirect:
        delegation = await services.by_token(token)
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
    async def replace_form(self, token: FromPath[str], registration_id: FromPath[int]) -> Template:
        """The form naming who takes this delegate's seat."""
        context = await self._context(token)
        context["replacing"] = await self._replacing(context["delegation"], registration_id)
        return Template(TEMPLATE, context=context)

    @post("/replace/{registration_id:int}", name="nomination_replace")
    async def replace(
        self, request: Request, token: FromPath[str], registration_id: FromPath[int]
    ) -> Template | Redirect:
        delegation = await services.by_token(token)
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
        delegation = await services.by_token(token)
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
