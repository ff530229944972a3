"""The language switch in Chromium: the reader clicks "Français", follows links, and stays in French."""


async def test_french_picked_once_stays_on_the_next_pages(page, demo):
    await page.goto("/")
    assert await page.locator("html").get_attribute("lang") == "en"
    await page.get_by_role("link", name="Français").click()
    await page.wait_for_url("**/?lang=fr")
    assert await page.locator("html").get_attribute("lang") == "fr"
    await page.locator('main a[href="/meetings/idm-geneva"]').first.click()
    await page.wait_for_url("**/meetings/idm-geneva")
    assert "?lang" not in page.url
    assert await page.locator("html").get_attribute("lang") == "fr"
    assert await page.get_by_role("link", name="English").is_visible()
    await page.get_by_role("link", name="English").click()
    assert await page.locator("html").get_attribute("lang") == "en"
