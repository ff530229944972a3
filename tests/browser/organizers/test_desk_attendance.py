"""A hybrid meeting's desk in Chromium: the organizer lists those online, moves one of them to a
free seat in the room and watches the freed place go to the next person waiting online; axe-core
on the desk."""

from __future__ import annotations

from idmevents.registrations import services
from idmevents.registrations.tables import Registration
from tests.browser.organizers.test_admin_auth import sign_in
from tests.factories.meetings import NOW, make_meeting
from tests.factories.registrations import form
from tests.support.axe import axe_violations, describe

DESK = "/admin/meetings/hybrid-desk/registrations"


async def cells(page, side: str) -> list[str]:
    row = page.locator(f"#pool-{side}")
    return [text.strip() for text in await row.locator("td").all_inner_texts()]


async def test_organizer_moves_someone_from_online_to_the_room(page, make_user):
    meeting = await make_meeting(
        slug="hybrid-desk", capacity=2, mode="hybrid", capacity_online=1, title="Hybrid desk"
    )
    for key, given, attendance in (
        ("ana", "Ana", "in_person"),
        ("bea", "Bea", "online"),
        ("cleo", "Cleo", "online"),
    ):
        await services.register(
            meeting,
            form(key, given_name=given, family_name="Hybrid", attendance=attendance),
            now=NOW,
        )
    user, password = await make_user("organizer")
    await sign_in(page, user["email"], password)
    await page.wait_for_url("**/admin")
    await page.goto(DESK)
    # Places, confirmed, places left, waiting, awaiting approval.
    assert await cells(page, "in_person") == ["2", "1", "1", "0", "0"]
    assert await cells(page, "online") == ["1", "1", "0", "1", "0"]

    await page.get_by_label("Taking part").select_option("online")
    await page.get_by_role("button", name="Filter").click()
    await page.wait_for_url("**attendance=online**")
    table = page.get_by_role("table", name="Registrations for Hybrid desk")
    assert await table.get_by_role("row").count() == 3  # the header, Bea and Cleo
    assert await axe_violations(page) == [], describe(await axe_violations(page))

    await page.get_by_role("button", name="Move to the room Bea Hybrid").click()
    await page.wait_for_url("**attendance=online**")
    notice = page.get_by_role("status").filter(has_text="Bea Hybrid")
    assert await notice.inner_text() == "Bea Hybrid now takes part in the room."
    assert await cells(page, "in_person") == ["2", "2", "0", "0", "0"]
    assert await cells(page, "online") == ["1", "1", "0", "0", "0"]  # Cleo has Bea's place
    assert await table.get_by_role("row").count() == 2  # Cleo alone online now
    rows = await Registration.select(Registration.given_name, Registration.status).where(
        Registration.attendance == "online"
    )
    assert rows == [{"given_name": "Cleo", "status": "confirmed"}]
