"""axe-core on every public and participant page in English, French and Spanish: the pages a
visitor reads (in the language they pick) and those of a registration (in its own language)."""

import pytest

from idmevents.meetings.tables import Panelist
from tests.factories.badges import add_registration, meeting
from tests.support.axe import axe_violations

LANGUAGES = ["en", "fr", "es"]
PUBLIC_PAGES = [
    "/",
    "/meetings/idm-new-york",
    "/meetings/idm-geneva",
    "/meetings/idm-new-york/panelists",
    "/meetings/idm-new-york/register",
    "/meetings/no-such-meeting",
]


async def violations_on(page, paths: list[str]) -> dict[str, list[dict]]:
    found = {}
    for path in paths:
        response = await page.goto(path)
        assert response.status in (200, 404), path
        violations = await axe_violations(page)
        if violations:
            found[path] = violations
    return found


@pytest.mark.parametrize("language", LANGUAGES)
async def test_public_pages_have_no_violations_in_each_language(page, demo, language):
    await page.goto(f"/?lang={language}")  # picked once, remembered by the cookie
    panelist = await Panelist.select(Panelist.slug).first()
    paths = [*PUBLIC_PAGES, f"/panelists/{panelist['slug']}"]
    assert await violations_on(page, paths) == {}
    assert await page.locator("html").get_attribute("lang") == language


@pytest.mark.parametrize("language", LANGUAGES)
async def test_registration_form_with_errors_has_no_violations(page, demo, language):
    await page.goto(f"/meetings/idm-new-york/register?lang={language}")
    await page.locator("form.registration-form [type=submit]").click()
    await page.locator(".error-summary").wait_for()
    assert await axe_violations(page) == []


@pytest.mark.parametrize("language", LANGUAGES)
async def test_participant_pages_have_no_violations_in_each_language(page, demo, language):
    person = await add_registration(
        await meeting(), given_name="Ana", family_name="Silva", language=language
    )
    base = f"/r/{person['token']}"
    paths = [base, f"{base}?done=welcome", f"{base}/details", f"{base}/cancel", f"{base}/badge"]
    assert await violations_on(page, paths) == {}
    assert await page.locator("html").get_attribute("lang") == language
