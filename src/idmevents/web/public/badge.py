"""The participant's badge page, reached from their private link."""

from __future__ import annotations

from litestar import Controller, Request, get
from litestar.params import FromPath, FromQuery
from litestar.response import Template

from idmevents.badges import services
from idmevents.badges.layout import BADGE_SIZES, DEFAULT_SIZE
from idmevents.web.common import PRIVATE_HEADERS
from idmevents.web.public.registration import language_form, speak_as_token

# A badge page shows a code that gets its holder in: no caches, no referrers, no search engines.
BADGE_HEADERS = {**PRIVATE_HEADERS, "X-Robots-Tag": "noindex"}


class BadgePageController(Controller):
    include_in_schema = False

    @get("/r/{token:str}/badge", name="registration_badge")
    async def badge(
        self, request: Request, token: FromPath[str], size: FromQuery[str | None] = None
    ) -> Template:
        """The badge, ready to print at 4 × 3 in or A6; or why there is none yet (in the
        registration's language, as all its pages)."""
        await speak_as_token(token)
        page = await services.badge_for_token(token)
        size = size if size in BADGE_SIZES else DEFAULT_SIZE
        return Template(
            "badges/badge.html.jinja2",
            context={
                "page": page,
                "size": size,
                "sizes": BADGE_SIZES,
                "language_form": language_form(request, token),
            },
            headers=BADGE_HEADERS,
        )
