"""Every public and organizer page, at a phone's width (390 px) and a laptop's (1,280 px): the page
is never wider than the screen, and at 1,280 px no table scrolls inside its wrapper either.

The pages are listed from the app's own routes (every HTML GET route but the OpenAPI viewers), so
a new page is measured without editing this file. Screenshots go to tests/artefacts/widths/.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

from idmevents.audit import SYSTEM
from idmevents.auth.reset import issue_link
from idmevents.delegations import services as delegations
from idmevents.delegations import visa_letters
from idmevents.jobs.tables import Job
from idmevents.mail.tables import OutboxMessage
from idmevents.meetings.tables import Meeting, MeetingSession, Panelist
from idmevents.registrations.tables import Registration
from tests.browser.organizers.test_admin_auth import sign_in
from tests.factories.delegations import make_delegation, nominee
from tests.factories.registrations import desk_meeting

ARTEFACTS = Path(__file__).resolve().parents[2] / "artefacts" / "widths"
WIDTHS = (390, 1280)
SKIPPED_PREFIXES = ("/api/", "/schema", "/static/", "/health")
PARAMETER = re.compile(r"\{(\w+):\w+\}")
UNSAFE = re.compile(r"[^\w.-]+")


def html_page_routes() -> list[str]:
    from idmevents.app import create_app

    paths = set()
    for route in create_app().routes:
        # Files (.csv, .ics, .json, .xml, a job's download, a list as CSV) are not pages.
        last = route.path.rsplit("/", 1)[1]
        if route.path.startswith(SKIPPED_PREFIXES) or "." in last or last in ("download", "csv"):
            continue
        for handler in getattr(route, "route_handlers", []):
            if "GET" in (handler.http_methods or ()) and str(handler.media_type) in (
                "",
                "text/html",
            ):
                paths.add(route.path)
    return sorted(paths)


async def values_for_parameters(admin: dict) -> dict[str, list[str]]:
    """What to put in each path parameter: rows of the demo and of the desk's meeting."""
    session = await MeetingSession.select(MeetingSession.id).first()
    panelist = await Panelist.select(Panelist.id, Panelist.slug).first()
    registration = await Registration.select(Registration.id, Registration.token).first()
    message = await OutboxMessage.select(OutboxMessage.id).first()
    secret = await issue_link(
        admin, kind="password-reset", lifetime=timedelta(hours=1), now=datetime.now(UTC)
    )
    # A delegation with one delegate (its focal point's pages) and a finished job, of New York.
    new_york = await Meeting.select().where(Meeting.slug == "idm-new-york").first()
    delegation = await make_delegation(new_york, "CH", quota=2)
    nominated = await delegations.nominate(delegation, nominee(1), by=SYSTEM, now=datetime.now(UTC))
    letter = await visa_letters.issue(
        nominated.registration["id"], by=SYSTEM, now=datetime.now(UTC)
    )
    job = (
        await Job.insert(
            Job(kind="registrations-csv", meeting=new_york["id"], status="done", done=1, total=1)
        ).returning(Job.id)
    )[0]
    return {
        "job_slug": ["idm-new-york"],
        "job_id": [str(job["id"])],
        "nomination_token": [delegation["token"]],
        "delegate_id": [str(nominated.registration["id"])],
        "code": [letter["code"]],
        "slug": ["idm-new-york", "desk-meeting"],
        "panelist_slug": [panelist["slug"]],
        "session_id": [str(session["id"])],
        "panelist_id": [str(panelist["id"])],
        "registration_id": [str(registration["id"])],
        "outbox_id": [str(message["id"])],
        "token": [registration["token"]],
        "reset_token": [secret],
    }


def fill(path: str, values: dict[str, list[str]]) -> list[str]:
    names = PARAMETER.findall(path)
    if path.startswith("/panelists/"):
        names = ["panelist_slug" if name == "slug" else name for name in names]
    if path.startswith("/admin/password-reset/"):
        names = ["reset_token"]
    if "{job_id" in path:  # a job belongs to one meeting
        names = ["job_slug" if name == "slug" else name for name in names]
    if path.startswith("/d/"):  # a focal point's pages: their link and their delegates
        renamed = {"token": "nomination_token", "registration_id": "delegate_id"}
        names = [renamed.get(name, name) for name in names]
    missing = [name for name in names if name not in values]
    assert not missing, f"no value for {missing} in {path}: add one to values_for_parameters"
    filled = [path]
    for original, name in zip(PARAMETER.findall(path), names, strict=True):
        filled = [
            url.replace("{" + original + ":", "{", 1).replace("{" + original + "}", "", 1)
            for url in filled
        ]
        filled = [
            re.sub(r"\{\w+\}", value, url, count=1) for url in filled for value in values[name]
        ]
    return filled


async def measure(page) -> dict:
    return await page.evaluate(
        """() => ({
            page: document.documentElement.scrollWidth,
            viewport: window.innerWidth,
            // The outermost elements reaching past the screen's right edge: what to fix.
            past: [...document.querySelectorAll('body *')]
                .filter(e => e.getBoundingClientRect().right > window.innerWidth + 1
                             && e.parentElement.getBoundingClientRect().right
                                <= window.innerWidth + 1)
                .slice(0, 5)
                .map(e => e.tagName.toLowerCase() + (e.className ? '.' + e.className : '')
                          + (e.id ? '#' + e.id : '')),
            scrolling: [...document.querySelectorAll('.table-scroll, table')]
                .filter(e => e.scrollWidth > e.clientWidth + 1)
                .map(e => (e.getAttribute('aria-label') || e.querySelector('caption')?.innerText
                          || e.className || e.tagName).slice(0, 60)),
        })"""
    )


async def test_no_page_is_wider_than_the_screen(browser, live_server, demo, make_user):
    await desk_meeting()
    # Failed messages: the outbox shows its widest rows, with "Send again" buttons.
    await OutboxMessage.update(
        {OutboxMessage.status: "failed", OutboxMessage.last_error: "550 mailbox unavailable"}
    ).where(OutboxMessage.id > 0)
    admin, password = await make_user("admin", display_name="Ada Admin")
    values = await values_for_parameters(admin)
    urls = [url for path in html_page_routes() for url in fill(path, values)]
    assert "/admin/outbox" in urls and "/meetings/idm-new-york" in urls

    ARTEFACTS.mkdir(parents=True, exist_ok=True)
    too_wide = []
    for width in WIDTHS:
        context = await browser.new_context(
            base_url=live_server.url, viewport={"width": width, "height": 900}
        )
        page = await context.new_page()
        await sign_in(page, admin["email"], password)
        await page.wait_for_url("**/admin")
        for url in urls:
            response = await page.goto(url)
            assert response is not None and response.status < 400, (url, response)
            sizes = await measure(page)
            name = ARTEFACTS / f"{width}{UNSAFE.sub('_', url)}.png"
            await page.screenshot(path=str(name), full_page=True)
            print(name.relative_to(ARTEFACTS.parents[1]))
            if sizes["page"] > sizes["viewport"]:
                too_wide.append(f"{url} at {width}px: page {sizes['page']}px wide: {sizes['past']}")
            if width > 1000 and sizes["scrolling"]:
                too_wide.append(f"{url} at {width}px: {sizes['scrolling']} scroll sideways")
        await context.close()
    assert not too_wide, "\n".join(too_wide)
