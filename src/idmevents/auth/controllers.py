"""Sign-in and sign-out, the accounts page for admins."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

import msgspec
from litestar import Controller, Request, get, post
from litestar.enums import RequestEncodingType
from litestar.params import Body, FromQuery
from litestar.response import Redirect, Template

from idmevents import db
from idmevents.auth import audit, services
from idmevents.auth.guards import current_user, requires_role, safe_next
from idmevents.auth.ratelimit import LOGIN_RATE_LIMIT_STORE, LoginLimiter, LoginLimits
from idmevents.auth.sessions import rotate_session
from idmevents.i18n import gettext

FORM = Body(media_type=RequestEncodingType.URL_ENCODED)


class LoginForm(msgspec.Struct):
    email: str = ""
    password: str = ""
    next: str = ""


def client_address(request: Request) -> str:
    return request.client.host if request.client else "unknown"


def login_limiter(request: Request) -> LoginLimiter:
    limits = request.app.state.get("login_limits") or LoginLimits()
    return LoginLimiter(request.app.stores.get(LOGIN_RATE_LIMIT_STORE), limits)


class LoginController(Controller):
    path = "/admin"
    include_in_schema = False

    @get("/login", name="login")
    async def login_form(
        self,
        request: Request,
        next: FromQuery[str | None] = None,
        signed_out: FromQuery[bool] = False,
    ) -> Template | Redirect:
        """The sign-in form; someone already signed in goes straight on."""
        target = safe_next(next)
        if current_user(request) is not None:
            return Redirect(target, status_code=303)
        return Template(
            "auth/login.html.jinja2",
            context={"next": target, "email": "", "error": None, "signed_out": signed_out},
        )

    @post("/login", name="login_submit")
    async def login_submit(
        self, request: Request, data: Annotated[LoginForm, FORM]
    ) -> Template | Redirect:
        """Check the email and password; on success start a new session and go where asked."""
        now = datetime.now(UTC)
        email = services.normalise_email(data.email)
        target = safe_next(data.next)
        limiter = login_limiter(request)
        await limiter.attempt(client_address(request), email)
        row = await services.authenticate(email, data.password, now=now)
        if row is None:
            await limiter.failed(email)
            return Template(
                "auth/login.html.jinja2",
                context={
                    "next": target,
                    "email": data.email.strip()[:320],
                    # The same words whether the account exists or not: no one learns who has one.
                    "error": gettext("The email or password is wrong."),
                    "signed_out": False,
                },
                status_code=400,
            )
        await limiter.succeeded(email)
        async with db.write_transaction():
            await audit.record(
                user_id=row["id"],
                actor=row["email"],
                action="login",
                entity_type="user",
                entity_id=row["id"],
                summary=gettext("Signed in"),
                data={"address": client_address(request)},
                now=now,
            )
        request.set_session(
            {"uid": row["id"], "stamp": services.password_stamp(row["password_hash"])}
        )
        rotate_session(request.scope)
        return Redirect(target, status_code=303)

    @post("/logout", name="logout")
    async def logout(self, request: Request) -> Redirect:
        """End the session, here and in the store."""
        request.clear_session()
        return Redirect("/admin/login?signed_out=1", status_code=303)


class UsersController(Controller):
    path = "/admin/users"
    guards = [requires_role("admin")]
    include_in_schema = False

    @get("/", name="admin_users")
    async def users(self) -> Template:
        """Every account with its role and state."""
        users = await services.list_users()
        return Template("auth/users.html.jinja2", context={"users": users, "roles": services.ROLES})
