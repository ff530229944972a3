"""Ready for right to left: a throwaway Arabic catalog (never shipped) served through
IDMEVENTS_EXTRA_LOCALE_DIR; the pages say dir="rtl", mirror, and axe-core finds nothing."""

import pytest
from babel.messages.catalog import Catalog
from babel.messages.pofile import write_po

from tests.support.axe import axe_violations, describe
from tests.support.live_server import LiveServer

ARABIC = {
    "International Dialogue on Migration": "الحوار الدولي بشأن الهجرة",
    "Meetings": "الاجتماعات",
    "Skip to content": "انتقل إلى المحتوى",
    "Main": "القائمة الرئيسية",
    "Language": "اللغة",
    "IDM events": "فعاليات الحوار",
}


@pytest.fixture(scope="module")
def arabic_server(tmp_path_factory):
    directory = tmp_path_factory.mktemp("locales")
    catalog = Catalog(locale="ar")
    for source, translation in ARABIC.items():
        catalog.add(source, translation)
    (directory / "ar" / "LC_MESSAGES").mkdir(parents=True)
    with (directory / "ar" / "LC_MESSAGES" / "messages.po").open("wb") as handle:
        write_po(handle, catalog)
    server = LiveServer(env={"IDMEVENTS_EXTRA_LOCALE_DIR": str(directory)}).start()
    yield server
    server.stop()


@pytest.mark.parametrize("path", ["/", "/meetings/idm-geneva"])
async def test_arabic_page_is_right_to_left_and_accessible(browser, arabic_server, demo, path):
    context = await browser.new_context(base_url=arabic_server.url)
    page = await context.new_page()
    try:
        response = await page.goto(f"{path}?lang=ar")
        assert response.status == 200
        html = page.locator("html")
        assert (await html.get_attribute("lang"), await html.get_attribute("dir")) == ("ar", "rtl")
        assert await page.locator(".skip-link").inner_text() == "انتقل إلى المحتوى"
        # Mirrored: the brand, first in the header, now sits at its right.
        box = await page.locator(".brand").bounding_box()
        width = await page.evaluate("document.documentElement.clientWidth")
        assert box["x"] + box["width"] > width / 2
        # Not shipped: the switch still offers only English, French and Spanish.
        assert await page.locator(".language-switch a").count() == 3
        violations = await axe_violations(page)
        assert violations == [], describe(violations)
    finally:
        await context.close()
