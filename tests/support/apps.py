"""The app under test, built once per distinct settings.

Building one costs about 0.16 s, a test client on a built app a few milliseconds. An app keeps
nothing of a test between clients: sessions and rate-limit counters live in the database, which
every test empties, and each client runs the app's lifespan again.
"""

from __future__ import annotations

# Apps already built, with the settings each was built from.
_apps: list[tuple[object, object]] = []


def app_for_current_settings():
    """The app `create_app()` would build now, built once per distinct settings."""
    from idmevents.app import create_app
    from idmevents.settings import get_settings, reset_settings

    reset_settings()
    settings = get_settings()
    if settings.redis_url:
        # Its lifespan closes its own Redis client: such an app is not used twice.
        return create_app(settings)
    for built_from, app in _apps:
        if built_from == settings:
            return app
    app = create_app(settings)
    _apps.append((settings, app))
    return app
