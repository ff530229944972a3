"""Organizers in Chromium: sign in, see the dashboard, sign out; axe-core on the accounts pages."""

from __future__ import annotations

import pytest

from idmevents import audit
from tests.support.axe import axe_violations, describe


async def sign_in(page, email: str, password: str) -> None:
    await page.goto("/admin/")
    await page.wait_for_url("**/admin/login?next=/admin")
    await page.get_by_label("Email").fill(email)
    await page.get_by_label("Password").fill(password)
    await page.get_by_role("button", name="Sign in").click()


async def test_organizer_signs_in_sees_dashboard_and_signs_out(page, demo, make_user):
    user, password = await make_user("organizer", email="ana@example.org", display_name="Ana")
    await sign_in(page, user["email"], "a wrong password")
    assert await page.get_by_role("alert").inner_text() == "The email or password is wrong."

    await page.get_by_label("Password").fill(password)
    await page.get_by_role("button", name="Sign in").click()
    await page.wait_for_url("**/admin")
    assert await page.get_by_role("heading", level=1).inner_text() == "Dashboard"
    table = page.get_by_role("table", name="Meetings and their registrations by status")
    assert await table.get_by_role("row").count() == 3  # the header and the two demo meetings
    nav = page.get_by_role("navigation", name="Organizers")
    assert await nav.get_by_role("link", name="Users").count() == 0
    assert await nav.get_by_role("link", name="Audit log").is_visible()

    await page.get_by_role("button", name="Sign out").click()
    await page.wait_for_url("**/admin/login?signed_out=1")
    assert await page.get_by_role("status").inner_text() == "You have signed out."
    await page.goto("/admin/")
    await page.wait_for_url("**/admin/login?next=/admin")


async def test_admin_creates_token_and_sees_it_once(page, make_user):
    user, password = await make_user("admin")
    await sign_in(page, user["email"], password)
    await page.wait_for_url("**/admin")
    await page.get_by_role("link", name=user["email"]).click()
    await page.get_by_label("What the new token is for").fill("badge printer")
    await page.get_by_role("button", name="Create a token").click()
    secret = await page.locator("#new-token").inner_text()
    assert secret.startswith("idm_")
    await page.reload()
    assert await page.locator("#new-token").count() == 0
    assert await page.get_by_role("button", name=f"Revoke {secret[:12]}…").is_visible()


ADMIN_PAGES = [
    "/admin/",
    "/admin/users",
    "/admin/audit",
    "/admin/account",
]


@pytest.mark.parametrize("path", ADMIN_PAGES)
async def test_admin_page_has_no_accessibility_violations(page, demo, make_user, path):
    user, password = await make_user("admin")
    await make_user("checkin", email="desk@example.org")
    await audit.record(
        user_id=user["id"],
        actor=user["email"],
        action="update",
        entity_type="meeting",
        meeting_slug="idm-geneva",
        summary="Theme changed",
    )
    await sign_in(page, user["email"], password)
    await page.wait_for_url("**/admin")
    await page.goto(path)
    violations = await axe_violations(page)
    assert violations == [], describe(violations)


@pytest.mark.parametrize(
    "path", ["/admin/login", "/admin/login?signed_out=1", "/admin/password-reset"]
)
async def test_sign_in_pages_have_no_accessibility_violations(page, path):
    await page.goto(path)
    violations = await axe_violations(page)
    assert violations == [], describe(violations)


async def test_failed_sign_in_has_no_accessibility_violations(page):
    await page.goto("/admin/login")
    await page.get_by_label("Email").fill("nobody@example.org")
    await page.get_by_label("Password").fill("wrong password")
    await page.get_by_role("button", name="Sign in").click()
    await page.get_by_role("alert").wait_for()
    violations = await axe_violations(page)
    assert violations == [], describe(violations)
