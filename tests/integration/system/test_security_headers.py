"""Every answer carries the security headers; personal answers are never cached; no CDN scripts."""

import re

from litestar.routes import HTTPRoute

from idmevents.web.security import CONTENT_SECURITY_POLICY

SAMPLE = {"str": "idm-new-york", "int": "1", "path": "/style.css"}


def every_get_path(app) -> list[str]:
    """One concrete GET path per route of the app, its parameters filled with plausible values."""
    paths = []
    for route in app.routes:
        if not isinstance(route, HTTPRoute) or "GET" not in route.methods:
            continue
        path = route.path_format
        for name, kind in re.findall(r"{(\w+):(\w+)}", route.path):
            path = path.replace("{" + name + "}", SAMPLE.get(kind, "x").lstrip("/"))
        paths.append(path)
    return sorted(set(paths))


# The policy, spelled out: no inline script and no inline style anywhere, nothing from elsewhere.
EXACT_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; "
    "img-src 'self' data:; font-src 'self'; connect-src 'self'; object-src 'none'; "
    "base-uri 'self'; form-action 'self'; frame-ancestors 'none'"
)
# Templates no browser reads as a page: emails, and what WeasyPrint turns into PDFs.
NOT_PAGES = (
    "email/",
    "badges/sheets.html.jinja2",
    "feeds/programme.html.jinja2",
    "delegations/participants.pdf.html.jinja2",
    "delegations/visa_letter.pdf.html.jinja2",
)


def test_the_policy_is_exactly_this():
    assert CONTENT_SECURITY_POLICY == EXACT_POLICY


def assert_security_headers(response, path):
    headers = response.headers
    assert headers["content-security-policy"] == EXACT_POLICY, path
    assert headers["x-frame-options"] == "DENY", path
    assert headers["x-content-type-options"] == "nosniff", path
    assert headers["referrer-policy"] in {"strict-origin-when-cross-origin", "no-referrer"}, path


async def test_every_route_answers_with_the_security_headers(client, demo, make_user, login):
    user, password = await make_user("admin")
    paths = [*every_get_path(client.app), "/no/such/page", "/api/v1/no-such-thing"]
    assert len(paths) > 40
    for signed_in in (False, True):
        if signed_in:
            assert (await login(client, user["email"], password)).status_code == 303
        for path in paths:
            response = await client.get(path, follow_redirects=False)
            assert response.status_code < 500, (path, response.status_code)
            assert_security_headers(response, path)


async def test_personal_answers_are_not_stored(client, demo, make_user, login):
    user, password = await make_user("admin")
    await login(client, user["email"], password)
    for path in [
        "/admin",
        "/admin/meetings/idm-new-york/registrations",
        "/r/some-token",
        "/r/some-token/badge",
        "/r/some-token/agenda.ics",
        "/api/v1/meetings/idm-new-york/registrations",
    ]:
        response = await client.get(path, follow_redirects=False)
        assert response.headers["cache-control"] == "no-store", path
    private = await client.get("/r/some-token")
    assert private.headers["referrer-policy"] == "no-referrer"
    public = await client.get("/meetings/idm-new-york")
    assert public.headers.get("cache-control") != "no-store"
    assert public.headers["referrer-policy"] == "strict-origin-when-cross-origin"


async def test_templates_have_no_inline_script():
    from idmevents.settings import TEMPLATES_DIR

    for template in TEMPLATES_DIR.rglob("*.jinja2"):
        text = template.read_text()
        assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", text), template
        assert not re.search(r"\son[a-z]+\s*=", text), template


async def test_pages_have_no_inline_style():
    from idmevents.settings import TEMPLATES_DIR

    pages = [
        template
        for template in TEMPLATES_DIR.rglob("*.jinja2")
        if not str(template.relative_to(TEMPLATES_DIR)).startswith(NOT_PAGES)
    ]
    assert len(pages) > 50
    for template in pages:
        # Jinja's own `style=` (a date filter's argument) is not HTML: look at the markup only.
        text = re.sub(r"{{.*?}}|{%.*?%}", "", template.read_text(), flags=re.S)
        assert not re.search(r"<style\b", text), template
        assert not re.search(r"\sstyle\s*=", text), template


async def test_api_docs_load_nothing_from_another_site(client):
    assert (await client.get("/schema/openapi.json")).status_code == 200
    for renderer in ["redoc", "elements", "rapidoc", "scalar"]:
        response = await client.get(f"/schema/{renderer}")
        assert response.status_code == 404, renderer
        assert "cdn" not in response.text.lower()
    root = await client.get("/schema")
    assert not re.search(r"(src|href)=[\"']?(https?:)?//", root.text)


async def test_swagger_ui_is_served_from_our_own_files(client):
    page = await client.get("/schema/swagger")
    assert page.status_code == 200
    assert page.headers["content-type"].startswith("text/html")
    assets = re.findall(r"(?:src|href)=\"([^\"]+)\"", page.text)
    assert assets == [
        "/static/vendor/swagger-ui/swagger-ui.css",
        "/static/vendor/swagger-ui/swagger-ui-bundle.js",
        "/static/swagger-init.js",
        "/schema/openapi.json",
    ]
    assert 'data-spec-url="/schema/openapi.json"' in page.text
    assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>|<style\b|\sstyle=", page.text)
    for asset in assets:
        fetched = await client.get(asset)
        assert fetched.status_code == 200, asset
        assert not re.search(r"cdn\.|unpkg|jsdelivr", fetched.text), asset
    licence = await client.get("/static/vendor/swagger-ui/LICENSE")
    assert "Apache License" in licence.text


def test_nothing_served_names_a_cdn():
    from idmevents.settings import STATIC_DIR, TEMPLATES_DIR

    for folder in (STATIC_DIR, TEMPLATES_DIR):
        for path in folder.rglob("*"):
            if path.is_file() and path.suffix in {".js", ".css", ".jinja2", ".html"}:
                text = path.read_text(errors="replace")
                assert not re.search(r"cdn\.|cdnjs|unpkg\.com|jsdelivr", text), path
