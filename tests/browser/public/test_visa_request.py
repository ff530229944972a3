"""A participant asks for a visa invitation letter in Chromium: from their private page, a
mistake shown beside its field, then the request sent, then the approved letter to download;
axe-core finds nothing at each step."""

from idmevents.audit import SYSTEM
from idmevents.delegations import visa_requests
from idmevents.registrations import services as registrations
from tests.browser.public.test_nomination import no_violations
from tests.factories.meetings import NOW, make_meeting
from tests.factories.registrations import form


async def test_participant_asks_for_a_visa_letter_and_downloads_it(page, live_server):
    meeting = await make_meeting()
    registration = (
        await registrations.register(meeting, form(1, given_name="Ana"), now=NOW)
    ).registration
    await page.goto(f"/r/{registration['token']}")
    await page.get_by_role(
        "link", name="Ask for a visa invitation letter, or download yours"
    ).click()
    await page.get_by_role("heading", name="Visa invitation letter", exact=True).wait_for()
    await no_violations(page)

    await page.get_by_label("Full name as in the passport").fill("ANA PERSON")
    await page.get_by_label("Nationality").select_option("PE")
    await page.get_by_label("Date of birth").fill("1984-02-29")
    await page.get_by_label("Passport number").fill("PE1234567")
    await page.get_by_label("Passport valid until").fill("2031-06-30")
    await page.get_by_label("Arrival").fill("2027-03-01")  # weeks too early
    await page.get_by_role("button", name="Ask for the letter").click()
    await page.get_by_role("heading", name="There is a problem").wait_for()
    await no_violations(page)

    await page.get_by_label("Arrival").fill("2027-04-19")
    await page.get_by_role("button", name="Ask for the letter").click()
    await page.get_by_text("Your request is sent.").wait_for()
    await no_violations(page)

    await visa_requests.approve(registration["id"], by=SYSTEM, now=NOW)
    await page.reload()
    link = page.get_by_role("link", name="Download the letter (PDF)")
    await link.wait_for()
    assert await link.get_attribute("href") == f"/r/{registration['token']}/visa-letter.pdf"
    await no_violations(page)
