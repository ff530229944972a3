"""The app factory: every piece of wiring happens here and nowhere else."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Callable, Coroutine
from typing import TYPE_CHECKING, Any

from litestar import Litestar, Router
from litestar.config.compression import CompressionConfig
from litestar.config.csrf import CSRFConfig
from litestar.datastructures import State
from litestar.middleware import DefineMiddleware
from litestar.openapi.config import OpenAPIConfig
from litestar.openapi.plugins import JsonRenderPlugin
from litestar.openapi.spec import Components, SecurityScheme
from litestar.plugins.jinja import JinjaTemplateEngine
from litestar.static_files import create_static_files_router
from litestar.stores.base import Store
from litestar.template.config import TemplateConfig

from idmevents import db, wiring
from idmevents.settings import STATIC_DIR, TEMPLATES_DIR, Settings, get_settings
from idmevents.stores import redis_client, shared_stores
from idmevents.web.api.checkin import CheckInApiController
from idmevents.web.api.delegations import DelegationsApi
from idmevents.web.api.desk import RegistrationDeskApi
from idmevents.web.api.invitations import InvitationsApi
from idmevents.web.api.jobs import JobApiController
from idmevents.web.api.meetings import MeetingsApiController
from idmevents.web.api.sessions import SessionsApiController
from idmevents.web.api.visa import VisaRequestsApi
from idmevents.web.api_docs import LocalSwaggerRenderPlugin
from idmevents.web.common import EXCEPTION_HANDLERS, LanguageMiddleware, configure_jinja
from idmevents.web.guards import LoginRequired, handle_login_required
from idmevents.web.health import health
from idmevents.web.login_limits import (
    LOGIN_RATE_LIMIT_STORE,
    LoginLimits,
    TooManyAttempts,
    handle_too_many_attempts,
)
from idmevents.web.organizers.accounts import (
    AccountController,
    AuditController,
    LoginController,
    PasswordResetController,
    UsersController,
)
from idmevents.web.organizers.agenda import MeetingAdminController
from idmevents.web.organizers.badges import BadgePrintController, CheckInDeskController
from idmevents.web.organizers.bursts import cancel_group, suspicious_bursts
from idmevents.web.organizers.dashboard import DashboardController
from idmevents.web.organizers.delegations import (
    DelegationAdminController,
    ParticipantsListController,
)
from idmevents.web.organizers.desk import DeskController
from idmevents.web.organizers.desk_pools import DeskAttendanceController
from idmevents.web.organizers.imports import ImportController
from idmevents.web.organizers.invitations import InvitationAdminController
from idmevents.web.organizers.jobs import JobPageController
from idmevents.web.organizers.nav import configure_admin_jinja
from idmevents.web.organizers.outbox import OutboxApi, OutboxController
from idmevents.web.organizers.panelists import PanelistAdminController
from idmevents.web.organizers.reminders import ReminderAdminController
from idmevents.web.organizers.sessions import SessionAdminController
from idmevents.web.organizers.teams import MeetingTeamController
from idmevents.web.organizers.visa import VisaAdminController
from idmevents.web.proxy_warning import ProxyWithoutBaseUrlWarning
from idmevents.web.public.address_confirmation import AddressConfirmationPages
from idmevents.web.public.badge import BadgePageController
from idmevents.web.public.delegations import (
    NominationAccessApi,
    NominationPages,
    VisaLetterCheckPage,
)
from idmevents.web.public.feeds import (
    FeedController,
    PanelistPageController,
    PersonalFeedController,
)
from idmevents.web.public.meetings import PublicMeetingController
from idmevents.web.public.registration import (
    RATE_LIMIT_STORE,
    RATE_LIMITED,
    RegistrationApi,
    RegistrationPages,
)
from idmevents.web.public.visa import VisaPages, VisaRequestApi
from idmevents.web.ratelimit import RateLimit, scoped_rate_limit
from idmevents.web.security import RequestGuard, security_headers
from idmevents.web.sessions import SESSION_STORE, AuthenticationMiddleware, session_config
from idmevents.web.text import configure_text_filters

if TYPE_CHECKING:
    from redis.asyncio import Redis

BackgroundTask = Callable[[Settings], Coroutine[Any, Any, None]]


def configure_templates(engine) -> None:
    configure_jinja(engine)
    configure_admin_jinja(engine)
    configure_text_filters(engine)


# The stores that must be the same for every process behind the proxy. CSRF needs none: its token
# is a signed double-submit cookie, checked against IDMEVENTS_SECRET_KEY alone.
SHARED_STORES = [SESSION_STORE, LOGIN_RATE_LIMIT_STORE, RATE_LIMIT_STORE]


def default_stores(redis: Redis | None = None) -> dict[str, Store]:
    """Sessions and rate-limit counters on Redis when given a client, else in the database."""
    return shared_stores(SHARED_STORES, redis)


def proxy_warning(settings: Settings) -> list[DefineMiddleware]:
    """Behind a proxy IDMEVENTS_BASE_URL is required: say so in the log when it is a guess."""
    if settings.base_url_configured:
        return []
    return [DefineMiddleware(ProxyWithoutBaseUrlWarning, base_url=settings.base_url)]


def create_app(
    settings: Settings | None = None,
    *,
    background: list[BackgroundTask] | None = None,
    stores: dict[str, Store] | None = None,
    login_limits: LoginLimits | None = None,
) -> Litestar:
    """The app. `stores` replaces named stores (e.g. a MemoryStore for sessions, or the
    registration rate limit's counters); `login_limits` the sign-in rate limits."""
    settings = settings or get_settings()
    wiring.register_mail_renderers()  # the outbox page and the embedded worker render recipes
    wiring.register_worker_chores()  # the embedded worker's erasure of expired personal data
    wiring.register_job_handlers()  # the embedded job worker runs them
    background = list(background or [])
    secure_cookies = settings.base_url.startswith("https://")
    # The one place the shared stores are chosen: Redis when IDMEVENTS_REDIS_URL is set.
    redis = redis_client(settings.redis_url) if settings.redis_url else None
    try:
        registration_limit = RateLimit.parse(settings.registration_rate_limit)
    except ValueError as exc:
        raise ValueError(f"IDMEVENTS_REGISTRATION_RATE_LIMIT: {exc}") from None
    registration_middleware = (
        [scoped_rate_limit(registration_limit, opt_key=RATE_LIMITED, store=RATE_LIMIT_STORE)]
        if registration_limit.enabled
        else []
    )

    @contextlib.asynccontextmanager
    async def lifespan(_: Litestar) -> AsyncIterator[None]:
        await db.configure_sqlite()
        await db.start_pool(settings.database.pool_size)
        tasks = [asyncio.create_task(task(settings)) for task in background]
        try:
            yield
        finally:
            for task in tasks:
                task.cancel()
            for task in tasks:
                with contextlib.suppress(asyncio.CancelledError):
                    await task
            await db.close_pool()
            if redis is not None:
                await redis.aclose()

    return Litestar(
        route_handlers=[
            health,
            PublicMeetingController,
            LoginController,
            PasswordResetController,
            DashboardController,
            AccountController,
            UsersController,
            MeetingAdminController,
            MeetingTeamController,
            SessionAdminController,
            ReminderAdminController,
            PanelistAdminController,
            MeetingsApiController,
            SessionsApiController,
            AuditController,
            BadgePageController,
            AddressConfirmationPages,
            BadgePrintController,
            JobPageController,
            ImportController,
            suspicious_bursts,
            cancel_group,
            JobApiController,
            CheckInDeskController,
            CheckInApiController,
            DeskController,
            DeskAttendanceController,
            OutboxController,
            OutboxApi,
            DelegationsApi,
            InvitationsApi,
            DelegationAdminController,
            InvitationAdminController,
            ParticipantsListController,
            NominationPages,
            NominationAccessApi,
            VisaLetterCheckPage,
            VisaRequestsApi,
            VisaPages,
            VisaRequestApi,
            VisaAdminController,
            # Only the registration routes carry the registration rate limit. The organizers'
            # registration API shares one of their paths, so it is registered in the same router
            # (the limit applies only to handlers marked with RATE_LIMITED).
            Router(
                path="/",
                route_handlers=[RegistrationPages, RegistrationApi, RegistrationDeskApi],
                middleware=registration_middleware,
            ),
            FeedController,
            PanelistPageController,
            PersonalFeedController,
            create_static_files_router(path="/static", directories=[STATIC_DIR], name="static"),
        ],
        lifespan=[lifespan],
        # Outermost first: the session is loaded before the user is looked up from it.
        middleware=[
            LanguageMiddleware,
            session_config(secure=secure_cookies).middleware,
            AuthenticationMiddleware,
            RequestGuard,
            *proxy_warning(settings),
        ],
        before_send=[security_headers],
        stores=default_stores(redis) | (stores or {}),
        state=State({"login_limits": login_limits or LoginLimits(), "redis": redis}),
        exception_handlers=EXCEPTION_HANDLERS
        | {LoginRequired: handle_login_required, TooManyAttempts: handle_too_many_attempts},
        template_config=TemplateConfig(
            directory=TEMPLATES_DIR, engine=JinjaTemplateEngine, engine_callback=configure_templates
        ),
        csrf_config=CSRFConfig(
            secret=settings.secret_key,
            cookie_secure=secure_cookies,
            cookie_samesite="lax",
            exclude=["/api/", "/health"],
        ),
        # Feeds compress themselves, once per change (web/public/feeds.py): the opt key skips them.
        compression_config=CompressionConfig(
            backend="gzip", minimum_size=500, exclude_opt_key="skip_compression"
        ),
        openapi_config=OpenAPIConfig(
            title="idmevents",
            version="1",
            path="/schema",
            # The document, and Swagger UI from our own files (web/api_docs.py): Litestar's
            # viewers load their scripts from a CDN, which the Content-Security-Policy refuses.
            render_plugins=[JsonRenderPlugin(), LocalSwaggerRenderPlugin()],
            components=Components(
                security_schemes={
                    "BearerToken": SecurityScheme(
                        type="http", scheme="bearer", description="idmevents token create"
                    )
                }
            ),
        ),
        request_max_body_size=64 * 1024,
        debug=settings.debug,
    )
