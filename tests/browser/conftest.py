"""Chromium through Playwright's async API, on Debian's /usr/bin/chromium (never a downloaded one)."""

from __future__ import annotations

import json
from pathlib import Path

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
AXE = Path(__file__).resolve().parents[2] / "node_modules" / "axe-core" / "axe.min.js"


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


async def axe_violations(page) -> list[dict]:
    """axe-core's violations on the page as it is now, each reduced to what a reader needs."""
    await page.add_script_tag(path=str(AXE))
    result = await page.evaluate(
        "async () => await axe.run(document, {resultTypes: ['violations']})"
    )
    return [
        {
            "id": violation["id"],
            "help": violation["help"],
            "targets": [node["target"] for node in violation["nodes"]],
        }
        for violation in result["violations"]
    ]


def describe(violations: list[dict]) -> str:
    return json.dumps(violations, indent=2)
