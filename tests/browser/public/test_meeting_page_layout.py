"""The public meeting page on a phone and on paper: the agenda comes first, the calendar buttons
after it, a way to register beside it; printing shows the agenda and nothing to click."""

from __future__ import annotations

import pytest

PHONE = {"width": 390, "height": 844}


@pytest.mark.parametrize("slug", ["idm-new-york", "idm-geneva"])
async def test_the_first_session_shows_on_the_first_screen_of_a_phone(page, demo, slug):
    await page.set_viewport_size(PHONE)
    await page.goto(f"/meetings/{slug}")
    first_session = page.locator(".session").first
    box = await first_session.bounding_box()
    assert box is not None and box["y"] < PHONE["height"], box
    # The subscribe box follows the agenda's sessions; a register button follows it too.
    after_agenda = await page.evaluate(
        """() => {
            const sessions = document.querySelectorAll('.session');
            const last = sessions[sessions.length - 1];
            const follows = s => !!(last.compareDocumentPosition(document.querySelector(s))
                                    & Node.DOCUMENT_POSITION_FOLLOWING);
            return {subscribe: follows('.subscribe'), register: follows('.agenda-register a')};
        }"""
    )
    assert after_agenda == {"subscribe": True, "register": True}
    register = page.get_by_role("link", name="Go to the registration form")
    assert await register.get_attribute("href") == f"/meetings/{slug}/register"


async def test_printing_the_agenda_prints_no_subscribe_box_nav_or_buttons(page, demo):
    await page.goto("/meetings/idm-new-york")
    await page.emulate_media(media="print")
    assert await page.locator(".session").first.is_visible()
    for selector in (".subscribe", ".site-header nav", ".button", ".session-ics"):
        shown = await page.locator(selector).evaluate_all(
            "elements => elements.filter(e => e.checkVisibility()).length"
        )
        assert (selector, shown) == (selector, 0)
    await page.emulate_media(media="screen")
    assert await page.locator(".subscribe").is_visible()


async def test_a_long_agendas_folded_description_opens_and_the_page_stays_accessible(page, demo):
    from tests.integration.public.test_public_pages import long_agenda
    from tests.support.axe import axe_violations, describe

    await long_agenda()
    await page.goto("/meetings/long-meeting")
    description = page.get_by_text("Who should come.")
    assert not await description.is_visible()
    await page.get_by_text("Description", exact=False).first.click()
    assert await description.is_visible()
    await page.get_by_role("link", name="Thursday, April 22, 2027").click()
    await page.wait_for_url("**/meetings/long-meeting#day-3")
    violations = await axe_violations(page)
    assert violations == [], describe(violations)
