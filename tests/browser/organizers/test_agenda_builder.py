"""The agenda builder in Chromium: a clash seen and fixed, publishing, a retimed session announced."""

import secrets
from datetime import UTC, datetime

from idmevents.jobs.worker import run_one
from idmevents.mail.send import SmtpSender
from idmevents.mail.tables import OutboxMessage
from idmevents.mail.worker import deliver_due
from idmevents.meetings.tables import Meeting, MeetingSession, Room
from idmevents.registrations.tables import Registration
from tests.support.axe import axe_violations, describe


async def sign_in(page, make_user) -> None:
    user, password = await make_user("organizer", display_name="Olga Organizer")
    await page.goto("/admin/login")
    await page.get_by_label("Email").fill(user["email"])
    await page.get_by_label("Password").fill(password)
    await page.get_by_role("button", name="Sign in").click()
    await page.wait_for_url("**/admin/**")


async def geneva_as_draft_with_a_participant() -> dict:
    meeting = await Meeting.select().where(Meeting.slug == "idm-geneva").first()
    await Meeting.update({Meeting.status: "draft"}).where(Meeting.id == meeting["id"])
    await Registration.insert(
        Registration(
            meeting=meeting["id"],
            token=secrets.token_urlsafe(16),
            feed_token=secrets.token_urlsafe(16),
            given_name="Ana",
            family_name="Tester",
            email="ana@example.org",
            email_key="ana@example.org",
            category="member-state",
            status="confirmed",
            language="en",
        )
    )
    return meeting


async def test_organizer_fixes_a_clash_publishes_retimes_and_notifies(
    page, demo, make_user, smtp_server
):
    meeting = await geneva_as_draft_with_a_participant()
    room = await Room.select().where(Room.meeting == meeting["id"]).order_by(Room.id).first()
    await sign_in(page, make_user)

    await page.goto("/admin/meetings/idm-geneva")
    form = page.locator("#add-session")
    await form.get_by_label("Title").fill("Press briefing")
    await form.get_by_label("Day").fill(meeting["starts_on"].isoformat())
    await form.get_by_label("Starts (local time)").fill("10:00")
    await form.get_by_label("Ends (local time)").fill("10:45")
    await form.get_by_label("Room").select_option(label=room["name"])
    await form.get_by_role("button", name="Add session").click()
    await page.wait_for_url("**done=session-added**")

    warning = page.locator("section.clashes")
    await warning.wait_for()
    text = await warning.inner_text()
    assert f"{room['name']} holds two sessions at once" in text
    assert "Press briefing" in text

    await warning.get_by_role("link", name="Edit “Press briefing”").click()
    await page.get_by_label("Starts (local time)").fill("19:00")
    await page.get_by_label("Ends (local time)").fill("19:45")
    await page.get_by_role("button", name="Save session").click()
    await page.wait_for_url("**done=session-saved**")
    assert await page.locator("section.clashes").count() == 0

    await page.get_by_role("button", name="Publish").click()
    await page.wait_for_url("**done=published**")
    assert (await Meeting.select(Meeting.status).where(Meeting.id == meeting["id"]).first())[
        "status"
    ] == "published"

    panel = (
        await MeetingSession.select()
        .where(MeetingSession.meeting == meeting["id"])
        .where(MeetingSession.kind == "panel")
        .order_by(MeetingSession.starts_at)
        .first()
    )
    await page.get_by_role("link", name=f"Edit {panel['title']}").click()
    await page.get_by_label("Starts (local time)").fill("16:30")
    await page.get_by_label("Ends (local time)").fill("17:45")
    await page.get_by_role("button", name="Save session").click()
    await page.wait_for_url("**done=session-saved**")
    assert "not yet announced" in await page.locator("#pending-note").inner_text()

    # The preview first: who is told, and the email in each language; then send.
    await page.get_by_role("link", name="Notify participants").click()
    await page.get_by_role("button", name="Send 1 email").click()
    # Notifying is a job: its page follows it while a worker queues the emails (here the test's
    # own pass, as the tests' server runs no embedded worker); the page sees it finish.
    await page.wait_for_url("**/jobs/**")
    assert await run_one(now=datetime.now(UTC))
    await page.locator("#job-status", has_text="Done").wait_for(timeout=30_000)
    assert "1 / 1" in await page.locator("#job-count").inner_text()

    rows = await OutboxMessage.select().where(OutboxMessage.kind == "agenda-changed")
    assert [r["to_address"] for r in rows] == ["ana@example.org"]
    # The outbox worker's one pass, to a real SMTP server: the participant's email arrives.
    await deliver_due(SmtpSender(smtp_server.url))
    assert [m["To"].addresses[0].addr_spec for m in smtp_server.messages] == ["ana@example.org"]
    message = smtp_server.messages[0]
    body = message.get_body(("plain",)).get_content()
    calendar = next(
        p for p in message.iter_attachments() if p.get_content_type() == "text/calendar"
    )
    assert f"UID:{panel['uid']}" in calendar.get_content()
    assert f"“{panel['title']}” moved from" in body
    assert "to " in body and "16:30–17:45 CEST" in body
    assert "Press briefing" not in body  # added before publishing: not news

    public = await page.goto("/meetings/idm-geneva")
    assert public.status == 200
    assert "16:30–17:45 CEST" in await page.locator(".agenda-changes").inner_text()


async def test_builder_pages_pass_axe(page, demo, make_user):
    meeting = await Meeting.select().where(Meeting.slug == "idm-new-york").first()
    session = await MeetingSession.select().where(MeetingSession.meeting == meeting["id"]).first()
    await sign_in(page, make_user)
    # The pages with their own layout; the other forms are built from the same field macros.
    pages = [
        "/admin/meetings/",
        "/admin/meetings/idm-new-york",
        "/admin/meetings/idm-new-york/edit",
        "/admin/meetings/idm-new-york/cancel",
        f"/admin/sessions/{session['id']}",
        "/admin/panelists/",
    ]
    for url in pages:
        await page.goto(url)
        violations = await axe_violations(page)
        assert violations == [], f"{url}: {describe(violations)}"
    # A form shown again with errors beside its fields.
    await page.goto("/admin/meetings/new")
    await page.get_by_role("button", name="Create meeting").click()
    assert await page.locator(".field-error-message").count() >= 4
    violations = await axe_violations(page)
    assert violations == [], describe(violations)


async def test_a_new_meeting_takes_its_address_from_its_title_and_its_zone_by_city(page, make_user):
    """The web address follows the title until the organizer writes their own; the time zone
    is picked from cities grouped by region; the form passes axe and creates the meeting."""
    await sign_in(page, make_user)
    await page.goto("/admin/meetings/new")
    title, address = page.locator("#title"), page.locator("#slug")
    await title.fill("Migration et développement durable")
    assert await address.input_value() == "migration-et-developpement-durable"
    await title.fill("Migration et développement durable à Bangkok")
    assert await address.input_value() == "migration-et-developpement-durable-a-bangkok"
    await address.fill("bangkok-2027")
    await title.fill("Migration and sustainable development, Bangkok")
    assert await address.input_value() == "bangkok-2027"  # the organizer's own stays

    zone = page.locator("#timezone")
    group = await zone.locator("option[value='Asia/Bangkok']").evaluate(
        "option => option.parentElement.label"
    )
    assert group == "Asia"
    await zone.select_option("Asia/Bangkok")
    assert await zone.locator("option:checked").inner_text() == "Bangkok (UTC+7) · Asia/Bangkok"
    assert await axe_violations(page) == [], describe(await axe_violations(page))

    await page.get_by_label("First day").fill("2027-11-08")
    await page.get_by_label("Last day").fill("2027-11-09")
    await page.get_by_role("button", name="Create meeting").click()
    await page.wait_for_url("**/admin/meetings/bangkok-2027?done=created**")
    created = await Meeting.select().where(Meeting.slug == "bangkok-2027").first()
    assert created["timezone"] == "Asia/Bangkok"
    # Rooms come first on the builder: sessions need them.
    headings = await page.locator("h2").all_inner_texts()
    assert headings.index("Rooms") < headings.index("Add a session")
