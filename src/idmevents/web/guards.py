"""Who may reach a route: `requires_role("organizer")` and the answers for those who may not.

Anonymous page requests are sent to the login page (303 to /admin/login?next=…); anonymous API
calls, or calls with a revoked or unknown token, get 401 JSON with `WWW-Authenticate: Bearer`; a
signed-in user whose role ranks too low gets 403; one outside the team of the meeting the path
names gets 404 (web/scope.py).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any
from urllib.parse import quote, urlsplit

from litestar import Controller
from litestar.exceptions import NotAuthorizedException, PermissionDeniedException
from litestar.response import Redirect

from idmevents.auth.services import ROLE_RANK, CurrentUser
from idmevents.i18n import gettext
from idmevents.web.common import API_PREFIX
from idmevents.web.scope import check_scope

if TYPE_CHECKING:
    from litestar import Request
    from litestar.connection import ASGIConnection
    from litestar.handlers.base import BaseRouteHandler

LOGIN_PATH = "/admin/login"
# Set by the authentication middleware when a Bearer token was sent but matched nothing usable.
INVALID_TOKEN = "idm.invalid_token"


class LoginRequired(NotAuthorizedException):
    """An anonymous visitor asked for a page: answered with a redirect to the login page."""

    def __init__(self, next_path: str) -> None:
        super().__init__(detail=gettext("Please sign in to continue."))
        self.next_path = next_path


def _wants_json(connection: ASGIConnection) -> bool:
    if connection.scope["path"].startswith(API_PREFIX):
        return True
    accept = connection.headers.get("accept", "")
    return "application/json" in accept and "text/html" not in accept


def current_user(connection: ASGIConnection) -> CurrentUser | None:
    user = connection.scope.get("user")
    return user if isinstance(user, CurrentUser) else None


def requires_role(role: str):
    """A Litestar guard letting in users whose role ranks at least `role` (admin > organizer > checkin)."""
    if role not in ROLE_RANK:
        raise ValueError(f"unknown role {role!r}")

    async def guard(connection: ASGIConnection, _: BaseRouteHandler) -> None:
        user = current_user(connection)
        if user is None:
            if _wants_json(connection):
                if connection.scope.get(INVALID_TOKEN):
                    raise NotAuthorizedException(
                        detail=gettext("The API token is not valid: it is unknown or revoked."),
                        headers={
                            "WWW-Authenticate": 'Bearer realm="idmevents", error="invalid_token"'
                        },
                    )
                raise NotAuthorizedException(
                    detail=gettext("Send an API token as Authorization: Bearer <token>."),
                    headers={"WWW-Authenticate": 'Bearer realm="idmevents"'},
                )
            path = connection.scope["path"]
            query = connection.scope.get("query_string", b"").decode("latin-1")
            raise LoginRequired(f"{path}?{query}" if query else path)
        if not user.has_role(role):
            raise PermissionDeniedException(
                detail=gettext("Your account (%(role)s) may not use this page.")
                % {"role": user.role}
            )
        # Every route behind a role is scoped to the account's meetings (web/scope.py).
        await check_scope(connection)

    guard.__name__ = f"requires_{role}"
    return guard


# The controllers' shared headers: who may come in, and whether the OpenAPI document shows them.
# Each page or API controller names its `path` (and, for the API, its `tags`) and one of these.


class CheckinPages(Controller):
    """HTML pages for every signed-in account (check-in staff and up); not in the OpenAPI
    document."""

    guards = [requires_role("checkin")]
    include_in_schema = False


class OrganizerPages(Controller):
    """HTML pages for organizers and administrators; not in the OpenAPI document."""

    guards = [requires_role("organizer")]
    include_in_schema = False


class AdminPages(Controller):
    """HTML pages for administrators only; not in the OpenAPI document."""

    guards = [requires_role("admin")]
    include_in_schema = False


class OrganizerApi(Controller):
    """JSON API for organizers, called with a Bearer token (documented in the OpenAPI document)."""

    guards = [requires_role("organizer")]
    security = [{"BearerToken": []}]


def safe_next(value: str | None, default: str = "/admin/") -> str:
    """`value` when it is a path on this site, else `default`: the login form is no open redirect."""
    if not value or not value.startswith("/") or value.startswith("//"):
        return default
    # Browsers treat "\" as "/" and drop tabs and newlines: "/\evil.org" would leave the site.
    if "\\" in value or any(ord(char) < 0x20 or ord(char) == 0x7F for char in value):
        return default
    parts = urlsplit(value)
    if parts.scheme or parts.netloc:
        return default
    return value


def login_url(next_path: str | None) -> str:
    target = safe_next(next_path, default="")
    return f"{LOGIN_PATH}?next={quote(target, safe='/')}" if target else LOGIN_PATH


def handle_login_required(_: Request, exc: LoginRequired) -> Any:
    return Redirect(login_url(exc.next_path), status_code=303)
