"""In Chromium: an organizer narrows the desk to one delegation, and sees it in the list; axe-core."""

from __future__ import annotations

from datetime import UTC, datetime

from idmevents.audit import SYSTEM
from idmevents.delegations import services as delegations
from tests.browser.organizers.test_admin_auth import sign_in
from tests.factories.delegations import make_delegation, nominee
from tests.factories.registrations import desk_meeting
from tests.support.axe import axe_violations, describe

DESK = "/admin/meetings/desk-meeting/registrations"
NOW = datetime(2027, 3, 1, 12, 0, tzinfo=UTC)


async def no_violations(page) -> None:
    violations = await axe_violations(page)
    assert violations == [], describe(violations)


async def test_an_organizer_narrows_the_desk_to_a_delegation(page, make_user):
    desk = await desk_meeting()
    switzerland = await make_delegation(desk.meeting, "CH", quota=2)
    await make_delegation(desk.meeting, "", quota=1, organization="OSCE")
    await delegations.nominate(
        switzerland,
        nominee("livia", given_name="Livia", family_name="Leu", honorific="H.E. Ms"),
        by=SYSTEM,
        now=NOW,
    )
    user, password = await make_user("organizer")
    await sign_in(page, user["email"], password)
    await page.wait_for_url("**/admin")
    await page.goto(DESK)
    table = page.get_by_role("table", name="Registrations for Desk workshop")
    assert await table.get_by_role("row").count() == 8  # the header and seven people
    await page.get_by_label("Delegation", exact=True).select_option(label="Switzerland")
    await page.get_by_role("button", name="Filter").click()
    await page.wait_for_url(f"**delegation={switzerland['id']}**")
    assert await table.get_by_role("row").count() == 2  # the header and Livia
    row = table.get_by_role("row").nth(1)
    assert "Delegation: Switzerland" in await row.inner_text()
    assert "(H.E. Ms)" in await row.inner_text()
    await no_violations(page)
    await page.get_by_role("link", name="Clear").click()
    await page.wait_for_url(f"**{DESK}")
    assert await table.get_by_role("row").count() == 8
