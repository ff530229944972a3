"""The badge page in Chromium: the QR code on screen decodes to the check-in code, it prints on a
page of the badge's size, and axe-core finds nothing."""

from io import BytesIO

import pytest
import zxingcpp
from PIL import Image
from pypdf import PdfReader

from idmevents.badges import codes
from idmevents.registrations.tables import Registration
from tests.factories.badges import add_registration, meeting
from tests.support.axe import axe_violations, describe

KEY = "test-secret-key-not-for-production"


async def expected_code(person: dict) -> str:
    row = await Registration.select(Registration.checkin_id, Registration.meeting).where(
        Registration.id == person["id"]
    )
    return codes.make_code(row[0]["checkin_id"], row[0]["meeting"], KEY)


@pytest.mark.parametrize("size", ["4x3", "a6"])
async def test_badge_qr_code_decodes_to_the_check_in_code(page, demo, size):
    person = await add_registration(
        await meeting(), given_name="Louise", family_name="Arbour", organization="United Nations"
    )
    await page.goto(f"/r/{person['token']}/badge?size={size}")
    badge = page.locator(".badge-card")
    assert await badge.get_attribute("aria-label") == "Badge of Louise Arbour"

    screenshot = await badge.screenshot()
    decoded = zxingcpp.read_barcodes(Image.open(BytesIO(screenshot)))

    assert [(result.text, result.format.name) for result in decoded] == [
        (await expected_code(person), "QRCode")
    ]


# Millimetres, rounded: Chromium sizes pages in whole pixels. 4 × 3 in is 101.6 × 76.2 mm.
@pytest.mark.parametrize(("size", "width", "height"), [("4x3", 102, 76), ("a6", 105, 148)])
async def test_badge_prints_alone_on_a_page_of_its_size(page, demo, size, width, height):
    person = await add_registration(await meeting(), family_name="Printable")
    await page.goto(f"/r/{person['token']}/badge?size={size}")
    pdf = await page.pdf(prefer_css_page_size=True, print_background=True)
    pages = PdfReader(BytesIO(pdf)).pages
    assert len(pages) == 1
    box = pages[0].mediabox
    millimetres = [round(float(length) * 25.4 / 72) for length in (box.width, box.height)]
    assert millimetres == [width, height]
    text = pages[0].extract_text()
    assert "Printable" in text and "Your badge" not in text  # the page around it does not print


async def test_print_button_appears_with_javascript(page, demo):
    person = await add_registration(await meeting())
    await page.goto(f"/r/{person['token']}/badge")
    assert await page.get_by_role("button", name="Print the badge").is_visible()


@pytest.mark.parametrize("status", ["confirmed", "pending"])
async def test_badge_page_has_no_accessibility_violations(page, demo, status):
    person = await add_registration(await meeting(), status=status)
    await page.goto(f"/r/{person['token']}/badge")
    violations = await axe_violations(page)
    assert violations == [], describe(violations)


async def test_badge_page_fits_a_phone(page, demo):
    person = await add_registration(await meeting())
    await page.set_viewport_size({"width": 375, "height": 800})
    await page.goto(f"/r/{person['token']}/badge?size=a6")
    overflow = await page.evaluate("document.documentElement.scrollWidth > window.innerWidth")
    assert overflow is False
