"""Subscribing from the meeting and panelist pages in Chromium: the links, a download, axe-core."""

import asyncio
from pathlib import Path
from urllib.parse import quote

from icalendar import Calendar

from tests.support.axe import axe_violations, describe


async def test_meeting_page_subscribe_links_point_at_the_feed(page, demo, live_server):
    await page.goto("/meetings/idm-new-york")
    feed = f"{live_server.url}/meetings/idm-new-york/agenda.ics"
    webcal = "webcal://" + feed.removeprefix("http://")
    title = "International Dialogue on Migration 2017 — First workshop, New York"
    block = page.locator("section.subscribe")
    hrefs = {
        name: await block.get_by_role("link", name=name, exact=True).get_attribute("href")
        for name in (
            "Subscribe in your calendar app",
            "Add to Google Calendar",
            "Add to Outlook.com",
            "Add to Outlook (Microsoft 365)",
            "Download (.ics)",
        )
    }
    outlook_query = f"url={quote(feed, safe='')}&name={quote(title, safe='')}"
    assert hrefs == {
        "Subscribe in your calendar app": webcal,
        "Add to Google Calendar": (
            f"https://calendar.google.com/calendar/render?cid={quote(webcal, safe='')}"
        ),
        "Add to Outlook.com": f"https://outlook.live.com/calendar/0/addfromweb?{outlook_query}",
        "Add to Outlook (Microsoft 365)": (
            f"https://outlook.office.com/calendar/0/addfromweb?{outlook_query}"
        ),
        "Download (.ics)": feed,
    }
    address = page.get_by_label("Or paste this address")
    assert await address.input_value() == feed


async def test_download_link_saves_the_calendar(page, demo):
    await page.goto("/meetings/idm-geneva")
    async with page.expect_download() as info:
        await page.get_by_role("link", name="Download (.ics)").click()
    download = await info.value
    data = await asyncio.to_thread(Path(await download.path()).read_bytes)
    calendar = Calendar.from_ical(data)
    assert (download.suggested_filename, len(calendar.walk("VEVENT"))) == ("idm-geneva.ics", 7)


async def test_meeting_page_with_subscribe_block_has_no_accessibility_violations(page, demo):
    await page.goto("/meetings/idm-new-york")
    violations = await axe_violations(page)
    assert violations == [], describe(violations)


async def test_panelist_page_has_no_accessibility_violations(page, demo):
    await page.goto("/panelists/louise-arbour")
    assert "EDT" in await page.locator(".panelist-meeting").first.inner_text()
    violations = await axe_violations(page)
    assert violations == [], describe(violations)
