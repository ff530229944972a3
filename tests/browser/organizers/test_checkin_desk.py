"""The check-in desk in Chromium: a scanner types a code and Enter, with and without JavaScript."""

import re
from datetime import UTC, datetime

import pytest
from playwright.async_api import expect

from idmevents.badges import services
from idmevents.registrations.tables import CheckIn
from idmevents.web.sessions import SESSION_COOKIE
from tests.factories.badges import add_registration, meeting
from tests.support.axe import axe_violations, describe

DESK = "/admin/checkin/idm-new-york"


async def badge_code(registration: dict) -> str:
    return (await services.badge_for_token(registration["token"])).badge.code


async def sign_in(page, make_user, role: str = "checkin") -> None:
    user, password = await make_user(role, display_name="Door A")
    await page.goto("/admin/login")
    await page.get_by_label("Email").fill(user["email"])
    await page.get_by_label("Password").fill(password)
    await page.get_by_role("button", name="Sign in").click()
    await page.wait_for_load_state()
    await page.goto(DESK)


async def scan(page, code: str) -> None:
    """What a USB scanner does: type the code into the focused field, then Enter. The desk puts
    the focus in its search field by itself; on a busy machine that can come after the page's
    load event, so wait for it rather than type into nothing."""
    await page.wait_for_function(
        "document.activeElement && document.activeElement.id === 'desk-query'"
    )
    await page.keyboard.type(code, delay=5)
    await page.keyboard.press("Enter")


@pytest.fixture
async def no_script_page(browser, live_server):
    context = await browser.new_context(base_url=live_server.url, java_script_enabled=False)
    page = await context.new_page()
    yield page
    await context.close()


async def test_scan_checks_in_then_says_already_checked_in(page, demo, make_user):
    person = await add_registration(await meeting(), given_name="Amina", family_name="Mohammed")
    code = await badge_code(person)
    await sign_in(page, make_user)
    field = page.get_by_label("Scan a badge or type a name")
    assert await field.evaluate("element => element === document.activeElement")

    await scan(page, code)
    ok = page.locator(".desk-ok")
    await ok.wait_for()
    assert "Checked in" in await ok.locator(".desk-verdict").inner_text()
    assert "Amina Mohammed" in await ok.locator(".desk-name").inner_text()
    # The field is empty and keeps the focus, ready for the next badge.
    assert await field.input_value() == ""
    assert await field.evaluate("element => element === document.activeElement")
    assert "1 of 1 expected" in await page.locator(".desk-total").inner_text()

    await scan(page, code)
    warning = page.locator(".desk-warn")
    await warning.wait_for()
    assert await warning.get_attribute("role") == "alert"
    assert "Already checked in" in await warning.locator(".desk-verdict").inner_text()
    assert "by Door A" in await warning.locator(".desk-reason").inner_text()
    assert await page.locator("#desk-announce").inner_text() != ""
    assert await CheckIn.count() == 1


async def test_forged_code_is_refused_in_red_with_an_alert(page, demo, make_user):
    person = await add_registration(await meeting())
    code = await badge_code(person)
    await sign_in(page, make_user)
    await scan(page, code[:-3] + ("000" if code[-3:] != "000" else "111"))
    refused = page.locator(".desk-refused")
    await refused.wait_for()
    assert await refused.get_attribute("role") == "alert"
    assert "Not a valid badge for this meeting" in await refused.inner_text()
    colour = await refused.evaluate("element => getComputedStyle(element).backgroundColor")
    assert colour == "rgb(176, 0, 32)"
    violations = await axe_violations(page)
    assert violations == [], describe(violations)


async def test_search_by_name_then_check_in_and_undo(page, demo, make_user):
    await add_registration(await meeting(), given_name="Jürg", family_name="Lauber")
    await sign_in(page, make_user)
    await scan(page, "jurg")
    await page.get_by_role("button", name="Check in Jürg Lauber").click()
    await page.locator(".desk-ok").wait_for()
    await page.get_by_role("button", name="Undo check-in Jürg Lauber").click()
    await page.locator(".desk-info").wait_for()
    assert "Check-in undone." in await page.locator(".desk-info").inner_text()
    assert await CheckIn.count() == 0


async def test_desk_works_without_javascript(no_script_page, demo, make_user):
    page = no_script_page
    person = await add_registration(await meeting(), given_name="Peter", family_name="Thomson")
    code = await badge_code(person)
    await sign_in(page, make_user)
    await page.get_by_label("Scan a badge or type a name").fill(code)
    await page.keyboard.press("Enter")
    await page.locator(".desk-ok").wait_for()
    await page.get_by_label("Scan a badge or type a name").fill(code)
    await page.keyboard.press("Enter")
    await page.locator(".desk-warn").wait_for()
    assert await CheckIn.count() == 1


async def test_desk_has_no_accessibility_violations_with_results(page, demo, make_user):
    new_york = await meeting()
    await add_registration(new_york, given_name="Louise", family_name="Arbour")
    await add_registration(new_york, given_name="Louis", family_name="Arbour", status="pending")
    await sign_in(page, make_user)
    await scan(page, "arbour")
    await page.locator(".desk-found").wait_for()
    violations = await axe_violations(page)
    assert violations == [], describe(violations)


async def test_desk_fits_a_phone(page, demo, make_user):
    person = await add_registration(await meeting(), organization="A very long organization name")
    await page.set_viewport_size({"width": 375, "height": 800})
    await sign_in(page, make_user)
    await scan(page, await badge_code(person))
    await page.locator(".desk-ok").wait_for()
    overflow = await page.evaluate("document.documentElement.scrollWidth > window.innerWidth")
    assert overflow is False


async def test_counts_refresh_with_arrivals_at_other_desks(page, demo, make_user):
    new_york = await meeting()
    elsewhere = await add_registration(new_york)
    await add_registration(new_york)
    await page.clock.install()
    await sign_in(page, make_user)
    assert "0 of 2 expected" in await page.locator(".desk-total").inner_text()

    await services.check_in(new_york, elsewhere["id"], by=None, now=datetime.now(UTC))
    await page.clock.fast_forward("00:16")  # past the 15-second refresh

    await expect(page.locator(".desk-total")).to_contain_text("1 of 2 expected")


async def test_signed_out_desk_falls_back_to_the_login_page(page, demo, make_user):
    person = await add_registration(await meeting())
    await sign_in(page, make_user)
    await page.context.clear_cookies(name=SESSION_COOKIE)  # the session expired
    await scan(page, await badge_code(person))
    await page.wait_for_url(re.compile(r"/admin/login\?next=/admin/checkin/idm-new-york$"))
    assert await CheckIn.count() == 0


@pytest.mark.parametrize("path", ["/admin/checkin/", "/admin/meetings/idm-new-york/badges/"])
async def test_organizer_pages_have_no_accessibility_violations(page, demo, make_user, path):
    new_york = await meeting()
    await add_registration(new_york, category="media")
    await add_registration(new_york, category="civil-society")
    await sign_in(page, make_user, role="organizer")
    await page.goto(path)
    violations = await axe_violations(page)
    assert violations == [], describe(violations)
