"""An invited person in Chromium: the invitation's link fills in the form and locks the address;
registering in an invitation-only category without it shows why it is refused. Axe-clean."""

import json

from idmevents.audit import SYSTEM
from idmevents.meetings.tables import Meeting
from idmevents.registrations import services as registrations
from idmevents.registrations.tables import Registration
from tests.factories.meetings import NOW, make_meeting
from tests.support.axe import axe_violations, describe


async def no_violations(page) -> None:
    violations = await axe_violations(page)
    assert violations == [], describe(violations)


async def media_by_invitation() -> dict:
    meeting = await make_meeting(capacity=20, opens_at=None, closes_at=None)
    await Meeting.update({Meeting.invitation_categories: json.dumps(["media"])}).where(
        Meeting.id == meeting["id"]
    )
    return await Meeting.select().where(Meeting.id == meeting["id"]).first()


async def test_invited_person_registers_with_the_address_locked(page, live_server):
    meeting = await media_by_invitation()
    [invitation] = await registrations.invite(
        meeting,
        [{"email": "paz@news.example.org", "given_name": "Paz", "family_name": "Prensa"}],
        category="media",
        language="en",
        by=SYSTEM,
        now=NOW,
    )
    await page.goto(f"/meetings/test-meeting/register?invitation={invitation['token']}")
    email = page.get_by_label("Email address", exact=True)
    assert await email.input_value() == "paz@news.example.org"
    assert await email.get_attribute("readonly") is not None
    assert await page.get_by_label("Media (by invitation only)").is_checked()
    assert await page.get_by_label("Given name", exact=True).input_value() == "Paz"
    await no_violations(page)
    await page.get_by_label("Organization", exact=True).fill("Daily News")
    await page.get_by_label("I agree that the IDM Secretariat keeps the details").check()
    await page.get_by_role("button", name="Register").click()
    await page.wait_for_url("**/register/sent")
    [row] = await Registration.select(Registration.email, Registration.category)
    assert row == {"email": "paz@news.example.org", "category": "media"}


async def test_without_an_invitation_the_form_says_why(page, live_server):
    await media_by_invitation()
    await page.goto("/meetings/test-meeting/register")
    await page.get_by_label("Given name", exact=True).fill("Eve")
    await page.get_by_label("Family name", exact=True).fill("Uninvited")
    await page.get_by_label("Email address", exact=True).fill("eve@example.org")
    await page.get_by_label("Organization", exact=True).fill("Blog")
    await page.get_by_label("Media (by invitation only)").check()
    await page.get_by_label("I agree that the IDM Secretariat keeps the details").check()
    await page.get_by_role("button", name="Register").click()
    await page.get_by_text("Registration as “Media” is by invitation only.").wait_for()
    await no_violations(page)
    assert await Registration.count() == 0
