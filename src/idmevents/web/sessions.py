"""Server-side sessions for organizers, and the middleware that says who is asking (`request.user`).

Litestar's own server-side backend writes a session row for every response, visitors included,
and keeps whatever session id the browser offers. Ours writes only when there is something to keep
and it changed, never adopts an id the store does not know (no session fixation), and issues a
fresh id when a login asks for it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from litestar.datastructures import Cookie, MutableScopeHeaders
from litestar.middleware.session.server_side import (
    ServerSideSessionBackend,
    ServerSideSessionConfig,
)
from litestar.types import Empty
from litestar.utils.dataclass import extract_dataclass_items

from idmevents.auth import passwords, services
from idmevents.web.common import API_PREFIX, HttpMiddleware
from idmevents.web.guards import INVALID_TOKEN

if TYPE_CHECKING:
    from litestar.connection import ASGIConnection
    from litestar.types import Message, Receive, Scope, ScopeSession, Send

SESSION_COOKIE = "idm_session"
SESSION_STORE = "sessions"
SESSION_MAX_AGE = 12 * 60 * 60  # twelve hours without a request signs an organizer out
_LOADED = "idm.session_loaded"  # the bytes the session had when the request came in
_ROTATE = "idm.session_rotate"  # set by the login: store the session under a brand-new id
_NEW_ID = "idm.session_new_id"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
# Paths that never need to know who is asking: no session read, no user lookup. Calendar feeds and
# schedules are fetched by calendar apps, thousands of times for each page view; a personal feed
# is authorised by the secret in its URL, not by a session.
UNAUTHENTICATED_PATHS = [
    "^/static/",
    "^/health$",
    r"\.ics$",
    r"^/meetings/[^/]+/agenda\.json$",
    r"^/meetings/[^/]+/schedule\.xml$",
]
_UNAUTHENTICATED = re.compile("|".join(f"(?:{pattern})" for pattern in UNAUTHENTICATED_PATHS))


def rotate_session(scope: Scope) -> None:
    """Ask for the session to be saved under a new id at the end of this request (after a login)."""
    scope[_ROTATE] = True  # type: ignore[literal-required]


class SessionBackend(ServerSideSessionBackend):
    async def load_from_connection(self, connection: ASGIConnection) -> dict[str, Any]:
        session_id = connection.cookies.get(self.config.key)
        if not session_id or session_id == "null":
            return {}
        store = self.config.get_store_from_app(connection.scope["app"])
        data = await self.get(session_id, store=store)
        if data is None:
            return {}
        connection.scope[_LOADED] = data  # type: ignore[literal-required]
        return self.deserialize_data(data)

    def get_session_id(self, connection: ASGIConnection) -> str | None:
        """The id of the session the request came with, if the store knows it.

        Litestar asks this of every request; a visitor without a session gets no id until there
        is something to store (`_id_to_store`), which spares a random number per page view.
        """
        if connection.scope.get(_ROTATE) or connection.scope.get(_LOADED) is None:
            return connection.scope.get(_NEW_ID)
        return connection.cookies[self.config.key]

    def _id_to_store(self, connection: ASGIConnection) -> str:
        scope = connection.scope
        if scope.get(_ROTATE) or scope.get(_LOADED) is None:
            if not scope.get(_NEW_ID):
                scope[_NEW_ID] = self.generate_session_id()  # type: ignore[literal-required]
            return scope[_NEW_ID]  # type: ignore[literal-required]
        return connection.cookies[self.config.key]

    async def store_in_message(
        self, scope_session: ScopeSession, message: Message, connection: ASGIConnection
    ) -> None:
        scope = connection.scope
        store = self.config.get_store_from_app(scope["app"])
        headers = MutableScopeHeaders.from_message(message)
        cookie_params = dict(
            extract_dataclass_items(self.config, exclude_none=True, include=Cookie.__dict__.keys())
        )
        old_id = connection.cookies.get(self.config.key)
        known_id = old_id if scope.get(_LOADED) is not None else None

        if scope_session is Empty or not scope_session:
            if known_id:
                await self.delete(known_id, store=store)
            if old_id and old_id != "null":
                headers.add(
                    "Set-Cookie",
                    Cookie(value="null", key=self.config.key, expires=0, **cookie_params).to_header(
                        header=""
                    ),
                )
            return

        data = self.serialize_data(scope_session, scope)
        if scope.get(_ROTATE) and known_id:
            await self.delete(known_id, store=store)
        session_id = self._id_to_store(connection)
        if session_id != known_id or data != scope.get(_LOADED):
            await self.set(session_id=session_id, data=data, store=store)
        # Sent on every response so that the cookie's lifetime slides along with the store's.
        headers.add(
            "Set-Cookie",
            Cookie(value=session_id, key=self.config.key, **cookie_params).to_header(header=""),
        )


@dataclass
class SessionConfig(ServerSideSessionConfig):
    _backend_class = SessionBackend
    key: str = field(default=SESSION_COOKIE)
    max_age: int = field(default=SESSION_MAX_AGE)
    renew_on_access: bool = field(default=True)
    store: str = SESSION_STORE
    exclude: str | list[str] | None = field(default_factory=lambda: list(UNAUTHENTICATED_PATHS))


def session_config(*, secure: bool) -> SessionConfig:
    return SessionConfig(secure=secure, httponly=True, samesite="lax")


class AuthenticationMiddleware(HttpMiddleware):
    """Sets `scope["user"]` to a CurrentUser (session or Bearer token) or None, for every request.

    Sessions count only for pages and for safe API calls: the API takes no CSRF token, so a change
    through the API must carry a Bearer token, which no other site can make a browser send.
    """

    async def handle(self, scope: Scope, receive: Receive, send: Send) -> None:
        scope["user"] = None
        scope["auth"] = None
        path = scope["path"]
        if not _UNAUTHENTICATED.search(path):
            await self._authenticate(scope)
        await self.app(scope, receive, send)

    async def _authenticate(self, scope: Scope) -> None:
        authorization = ""
        for name, value in scope.get("headers") or []:
            if name == b"authorization":
                authorization = value.decode("latin-1")
                break
        if authorization:
            scheme, _, token = authorization.partition(" ")
            if scheme.lower() == "bearer":
                user = await services.user_for_token(token.strip())
                if user is None:
                    scope[INVALID_TOKEN] = True  # type: ignore[literal-required]
                else:
                    scope["user"] = user
                    scope["auth"] = "token"
                return
        session = scope.get("session")
        if not session or "uid" not in session:
            return
        if path_is_api(scope["path"]) and scope.get("method", "GET") not in SAFE_METHODS:
            return
        row = await services.load_active_user(int(session["uid"]))
        if row is None or session.get("stamp") != passwords.password_stamp(row["password_hash"]):
            # Deactivated, deleted, or the password changed since: this session is over.
            scope["session"] = {}
            return
        scope["user"] = services.current_user_from_row(row)
        scope["auth"] = "session"


def path_is_api(path: str) -> bool:
    return path.startswith(API_PREFIX)
