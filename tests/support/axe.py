"""axe-core's accessibility check on a page in Chromium, and its findings as a reader needs them."""

from __future__ import annotations

import json

from tests.support.environment import ROOT

AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"


async def axe_violations(page) -> list[dict]:
    """axe-core's violations on the page as it is now, each reduced to what a reader needs."""
    # Evaluated through the DevTools protocol, not added as a <script>: the pages' Content
    # Security Policy (scripts from the site only) rightly refuses an injected inline script.
    await page.evaluate(AXE.read_text(encoding="utf-8"))
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
