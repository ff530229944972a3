"""Sign-in and sign-out, password reset, one's own account and tokens, accounts for admins, the audit log."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any

import msgspec
from litestar import Controller, Request, Response, get, post
from litestar.background_tasks import BackgroundTask
from litestar.enums import RequestEncodingType
from litestar.params import Body, FromPath, FromQuery
from litestar.response import Redirect, Template

from idmevents import audit, db
from idmevents.auth import history, passwords, reset, services
from idmevents.errors import AppError
from idmevents.i18n import gettext
from idmevents.meetings.services import meeting_slugs, meeting_titles
from idmevents.web.common import PRIVATE_HEADERS
from idmevents.web.flash import flash
from idmevents.web.guards import (
    AdminPages,
    CheckinPages,
    OrganizerPages,
    current_user,
    safe_next,
)
from idmevents.web.login_limits import LOGIN_RATE_LIMIT_STORE, LoginLimiter, LoginLimits
from idmevents.web.scope import visible_meeting_ids
from idmevents.web.sessions import rotate_session

FORM = Body(media_type=RequestEncodingType.URL_ENCODED)
# Pages that show a secret (a new token, a reset form) must not be kept by caches or leak a Referer.


def client_address(request: Request) -> str:
    return request.client.host if request.client else "unknown"


def login_limiter(request: Request) -> LoginLimiter:
    limits = request.app.state.get("login_limits") or LoginLimits()
    return LoginLimiter(request.app.stores.get(LOGIN_RATE_LIMIT_STORE), limits)


def start_session(request: Request, user_id: int, password_hash: str) -> None:
    """Sign the browser in under a brand-new session id (the old one may be known to others)."""
    request.set_session({"uid": user_id, "stamp": passwords.password_stamp(password_hash)})
    rotate_session(request.scope)


def form_error(error: AppError) -> dict[str, Any]:
    """What a form page needs from a service's refusal: the message and each field's reason."""
    return {"error": error.message, "field_errors": error.fields}


# Signing in and out ---------------------------------------------------------------------------


class LoginForm(msgspec.Struct):
    email: str = ""
    password: str = ""
    next: str = ""


class LoginController(Controller):
    path = "/admin"
    include_in_schema = False

    @get("/login", name="login")
    async def login_form(
        self,
        request: Request,
        next: FromQuery[str | None] = None,
        signed_out: FromQuery[bool] = False,
        password_set: FromQuery[bool] = False,
    ) -> Template | Redirect:
        """The sign-in form; someone already signed in goes straight on."""
        target = safe_next(next)
        if current_user(request) is not None:
            return Redirect(target, status_code=303)
        notice = None
        if signed_out:
            notice = gettext("You have signed out.")
        elif password_set:
            notice = gettext("Your password is set. Please sign in with it.")
        return Template(
            "auth/login.html.jinja2",
            context={"next": target, "email": "", "error": None, "notice": notice},
        )

    @post("/login", name="login_submit")
    async def login_submit(
        self, request: Request, data: Annotated[LoginForm, FORM]
    ) -> Template | Redirect:
        """Check the email and password; on success start a new session and go where asked."""
        now = datetime.now(UTC)
        email = passwords.normalise_email(data.email)
        target = safe_next(data.next)
        limiter = login_limiter(request)
        await limiter.attempt(client_address(request), email)
        row = await services.authenticate(email, data.password, now=now)
        if row is None:
            await limiter.failed(client_address(request), email)
            return Template(
                "auth/login.html.jinja2",
                context={
                    "next": target,
                    "email": data.email.strip()[:320],
                    # The same words whether the account exists or not: no one learns who has one.
                    "error": gettext("The email or password is wrong."),
                    "notice": None,
                },
                status_code=400,
            )
        await limiter.succeeded(client_address(request), email)
        async with db.write_transaction():
            await history.record_own(
                row["id"],
                row["email"],
                "login",
                gettext("Signed in"),
                data={"address": client_address(request)},
                now=now,
            )
        start_session(request, row["id"], row["password_hash"])
        return Redirect(target, status_code=303)

    @post("/logout", name="logout")
    async def logout(self, request: Request) -> Redirect:
        """End the session, here and in the store."""
        user = current_user(request)
        if user is not None:
            async with db.write_transaction():
                await history.record_own(
                    user.id,
                    user.email,
                    "logout",
                    gettext("Signed out"),
                )
        request.clear_session()
        return Redirect("/admin/login?signed_out=1", status_code=303)


# Password reset -------------------------------------------------------------------------------


class ResetRequestForm(msgspec.Struct):
    email: str = ""


class NewPasswordForm(msgspec.Struct):
    password: str = ""
    confirm_password: str = ""


def _invalid_link_page(error: AppError) -> Template:
    """Why a reset link no longer works (used, expired or unknown)."""
    return Template(
        "auth/reset_invalid.html.jinja2",
        context={"message": error.message},
        status_code=error.status_code,
        headers=PRIVATE_HEADERS,
    )


class PasswordResetController(Controller):
    path = "/admin/password-reset"
    include_in_schema = False

    @get("/", name="password_reset_request")
    async def request_form(self) -> Template:
        """Ask for a reset link by email."""
        return Template("auth/reset_request.html.jinja2", context={"sent": False, "email": ""})

    @post("/", name="password_reset_submit")
    async def request_submit(
        self, request: Request, data: Annotated[ResetRequestForm, FORM]
    ) -> Template:
        """Queue the link when the address has an account; answer the same either way.

        The answer leaves before the work is done (a background task after the response): an
        existing address (a link to store and an email to render) takes no longer to answer
        than an unknown one, so timing does not tell who has an account.
        """
        address = passwords.normalise_email(data.email)
        await login_limiter(request).reset_requested(client_address(request), address)
        return Template(
            "auth/reset_request.html.jinja2",
            context={"sent": True, "email": data.email[:320]},
            background=BackgroundTask(reset.request_reset, address),
        )

    @get("/{token:str}", name="password_reset_form")
    async def new_password_form(self, token: FromPath[str]) -> Template:
        """The form for a new password, when the link is still good."""
        try:
            email = await reset.check_link(token)
        except AppError as error:
            return _invalid_link_page(error)
        return Template(
            "auth/reset_form.html.jinja2",
            context={"token": token, "email": email, "error": None, "field_errors": {}},
            headers=PRIVATE_HEADERS,
        )

    @post("/{token:str}", name="password_reset_set")
    async def new_password_submit(
        self, request: Request, token: FromPath[str], data: Annotated[NewPasswordForm, FORM]
    ) -> Template | Redirect:
        """Set the new password, void the link, and send the person to sign in with it."""
        try:
            user = await reset.reset_password(token, data.password, data.confirm_password)
        except AppError as error:
            if "token" in error.fields:
                return _invalid_link_page(error)
            return Template(
                "auth/reset_form.html.jinja2",
                context={
                    "token": token,
                    "email": await reset.check_link(token),
                    **form_error(error),
                },
                status_code=error.status_code,
                headers=PRIVATE_HEADERS,
            )
        # Whoever failed to guess the old password, from wherever, no longer holds the owner up.
        await login_limiter(request).cleared(user["email"])
        return Redirect("/admin/login?password_set=1", status_code=303)


# One's own account ----------------------------------------------------------------------------


class ProfileForm(msgspec.Struct):
    display_name: str = ""


class PasswordForm(NewPasswordForm):
    """A new password, given with the current one."""

    current_password: str = ""


NEW_TOKEN_KEY = "new_token"


class TokenForm(msgspec.Struct):
    name: str = ""


async def account_page(
    request: Request,
    *,
    new_token: str | None = None,
    status_code: int = 200,
    **extra: Any,
) -> Template:
    user = request.user
    context = {
        "account": await services.get_user(user.id),
        "tokens": await services.list_tokens(user.id),
        "new_token": new_token,
        "error": None,
        "field_errors": {},
        "form": "",
        **extra,
    }
    return Template(
        "auth/account.html.jinja2",
        context=context,
        status_code=status_code,
        headers={"Cache-Control": "no-store"},
    )


class AccountController(CheckinPages):
    path = "/admin/account"

    @get("/", name="account")
    async def show(self, request: Request) -> Template:
        """Name, password and API tokens of the person signed in."""
        return await account_page(request, new_token=request.session.pop(NEW_TOKEN_KEY, None))

    @post("/profile", name="account_profile")
    async def profile(self, request: Request, data: Annotated[ProfileForm, FORM]) -> Response:
        """Change the name the audit log and the admin pages show."""
        try:
            await services.update_profile(request.user, data.display_name)
        except AppError as error:
            return await account_page(
                request, status_code=error.status_code, form="profile", **form_error(error)
            )
        flash(request, gettext("Your name is saved."))
        return Redirect("/admin/account", status_code=303)

    @post("/password", name="account_password")
    async def password(self, request: Request, data: Annotated[PasswordForm, FORM]) -> Response:
        """Change one's password; other sessions end, this one continues under a new id."""
        try:
            new_hash = await services.change_password(
                request.user, data.current_password, data.password, data.confirm_password
            )
        except AppError as error:
            return await account_page(
                request, status_code=error.status_code, form="password", **form_error(error)
            )
        start_session(request, request.user.id, new_hash)
        flash(request, gettext("Your password is changed. Other sessions are signed out."))
        return Redirect("/admin/account", status_code=303)

    @post("/tokens", name="account_token_create")
    async def create_token(self, request: Request, data: Annotated[TokenForm, FORM]) -> Response:
        """A new API token, shown on this one page and never again."""
        try:
            _, secret = await services.create_token(request.user, data.name, by=request.user)
        except AppError as error:
            return await account_page(
                request, status_code=error.status_code, form="token", **form_error(error)
            )
        # Shown by the page we redirect to, then dropped from the session: a reload neither
        # shows it again nor creates a second token.
        request.session[NEW_TOKEN_KEY] = secret
        return Redirect("/admin/account", status_code=303)

    @post("/tokens/{token_id:int}/revoke", name="account_token_revoke")
    async def revoke_token(self, request: Request, token_id: FromPath[int]) -> Redirect:
        """Revoke one of one's own tokens; it stops working at once."""
        row = await services.revoke_token(token_id, owner_id=request.user.id, by=request.user)
        flash(request, gettext("The token %(prefix)s… is revoked.") % {"prefix": row["prefix"]})
        return Redirect("/admin/account", status_code=303)


# Accounts (admins) ----------------------------------------------------------------------------


class NewUserForm(msgspec.Struct):
    email: str = ""
    display_name: str = ""
    role: str = "organizer"
    password: str = ""


class RoleForm(msgspec.Struct):
    role: str = ""


async def users_page(request: Request, *, status_code: int = 200, **extra: Any) -> Template:
    context = {
        "users": await services.list_users(),
        "roles": services.ROLES,
        "error": None,
        "field_errors": {},
        "new": NewUserForm(),
        **extra,
    }
    return Template("auth/users.html.jinja2", context=context, status_code=status_code)


class UsersController(AdminPages):
    path = "/admin/users"

    @get("/", name="admin_users")
    async def users(self, request: Request) -> Template:
        """Every account with its role and state, and the form for a new one."""
        return await users_page(request)

    @post("/", name="admin_user_create")
    async def create(self, request: Request, data: Annotated[NewUserForm, FORM]) -> Response:
        """A new account: with the password given, or by emailing a link to choose one."""
        invite = not data.password
        try:
            user = await services.create_user(
                data.email,
                data.role,
                data.password,
                data.display_name,
                by=request.user,
                invite=invite,
            )
        except AppError as error:
            return await users_page(
                request, status_code=error.status_code, new=data, **form_error(error)
            )
        if invite:
            flash(
                request,
                gettext("%(email)s can now choose a password: we emailed them a link.")
                % {"email": user["email"]},
            )
        else:
            flash(request, gettext("The account %(email)s is ready.") % {"email": user["email"]})
        return Redirect("/admin/users", status_code=303)

    @post("/{user_id:int}/role", name="admin_user_role")
    async def change_role(
        self, request: Request, user_id: FromPath[int], data: Annotated[RoleForm, FORM]
    ) -> Response:
        """Give an account another role."""
        try:
            user = await services.change_role(user_id, data.role, by=request.user)
        except AppError as error:
            if error.status_code == 404:
                raise
            return await users_page(request, status_code=error.status_code, **form_error(error))
        flash(
            request,
            gettext("%(email)s is now %(role)s.")
            % {"email": user["email"], "role": services.role_label(user["role"])},
        )
        return Redirect("/admin/users", status_code=303)

    @post("/{user_id:int}/deactivate", name="admin_user_deactivate")
    async def deactivate(self, request: Request, user_id: FromPath[int]) -> Response:
        """Stop an account: its sessions end and its tokens are revoked."""
        return await self._set_active(request, user_id, active=False)

    @post("/{user_id:int}/activate", name="admin_user_activate")
    async def activate(self, request: Request, user_id: FromPath[int]) -> Response:
        """Let a deactivated account sign in again."""
        return await self._set_active(request, user_id, active=True)

    async def _set_active(self, request: Request, user_id: int, *, active: bool) -> Response:
        try:
            user = await services.set_active(user_id, active, by=request.user)
        except AppError as error:
            if error.status_code == 404:
                raise
            return await users_page(request, status_code=error.status_code, **form_error(error))
        message = (
            gettext("%(email)s can sign in again.")
            if active
            else gettext("%(email)s is deactivated: signed out, API tokens revoked.")
        )
        flash(request, message % {"email": user["email"]})
        return Redirect("/admin/users", status_code=303)


# Audit log ------------------------------------------------------------------------------------


class AuditController(OrganizerPages):
    path = "/admin/audit"

    @get("/", name="admin_audit")
    async def entries(
        self,
        request: Request,
        meeting: FromQuery[str] = "",
        entity_type: FromQuery[str] = "",
        user: FromQuery[str] = "",
        page: FromQuery[int] = 1,
    ) -> Template:
        """Who changed what and when, newest first, filtered by meeting, kind of thing and person."""
        user_id = int(user) if user.isdigit() else None
        allowed = await visible_meeting_ids(request)
        titles = await meeting_titles()
        slugs = None
        if allowed is not None:
            slugs = frozenset(await meeting_slugs(allowed))
            titles = {slug: title for slug, title in titles.items() if slug in slugs}
        filters = audit.AuditFilters(
            meeting_slugs=slugs,
            meeting_slug=meeting[:100],
            entity_type=entity_type[:40],
            user_id=user_id,
            page=max(1, min(page, 1_000_000)),
        )
        result = await audit.list_entries(filters)
        return Template(
            "auth/audit.html.jinja2",
            context={
                "result": result,
                "filters": filters,
                "choices": await audit.filter_choices(titles, meetings_only=slugs is not None),
                "query": {"meeting": meeting, "entity_type": entity_type, "user": user},
            },
        )
