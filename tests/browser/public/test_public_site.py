"""The public site in Chromium: follow a meeting from the home page; axe-core on every public page."""

import pytest

from tests.support.axe import axe_violations, describe

PUBLIC_PAGES = [
    "/",
    "/meetings/idm-new-york",
    "/meetings/idm-geneva",
    "/meetings/idm-new-york/panelists",
    "/meetings/idm-geneva/panelists",
    "/meetings/no-such-meeting",
]


async def test_home_to_new_york_agenda(page, demo):
    await page.goto("/")
    await page.get_by_role(
        "link", name="International Dialogue on Migration 2017 — First workshop, New York"
    ).click()
    await page.wait_for_url("**/meetings/idm-new-york")
    assert await page.get_by_role("heading", level=1).inner_text() == (
        "International Dialogue on Migration 2017 — First workshop, New York"
    )
    opening = page.locator(".session", has_text="Opening session")
    assert "10:00–11:00 EDT" in await opening.locator(".session-time").inner_text()
    assert await page.get_by_role("link", name="Register", exact=True).is_visible()


async def test_agenda_is_readable_on_a_phone(page, demo):
    await page.set_viewport_size({"width": 375, "height": 800})
    await page.goto("/meetings/idm-geneva")
    overflow = await page.evaluate("document.documentElement.scrollWidth > window.innerWidth")
    assert overflow is False


@pytest.mark.parametrize("path", PUBLIC_PAGES)
async def test_public_page_has_no_accessibility_violations(page, demo, path):
    await page.goto(path)
    violations = await axe_violations(page)
    assert violations == [], describe(violations)
