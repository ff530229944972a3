"""The app factory: every piece of wiring happens here and nowhere else."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Callable, Coroutine
from typing import Any

from litestar import Litestar, Router
from litestar.config.compression import CompressionConfig
from litestar.config.csrf import CSRFConfig
from litestar.openapi.config import OpenAPIConfig
from litestar.plugins.jinja import JinjaTemplateEngine
from litestar.static_files import create_static_files_router
from litestar.stores.base import Store
from litestar.stores.memory import MemoryStore
from litestar.template.config import TemplateConfig

from idmevents import db
from idmevents.health import health
from idmevents.meetings.controllers import PublicMeetingController
from idmevents.ratelimit import RateLimit, scoped_rate_limit
from idmevents.registrations.controllers import (
    RATE_LIMIT_STORE,
    RATE_LIMITED,
    RegistrationApi,
    RegistrationPages,
)
from idmevents.settings import STATIC_DIR, TEMPLATES_DIR, Settings, get_settings
from idmevents.web import EXCEPTION_HANDLERS, LanguageMiddleware, configure_jinja

BackgroundTask = Callable[[Settings], Coroutine[Any, Any, None]]


def create_app(
    settings: Settings | None = None,
    *,
    background: list[BackgroundTask] | None = None,
    registration_rate_limit_store: Store | None = None,
) -> Litestar:
    """The app. `registration_rate_limit_store` keeps the registration rate limit's counters:
    in this process's memory unless given one that several processes share."""
    settings = settings or get_settings()
    background = list(background or [])
    registration_limit = RateLimit.parse(settings.registration_rate_limit)
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

    return Litestar(
        route_handlers=[
            health,
            PublicMeetingController,
            # Only the registration routes carry the registration rate limit.
            Router(
                path="/",
                route_handlers=[RegistrationPages, RegistrationApi],
                middleware=registration_middleware,
            ),
            create_static_files_router(path="/static", directories=[STATIC_DIR], name="static"),
        ],
        lifespan=[lifespan],
        middleware=[LanguageMiddleware],
        exception_handlers=EXCEPTION_HANDLERS,
        template_config=TemplateConfig(
            directory=TEMPLATES_DIR, engine=JinjaTemplateEngine, engine_callback=configure_jinja
        ),
        csrf_config=CSRFConfig(
            secret=settings.secret_key,
            cookie_secure=settings.base_url.startswith("https://"),
            cookie_samesite="lax",
            exclude=["/api/", "/health"],
        ),
        compression_config=CompressionConfig(backend="gzip", minimum_size=500),
        openapi_config=OpenAPIConfig(title="idmevents", version="1", path="/schema"),
        request_max_body_size=64 * 1024,
        stores={RATE_LIMIT_STORE: registration_rate_limit_store or MemoryStore()},
        debug=settings.debug,
    )
