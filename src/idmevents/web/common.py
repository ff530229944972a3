"""What every page shares: the Jinja environment (translations, date filters) and the error responses."""

from __future__ import annotations

import abc
import functools
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs

import msgspec
from jinja2 import Environment
from litestar import MediaType, Request, Response
from litestar.exceptions import (
    HTTPException,
    NotAuthorizedException,
    NotFoundException,
    PermissionDeniedException,
    TooManyRequestsException,
    ValidationException,
)
from litestar.exceptions.http_exceptions import RequestEntityTooLarge
from litestar.openapi.datastructures import ResponseSpec
from litestar.response import Redirect, Template

from idmevents import content, db, i18n, stores, urls
from idmevents.audit import Actor
from idmevents.errors import AppError
from idmevents.feeds import links
from idmevents.meetings.labels import kind_label, role_label
from idmevents.registrations.labels import honorific_suggestions

if TYPE_CHECKING:
    from litestar.template import TemplateEngineProtocol
    from litestar.types import ASGIApp, Receive, Scope, Send

API_PREFIX = "/api/"
# Pages that carry a secret (a private link, a token shown once): no caches, no referrers.
PRIVATE_HEADERS = {"Cache-Control": "no-store", "Referrer-Policy": "no-referrer"}


def pdf_response(data: bytes, filename: str, *, private: bool = False) -> Response[bytes]:
    """A PDF shown in the browser (`inline`), never kept by a cache; `private` adds no-referrer,
    for documents behind a secret link."""
    headers = PRIVATE_HEADERS if private else {"Cache-Control": "no-store"}
    return Response(
        data,
        media_type="application/pdf",
        headers=headers | {"Content-Disposition": f'inline; filename="{filename}"'},
    )


class ErrorBody(msgspec.Struct, kw_only=True):
    """What every JSON error says (see handle_app_error); some add `reason` or more."""

    error: str
    detail: str
    fields: dict[str, str] | None = None
    reason: str | None = None


def request_actor(request: Request) -> Actor:
    """The signed-in user making the request, as the audit log names them."""
    return Actor(request.user.id, request.user.email)


def done_redirect(request: Request, route: str, done: str, **params: Any) -> Redirect:
    """To the page of `route`, saying what was `done` (`?done=`, read back by `done_note`)."""
    return Redirect(request.app.route_reverse(route, **params) + f"?done={done}", status_code=303)


def done_note(notes: dict[str, str], done: str | None) -> str | None:
    """What the page says for `?done=`, translated, when it is one of its `notes`; else None."""
    return i18n.gettext(notes[done]) if done in notes else None


NO_TOKEN = "No API token, or one that is unknown or revoked"


def error_specs(answers: dict[int, str], body: type = ErrorBody) -> dict[int, ResponseSpec]:
    """OpenAPI answers for an API's error statuses, each a JSON error of `body`, by status."""
    return {
        status: ResponseSpec(data_container=body, description=description)
        for status, description in answers.items()
    }


def configure_jinja(engine: TemplateEngineProtocol) -> None:
    env: Environment = engine.engine
    env.add_extension("jinja2.ext.i18n")
    env.install_gettext_callables(i18n.gettext, i18n.ngettext, newstyle=True)
    env.trim_blocks = True
    env.lstrip_blocks = True
    env.filters.update(i18n.TEMPLATE_FILTERS)
    env.globals.update(i18n.TEMPLATE_GLOBALS)
    env.globals.update(content.TEMPLATE_GLOBALS)
    env.globals.update(
        absolute_url=absolute_url,
        subscribe_links=subscribe_links,
        # Session kinds and panelist roles are fixed lists: translated by gettext. (role_label is
        # the organizer accounts' roles: see web/organizers/nav.py.)
        session_kind=kind_label,
        panelist_role=role_label,
        honorific_suggestions=lambda: honorific_suggestions(i18n.current_language()),
    )


def absolute_url(path: str) -> str:
    """A path of this site as a full address on IDMEVENTS_BASE_URL (for feeds, emails, apps)."""
    return urls.absolute(path)


def subscribe_links(feed_url: str, title: str) -> links.SubscribeLinks:
    """The links of feeds/_subscribe.html.jinja2. Calendar services fetch the feed from outside
    the site, so a path (what url_for gives) is made absolute on IDMEVENTS_BASE_URL."""
    if feed_url.startswith("/"):
        feed_url = absolute_url(feed_url)
    return links.subscribe_links(feed_url, title)


class HttpMiddleware(abc.ABC):
    """An ASGI middleware for HTTP requests: other scopes (lifespan, websockets) pass straight
    through; subclasses write `handle`."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        await self.handle(scope, receive, send)

    @abc.abstractmethod
    async def handle(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Answer one HTTP request (usually by calling `self.app` with something added)."""


# Browsers send a handful of distinct Accept-Language values: each is weighed once, not per request.
_pick_language = functools.lru_cache(maxsize=512)(i18n.pick_language)


# The cookie that remembers the language a reader picked with the switch (?lang=), for a year.
LANGUAGE_COOKIE = "lang"
LANGUAGE_COOKIE_MAX_AGE = 365 * 24 * 3600


def _cookie(headers: list[tuple[bytes, bytes]], name: str) -> str | None:
    for header, value in headers:
        if header != b"cookie":
            continue
        for part in value.decode("latin-1").split(";"):
            key, _, content = part.strip().partition("=")
            if key == name:
                return content
    return None


class LanguageMiddleware(HttpMiddleware):
    """Chooses the language for the whole request, rendering included: ?lang= (remembered in a
    cookie), else the cookie, else Accept-Language. Pages of a registration then switch to the
    registration's language (web.public.registration). Every answer says it varies with both
    headers, so no shared cache hands one reader's language to another."""

    async def handle(self, scope: Scope, receive: Receive, send: Send) -> None:
        headers = scope.get("headers") or []
        accept = ""
        for name, value in headers:
            if name == b"accept-language":
                accept = value.decode("latin-1")
                break
        query = scope.get("query_string", b"")
        requested = (
            parse_qs(query.decode("latin-1")).get("lang", [None])[0] if b"lang=" in query else None
        )
        remembered = _cookie(headers, LANGUAGE_COOKIE)
        picked = requested if requested in i18n.available_languages() else None
        token = i18n.set_language(picked or _pick_language(accept, remembered))
        secure = scope.get("scheme") == "https"

        async def send_with_language(message: Any) -> None:
            if message["type"] == "http.response.start":
                own = [(k, v) for k, v in message.get("headers", []) if k.lower() != b"vary"]
                varies = [v for k, v in message.get("headers", []) if k.lower() == b"vary"]
                vary = b", ".join(varies) if varies else b""
                for name in (b"Accept-Language", b"Cookie"):
                    if name.lower() not in vary.lower():
                        vary = vary + b", " + name if vary else name
                extra = [(b"vary", vary)]
                if picked and picked != remembered:
                    cookie = (
                        f"{LANGUAGE_COOKIE}={picked}; Path=/; Max-Age={LANGUAGE_COOKIE_MAX_AGE}; "
                        "SameSite=Lax; HttpOnly" + ("; Secure" if secure else "")
                    )
                    extra.append((b"set-cookie", cookie.encode("latin-1")))
                message = {**message, "headers": [*own, *extra]}
            await send(message)

        try:
            await self.app(scope, receive, send_with_language)
        finally:
            i18n.reset_language(token)


def wants_json(request: Request) -> bool:
    if request.url.path.startswith(API_PREFIX):
        return True
    accept = request.headers.get("accept", "")
    return "application/json" in accept and "text/html" not in accept


def error_response(
    request: Request,
    status_code: int,
    title: str,
    message: str,
    fields: dict[str, Any] | None = None,
    extra: dict[str, Any] | None = None,
    headers: dict[str, str] | None = None,
) -> Response:
    if wants_json(request):
        body: dict[str, Any] = {"error": title, "detail": message}
        if fields:
            body["fields"] = fields
        if extra:
            body.update(extra)
        return Response(body, status_code=status_code, media_type=MediaType.JSON, headers=headers)
    return Template(
        template_name="errors/error.html.jinja2",
        context={
            "status_code": status_code,
            "title": title,
            "message": message,
            "fields": fields or {},
        },
        status_code=status_code,
        headers=headers,
    )


def handle_app_error(request: Request, exc: AppError) -> Response:
    return error_response(
        request, exc.status_code, i18n.gettext(exc.title), exc.message, exc.fields, exc.extra
    )


def handle_validation_error(request: Request, exc: ValidationException) -> Response:
    """Litestar's own validation (a struct that does not decode): every bad field named, as ours are."""
    fields: dict[str, str] = {}
    for problem in exc.extra or []:
        if isinstance(problem, dict):
            key = str(problem.get("key") or problem.get("source") or "body")
            fields[key.removeprefix("$.")] = str(problem.get("message", "invalid"))
    return error_response(request, 422, i18n.gettext("Invalid input"), str(exc.detail), fields)


def handle_http_error(request: Request, exc: HTTPException) -> Response:
    titles = {
        NotFoundException: "Not found",
        NotAuthorizedException: "Authentication required",
        PermissionDeniedException: "Forbidden",
        RequestEntityTooLarge: "Request body too large",
        TooManyRequestsException: "Too many requests",
    }
    title = next((t for cls, t in titles.items() if isinstance(exc, cls)), None)
    if exc.status_code == 404:
        message = i18n.gettext("There is no page at this address.")
    elif isinstance(exc, RequestEntityTooLarge):
        message = i18n.gettext("The request is larger than the 64 KB this site accepts.")
    else:
        message = str(exc.detail)
    return error_response(
        request,
        exc.status_code,
        i18n.gettext(title or str(exc.detail)),
        message,
        headers=dict(exc.headers or {}),
    )


def handle_internal_error(request: Request, exc: Exception) -> Response:
    if db.is_database_outage(exc) or stores.is_store_outage(exc):
        # Not a bug of ours: say so, and when to come back. The pool reconnects by itself.
        request.logger.warning("database unreachable on %s: %r", request.url.path, exc)
        return error_response(
            request,
            503,
            i18n.gettext("Temporarily unavailable"),
            i18n.gettext(
                "We cannot reach our database at the moment. Nothing you sent was lost "
                "half-way: please try again in a minute."
            ),
            headers={"Retry-After": str(db.OUTAGE_RETRY_AFTER_SECONDS)},
        )
    request.logger.exception("unhandled error on %s", request.url.path)
    return error_response(
        request,
        500,
        i18n.gettext("Something went wrong"),
        i18n.gettext("The error has been logged. Please try again in a moment."),
    )


EXCEPTION_HANDLERS = {
    AppError: handle_app_error,
    ValidationException: handle_validation_error,
    HTTPException: handle_http_error,
    500: handle_internal_error,
}
