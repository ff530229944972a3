"""An organizer makes a meeting hybrid in Chromium: a mistyped link is refused beside its field,
the corrected form is saved, and the public page shows the webcast but not the private link."""

from idmevents.meetings.tables import Meeting
from tests.browser.organizers.test_agenda_builder import sign_in
from tests.support.axe import axe_violations, describe

WEBCAST = "https://webtv.un.org/idm-geneva"
REMOTE = "https://meet.example.org/j/idm-geneva-4411"


async def test_organizer_makes_a_meeting_hybrid_with_its_links(page, demo, make_user):
    await sign_in(page, make_user)
    await page.goto("/admin/meetings/idm-geneva/edit")
    online = page.get_by_role("group", name="Taking part online")
    await online.get_by_label("Attendance").select_option(label="Hybrid: in person and online")
    await online.get_by_label("Online places").fill("20")
    await online.get_by_label("Webcast link").fill(WEBCAST)
    await online.get_by_label("Remote participation link").fill("meet.example.org/j/idm-geneva")
    await page.get_by_role("button", name="Save").click()

    remote = page.get_by_label("Remote participation link")
    await page.locator(".field-error-message").first.wait_for()
    assert await remote.get_attribute("aria-invalid") == "true"
    assert (
        "An address starting with https:// or http://."
        in await page.locator(".field-error-message").first.inner_text()
    )
    assert await page.get_by_label("Webcast link").input_value() == WEBCAST  # kept as typed
    assert await axe_violations(page) == [], describe(await axe_violations(page))

    await remote.fill(REMOTE)
    await page.get_by_role("button", name="Save").click()
    await page.wait_for_url("**done=saved**")
    row = (
        await Meeting.select(
            Meeting.mode, Meeting.capacity_online, Meeting.webcast_url, Meeting.remote_url
        )
        .where(Meeting.slug == "idm-geneva")
        .first()
    )
    assert row == {
        "mode": "hybrid",
        "capacity_online": 20,
        "webcast_url": WEBCAST,
        "remote_url": REMOTE,
    }

    await page.goto("/meetings/idm-geneva")
    html = await page.content()
    assert WEBCAST in html and REMOTE not in html
