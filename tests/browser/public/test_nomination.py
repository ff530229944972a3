"""A focal point in Chromium: opens the link, confirms their address with the code emailed to it,
names two delegates, replaces one, makes another the head; the page passes axe-core at every step.
Someone the link was forwarded to is refused. An organizer's delegations page passes axe too."""

import re

from idmevents.delegations.tables import Delegation
from idmevents.registrations.tables import Registration
from tests.browser.organizers.test_admin_auth import sign_in
from tests.factories.delegations import latest_access_code, make_delegation
from tests.factories.meetings import make_meeting
from tests.support.axe import axe_violations, describe


async def no_violations(page) -> None:
    violations = await axe_violations(page)
    assert violations == [], describe(violations)


async def name_delegate(page, given: str, family: str, email: str = "", head: bool = False):
    await page.get_by_label("Given name", exact=True).fill(given)
    await page.get_by_label("Family name", exact=True).fill(family)
    await page.get_by_label(re.compile("^Email")).fill(email)
    if head:
        await page.get_by_label("Head of delegation", exact=True).check()
    await page.get_by_role("button", name="Name this delegate").click()


async def test_focal_point_nominates_replaces_and_marks_the_head(page, live_server):
    meeting = await make_meeting(capacity=20)
    delegation = await make_delegation(meeting, "CH", quota=2)
    await page.goto(f"/d/{delegation['token']}")
    await page.get_by_role("heading", name="Confirm your email address").wait_for()
    await no_violations(page)
    await page.get_by_label("Your email address", exact=True).fill(delegation["focal_point_email"])
    await page.get_by_role("button", name="Email me a code").click()
    await page.get_by_role("heading", name="Type the code we emailed you").wait_for()
    await no_violations(page)
    await page.get_by_label("Code", exact=True).fill(await latest_access_code())
    await page.get_by_role("button", name="Confirm", exact=True).click()
    await page.get_by_role("heading", name="Delegates", exact=True).wait_for()
    await page.get_by_role("heading", name="Delegation of Switzerland").wait_for()
    await no_violations(page)

    # A mistake first: the error is beside its field.
    await name_delegate(page, "", "Berne")
    await page.get_by_text("Enter the given name.").first.wait_for()
    await no_violations(page)

    await name_delegate(page, "Alice", "Berne", head=True)
    await page.get_by_text("The delegate is registered.").wait_for()
    await name_delegate(page, "Bruno", "Genf", email="bruno@mission.example.org")
    await page.get_by_text("Seats used: 2 of 2.").wait_for()
    await no_violations(page)

    await page.get_by_role("link", name="Replace Alice Berne").click()
    await page.get_by_role("heading", name="Replace Alice Berne").wait_for()
    await no_violations(page)
    await page.get_by_label("Given name", exact=True).fill("Clara")
    await page.get_by_label("Family name", exact=True).fill("Basel")
    await page.get_by_role("button", name="Replace", exact=True).click()
    await page.get_by_text("The delegate was replaced.").wait_for()

    await page.get_by_role("button", name=re.compile("Make head of delegation.*Bruno")).click()
    await page.get_by_text("The head of delegation is saved.").wait_for()
    await no_violations(page)

    items = page.locator("ul.delegates > li")
    assert await items.count() == 2
    assert "Bruno" in await items.nth(0).inner_text()
    assert "Head of delegation" in await items.nth(0).inner_text()
    rows = await Registration.select(Registration.given_name, Registration.status).order_by(
        Registration.id
    )
    assert [(r["given_name"], r["status"]) for r in rows] == [
        ("Alice", "cancelled"),
        ("Bruno", "confirmed"),
        ("Clara", "confirmed"),
    ]
    head = (await Delegation.select(Delegation.head).first())["head"]
    assert head == next(r["id"] for r in await Registration.select() if r["given_name"] == "Bruno")


async def test_a_forwarded_link_is_refused_in_the_browser(page, live_server):
    meeting = await make_meeting(capacity=20)
    delegation = await make_delegation(meeting, "CH", quota=2)
    await page.goto(f"/d/{delegation['token']}")
    await page.get_by_label("Your email address", exact=True).fill(
        "colleague@elsewhere.example.org"
    )
    await page.get_by_role("button", name="Email me a code").click()
    await page.get_by_text("This nomination link was sent to another person").wait_for()
    await no_violations(page)
    assert await page.get_by_role("heading", name="Delegates", exact=True).count() == 0


async def test_delegations_page_for_organizers_is_accessible(page, live_server, make_user):
    meeting = await make_meeting(capacity=20)
    await make_delegation(meeting, "CH", quota=2)
    user, password = await make_user("organizer")
    await sign_in(page, user["email"], password)
    await page.wait_for_url("**/admin")
    await page.goto("/admin/meetings/test-meeting/delegations/")
    await page.get_by_role("heading", name="Delegations", exact=True).wait_for()
    await no_violations(page)
