"""The app factory: every piece of wiring happens here and nowhere else."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Callable, Coroutine
from typing import Any

from litestar import Litestar
from litestar.config.compression import CompressionConfig
from litestar.config.csrf import CSRFConfig
from litestar.openapi.config import OpenAPIConfig
from litestar.plugins.jinja import JinjaTemplateEngine
from litestar.static_files import create_static_files_router
from litestar.template.config import TemplateConfig

from idmevents import db
from idmevents.feeds.controllers import (
    FeedController,
    PanelistPageController,
    PersonalFeedController,
)
from idmevents.health import health
from idmevents.meetings.controllers import PublicMeetingController
from idmevents.settings import STATIC_DIR, TEMPLATES_DIR, Settings, get_settings
from idmevents.web import EXCEPTION_HANDLERS, LanguageMiddleware, configure_jinja

BackgroundTask = Callable[[Settings], Coroutine[Any, Any, None]]


def create_app(
    settings: Settings | None = None, *, background: list[BackgroundTask] | None = None
) -> Litestar:
    settings = settings or get_settings()
    background = list(background or [])

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
            FeedController,
            PanelistPageController,
            PersonalFeedController,
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
        # Feeds compress themselves, once per change (feeds/controllers.py): the opt key skips them.
        compression_config=CompressionConfig(
            backend="gzip", minimum_size=500, exclude_opt_key="skip_compression"
        ),
        openapi_config=OpenAPIConfig(title="idmevents", version="1", path="/schema"),
        request_max_body_size=64 * 1024,
        debug=settings.debug,
    )
