"""Every page in Chromium under the real Content-Security-Policy (no inline script, no inline
style): not one `securitypolicyviolation` event and no console error, signed in as an admin so that
the organizer pages are walked too; and the API's Swagger UI, from our own files, lists the
operations. The pages are those of test_page_widths (the app's own HTML GET routes)."""

from __future__ import annotations

from idmevents.web.security import CONTENT_SECURITY_POLICY
from tests.browser.organizers.test_admin_auth import sign_in
from tests.browser.organizers.test_page_widths import fill, html_page_routes, values_for_parameters
from tests.factories.registrations import desk_meeting

# Registered before any page script runs, in every page and frame of the context.
LISTEN = """
window.__violations = [];
document.addEventListener("securitypolicyviolation", (event) => {
  window.__violations.push(
    `${event.violatedDirective} blocked ${event.blockedURI || "inline"} ` +
    `at ${event.sourceFile}:${event.lineNumber} ${event.sample}`
  );
});
"""


async def watched_page(browser, live_server):
    """A page that records CSP violations (in the page) and console errors (here)."""
    context = await browser.new_context(
        base_url=live_server.url, viewport={"width": 1280, "height": 900}
    )
    await context.add_init_script(LISTEN)
    page = await context.new_page()
    errors: list[str] = []

    def console(message) -> None:
        # The site has no /favicon.ico, which Chromium asks for on its own: not the page's error.
        if message.type == "error" and not message.location["url"].endswith("/favicon.ico"):
            errors.append(f"{message.text} ({message.location['url']})")

    page.on("console", console)
    page.on("pageerror", lambda error: errors.append(str(error)))
    return context, page, errors


async def test_no_page_breaks_the_content_security_policy(browser, live_server, demo, make_user):
    await desk_meeting()
    admin, password = await make_user("admin", display_name="Ada Admin")
    values = await values_for_parameters(admin)
    urls = [url for path in html_page_routes() for url in fill(path, values)]
    assert {"/", "/meetings/idm-new-york", "/admin", "/admin/checkin/idm-new-york"} <= set(urls)

    context, page, errors = await watched_page(browser, live_server)
    await sign_in(page, admin["email"], password)
    await page.wait_for_url("**/admin")
    found = []
    for url in urls:
        errors.clear()
        response = await page.goto(url)
        assert response is not None and response.status < 400, (url, response)
        assert response.headers["content-security-policy"] == CONTENT_SECURITY_POLICY, url
        await page.wait_for_load_state("networkidle")
        found += [f"{url}: {v}" for v in await page.evaluate("window.__violations")]
        found += [f"{url}: console: {e}" for e in errors]
    await context.close()
    assert found == []


async def test_swagger_ui_lists_the_operations_from_our_own_files(browser, live_server):
    context, page, errors = await watched_page(browser, live_server)
    requested: list[str] = []
    page.on("request", lambda request: requested.append(request.url))
    response = await page.goto("/schema/swagger")
    assert response is not None and response.status == 200
    operations = page.locator(".opblock-summary-path")
    await operations.first.wait_for(timeout=30_000)
    paths = {await path.get_attribute("data-path") for path in await operations.all()}
    assert {"/api/v1/meetings/{slug}", "/api/v1/meetings/{slug}/registrations"} <= paths
    assert [url for url in requested if not url.startswith(live_server.url)] == []
    assert await page.evaluate("window.__violations") == []
    assert errors == []
    await context.close()
