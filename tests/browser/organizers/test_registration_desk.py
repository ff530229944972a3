"""The registrations desk in Chromium: an organizer approves one person and rejects another with a
reason, watching the counts change; changes an address, refused beside the field when taken, and
reinstates a cancelled registration; axe-core on the desk, a registration's page and the outbox."""

from __future__ import annotations

from datetime import UTC, datetime

from idmevents.audit import PARTICIPANT, SYSTEM
from idmevents.mail.tables import OutboxMessage
from idmevents.registrations import services
from idmevents.registrations.tables import Registration
from tests.browser.organizers.test_admin_auth import sign_in
from tests.factories.registrations import desk_meeting
from tests.support.axe import axe_violations, describe

DESK = "/admin/meetings/desk-meeting/registrations"


async def counts(page) -> dict[str, str]:
    return {
        name: (await page.locator(f"#seats-{name}").inner_text()).strip()
        for name in ("taken", "left", "waiting", "pending")
    }


async def test_organizer_approves_one_and_rejects_another_with_a_reason(page, make_user):
    desk = await desk_meeting(capacity=10)
    user, password = await make_user("organizer")
    await sign_in(page, user["email"], password)
    await page.wait_for_url("**/admin")
    await (
        page.get_by_role("navigation", name="Organizers")
        .get_by_role("link", name="Registrations")
        .click()
    )
    await page.wait_for_url("**/admin/registrations")
    assert await page.get_by_role("heading", level=1).inner_text() == "Desk workshop"
    assert await counts(page) == {"taken": "4", "left": "6", "waiting": "0", "pending": "2"}

    # Only those awaiting approval, then approve Zoë from the list.
    await page.get_by_label("Status", exact=True).select_option("pending")
    await page.get_by_role("button", name="Filter").click()
    await page.wait_for_url("**status=pending**")
    table = page.get_by_role("table", name="Registrations for Desk workshop")
    assert await table.get_by_role("row").count() == 3  # the header, Bob and Zoë
    await page.get_by_role("button", name="Approve Zoë Müller").click()
    await page.wait_for_url("**status=pending**")
    notice = page.get_by_role("status").filter(has_text="Zoë Müller")
    assert await notice.inner_text() == "Zoë Müller is confirmed; we emailed them."
    zoe = await Registration.select(Registration.status).where(Registration.id == desk.ids["zoe"])
    assert zoe == [{"status": "confirmed"}]
    assert await counts(page) == {"taken": "5", "left": "5", "waiting": "0", "pending": "1"}

    # Bob's page: rejecting without a reason is refused beside the field, then with one.
    await table.get_by_role("link", name="Pending, Bob").click()
    await page.wait_for_url(f"**/admin/registrations/{desk.ids['bob']}?back=**")
    await page.get_by_role("button", name="Reject").click()
    await page.wait_for_url(f"**/admin/registrations/{desk.ids['bob']}/reject")
    reason = page.get_by_label("Reason for rejecting")
    assert await reason.get_attribute("aria-invalid") == "true"
    assert (
        "Give the reason: the person will read it."
        in await page.locator("#reason-error").inner_text()
    )
    await reason.fill("Media accreditation goes through UN Media Accreditation.")
    await page.get_by_role("button", name="Reject").click()
    await page.wait_for_url(f"**/admin/registrations/{desk.ids['bob']}**")
    assert await page.locator("#registration-status").inner_text() == "Rejected"
    assert (
        "Media accreditation goes through UN Media Accreditation."
        in await page.locator(".details").inner_text()
    )

    await page.get_by_role("link", name="Back to the list").click()
    await page.wait_for_url("**status=pending**")
    assert await counts(page) == {"taken": "5", "left": "5", "waiting": "0", "pending": "0"}
    assert await page.get_by_role("status").filter(has_text="matches").inner_text() == (
        "No registration matches."
    )
    rejected = await OutboxMessage.select(OutboxMessage.to_address).where(
        OutboxMessage.kind == "registration-rejected"
    )
    assert rejected == [{"to_address": "bob@example.org"}]


async def test_organizer_changes_an_address_then_reinstates_a_cancelled_registration(
    page, make_user
):
    desk = await desk_meeting()
    await services.cancel(desk.ids["jose"], by=PARTICIPANT, now=datetime.now(UTC))
    user, password = await make_user("organizer")
    await sign_in(page, user["email"], password)
    await page.wait_for_url("**/admin")

    # Ana's address: Zoë's is refused beside the field, what was typed kept; then a free one.
    await page.goto(f"/admin/registrations/{desk.ids['ana']}")
    await page.get_by_role("link", name="Edit details").click()
    email = page.get_by_label("Email", exact=True)
    await email.fill("zoe@EXAMPLE.org")
    await page.get_by_role("button", name="Save details").click()
    assert await email.get_attribute("aria-invalid") == "true"
    assert await email.input_value() == "zoe@EXAMPLE.org"
    assert "Zoë Müller" in await page.locator("#email-error").inner_text()
    await email.fill("ana.person@example.com")
    await page.get_by_role("button", name="Save details").click()
    await page.wait_for_url(f"**/admin/registrations/{desk.ids['ana']}**")
    assert "ana.person@example.com" in await page.locator(".details").inner_text()

    # José cancelled; his seat went to Dan. Reinstated, he waits for the next one.
    await page.goto(f"/admin/registrations/{desk.ids['jose']}")
    assert await page.locator("#registration-status").inner_text() == "Cancelled"
    await page.get_by_role("button", name="Reinstate").click()
    await page.wait_for_url(f"**/admin/registrations/{desk.ids['jose']}")
    assert await page.locator("#registration-status").inner_text() == "Waiting list"
    notice = page.get_by_role("status").filter(has_text="reinstated")
    assert "waiting list (position 1)" in await notice.inner_text()


async def test_desk_pages_pass_axe(page, make_user):
    desk = await desk_meeting()
    now = datetime.now(UTC)
    await services.cancel(desk.ids["carla"], by=PARTICIPANT, now=now)
    await services.reject(desk.ids["bob"], "No.", by=SYSTEM, now=now)
    user, password = await make_user("organizer")
    await sign_in(page, user["email"], password)
    await page.wait_for_url("**/admin")
    outbox_id = (await OutboxMessage.select(OutboxMessage.id).limit(1))[0]["id"]
    for path in (
        f"{DESK}?sort=name",
        f"/admin/registrations/{desk.ids['zoe']}",  # approve when full, reject
        f"/admin/registrations/{desk.ids['dan']}",  # promote beyond capacity
        f"/admin/registrations/{desk.ids['jose']}/cancel",
        f"/admin/registrations/{desk.ids['ana']}/edit",
        f"/admin/registrations/{desk.ids['carla']}",  # reinstate
        f"/admin/registrations/{desk.ids['bob']}",  # reconsider
        "/admin/outbox",
        f"/admin/outbox/{outbox_id}",
    ):
        await page.goto(path)
        violations = await axe_violations(page)
        assert violations == [], f"{path}: {describe(violations)}"
