"""Chromium through Playwright's async API, on Debian's /usr/bin/chromium (never a downloaded one).

Every test under tests/browser/ is marked `browser`; axe-core's check is in tests/support/axe.py.
"""

from __future__ import annotations

import pytest

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def pytest_collection_modifyitems(items):
    for item in items:
        if "tests/browser/" in str(item.path):
            item.add_marker(pytest.mark.browser)


@pytest.fixture(scope="session")
async def browser():
    from playwright.async_api import async_playwright

    async with async_playwright() as playwright:
        chromium = await playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        await chromium.close()


@pytest.fixture
async def page(browser, live_server):
    context = await browser.new_context(
        base_url=live_server.url, viewport={"width": 1280, "height": 900}
    )
    page = await context.new_page()
    yield page
    await context.close()
