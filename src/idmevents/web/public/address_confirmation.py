"""Confirming one's address, in a meeting that wants it confirmed first: the link in the
registration email opens a page whose button confirms (a POST, so that a mail scanner that opens
links confirms nothing); the place is then the person's to keep (registrations/services/_confirm.py)."""

from __future__ import annotations

from datetime import UTC, datetime

from litestar import Controller, Request, get, post
from litestar.params import FromPath
from litestar.response import Redirect, Template

from idmevents.registrations import services
from idmevents.web.public.registration import private_page


class AddressConfirmationPages(Controller):
    include_in_schema = False

    @get("/r/{token:str}/confirm", name="registration_confirm_address_page")
    async def page(self, request: Request, token: FromPath[str]) -> Template:
        """The page the email's confirmation link opens: one button, or "already confirmed"."""
        return await private_page(request, token, "registrations/confirm_address.html.jinja2")

    @post("/r/{token:str}/confirm", name="registration_confirm_address")
    async def confirm(self, request: Request, token: FromPath[str]) -> Redirect:
        """Confirm the address; back to the private page, which says so."""
        await services.confirm_address(token, now=datetime.now(UTC))
        path = request.app.route_reverse("registration_manage", token=token)
        return Redirect(path=f"{path}?done=address-confirmed", status_code=303)
