"""The API's documentation page, /schema/swagger: Swagger UI served from our own static files.

Litestar's own Swagger plugin loads Swagger UI from a CDN and starts it with an inline script,
both of which the Content-Security-Policy (web/security.py) refuses. This page names only files
of this site: the vendored `swagger-ui-dist` (static/vendor/swagger-ui/, refreshed by
scripts/refresh_swagger_ui.sh) and `static/swagger-init.js`, which reads the document's URL from
the page and starts the viewer.
"""

from __future__ import annotations

from html import escape
from typing import TYPE_CHECKING, Any

from litestar.openapi.plugins import OpenAPIRenderPlugin

if TYPE_CHECKING:
    from litestar import Request

VENDOR = "/vendor/swagger-ui"


class LocalSwaggerRenderPlugin(OpenAPIRenderPlugin):
    """Swagger UI at /schema/swagger, every asset from /static."""

    def __init__(self) -> None:
        super().__init__(path="/swagger")

    def render(self, request: Request, openapi_schema: dict[str, Any]) -> bytes:
        def static(file_path: str) -> str:
            return escape(request.app.route_reverse("static", file_path=file_path))

        title = escape(str(openapi_schema["info"]["title"]))
        # The JSON plugin's own path (its route name also answers at the bare /schema).
        config = request.app.openapi_config
        spec = escape(f"{config.path if config else '/schema'}/openapi.json")
        return f"""<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <meta name="viewport" content="width=device-width, initial-scale=1">
  <title>{title} API</title>
  <link rel="stylesheet" href="{static(f"{VENDOR}/swagger-ui.css")}">
  <script src="{static(f"{VENDOR}/swagger-ui-bundle.js")}" defer></script>
  <script src="{static("/swagger-init.js")}" defer></script>
</head>
<body>
  <main id="swagger-ui" data-spec-url="{spec}">
    <noscript><p>The API documentation needs JavaScript. The document itself is at
      <a href="{spec}">{spec}</a>.</p></noscript>
  </main>
</body>
</html>
""".encode()
