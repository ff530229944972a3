"""Registering in Chromium: a mistake, its error beside the field, the fix, the emailed link, cancel."""

import asyncio
import email
import email.policy
import re
import subprocess
import sys

from idmevents.mail.tables import OutboxMessage
from idmevents.registrations.tables import Registration
from tests.support.axe import axe_violations, describe


async def no_violations(page) -> None:
    violations = await axe_violations(page)
    assert violations == [], describe(violations)


# What the site's outbox worker does before sending: write the emails queued as recipes.
WRITE_EMAILS = (
    "import asyncio; from idmevents import wiring; from idmevents.mail import recipes; "
    "wiring.register_mail_renderers(); asyncio.run(recipes.render_waiting())"
)


async def emailed_link(kind: str, server) -> str:
    """The private link in the newest email of that kind, read from the outbox row once a process
    with the live server's settings (its address above all) has written it, as its worker would."""
    await asyncio.to_thread(
        subprocess.run, [sys.executable, "-c", WRITE_EMAILS], env=server.env, check=True, timeout=60
    )
    row = (
        await OutboxMessage.select()
        .where(OutboxMessage.kind == kind)
        .order_by(OutboxMessage.id, ascending=False)
        .first()
    )
    message = email.message_from_string(row["raw"], policy=email.policy.default)
    text = message.get_body(("plain",)).get_content()
    return re.search(r"https?://\S+/r/[A-Za-z0-9_-]{43}", text).group(0)


async def test_register_fix_a_mistake_follow_the_email_and_cancel(page, demo, live_server):
    await page.goto("/meetings/idm-new-york")
    await page.get_by_role("link", name="Register", exact=True).click()
    await page.wait_for_url("**/meetings/idm-new-york/register")
    await no_violations(page)

    await page.get_by_label("Given name", exact=True).fill("Ana")
    await page.get_by_label("Family name", exact=True).fill("Rojas")
    await page.get_by_label("Email address", exact=True).fill("ana.rojas@")
    await page.get_by_label("Organization", exact=True).fill("Permanent Mission of Chile")
    await page.get_by_label("Member State", exact=True).check()
    await page.get_by_label("Country", exact=True).select_option("CL")
    await page.get_by_role("checkbox", name=re.compile("Opening session")).check()
    await page.get_by_label("I agree that the IDM Secretariat keeps the details").check()
    await page.get_by_role("button", name="Register").click()

    email_field = page.get_by_label("Email address", exact=True)
    assert await page.locator("#email-error").text_content() == (
        "Error: Enter an email address in the form name@example.org."
    )
    assert await email_field.get_attribute("aria-invalid") == "true"
    assert await email_field.get_attribute("aria-describedby") == "email-hint email-error"
    assert await email_field.input_value() == "ana.rojas@"
    assert await page.get_by_label("Family name", exact=True).input_value() == "Rojas"
    assert await page.get_by_role("checkbox", name=re.compile("Opening session")).is_checked()
    assert await page.get_by_label("Country", exact=True).input_value() == "CL"
    await no_violations(page)
    # The summary's link takes the reader to the field.
    await page.get_by_role("link", name="Enter an email address in the form").click()
    assert await page.evaluate("location.hash") == "#field-email"

    await email_field.fill("ana.rojas@example.org")
    await page.get_by_role("button", name="Register").click()
    # The same page whether the address was new or registered already: the link goes by email.
    await page.wait_for_url("**/register/sent")
    assert await page.get_by_role("heading", level=1).inner_text() == "Check your email"
    await no_violations(page)

    link = await emailed_link("registration-confirmed", live_server)
    await page.goto(link)
    assert await page.get_by_role("heading", level=1).inner_text() == (
        "International Dialogue on Migration 2017 — First workshop, New York"
    )
    assert await page.locator("#status-heading").inner_text() == "Status: Confirmed"
    assert await page.get_by_role("checkbox", name=re.compile("Opening session")).is_checked()
    await no_violations(page)

    await page.get_by_role("link", name="Cancel my registration").click()
    await page.wait_for_url("**/cancel")
    assert await page.get_by_role("heading", level=1).inner_text() == "Cancel your registration?"
    await no_violations(page)
    assert (await Registration.select().first())["status"] == "confirmed"
    await page.get_by_role("button", name="Yes, cancel my registration").click()
    await page.wait_for_url("**?done=cancelled")
    assert await page.locator("#status-heading").inner_text() == "Status: Cancelled"
    assert (await Registration.select().first())["status"] == "cancelled"
    await no_violations(page)


async def test_waiting_list_and_details_pages_have_no_accessibility_violations(page, demo):
    await page.goto("/meetings/idm-geneva/register")
    await page.get_by_label("Given name", exact=True).fill("Jean")
    await page.get_by_label("Family name", exact=True).fill("Dupont")
    await page.get_by_label("Email address", exact=True).fill("jean.dupont@example.org")
    await page.get_by_label("Organization", exact=True).fill("Université de Genève")
    await page.get_by_label("Academia", exact=True).check()
    await page.get_by_label("Language for emails", exact=True).select_option("fr")
    await page.get_by_label("I agree that the IDM Secretariat keeps the details").check()
    await page.get_by_role("button", name="Register").click()
    await page.wait_for_url("**/register/sent")
    await page.goto(f"/r/{(await Registration.select(Registration.token).first())['token']}")
    # Jean chose French: his pages are in French from here on, whatever the browser says.
    assert await page.locator("html").get_attribute("lang") == "fr"
    await page.get_by_role("link", name="Modifier mes informations").click()
    await page.get_by_label("Nom de famille", exact=True).fill("")
    await page.get_by_role("button", name="Enregistrer mes informations").click()
    assert await page.locator("#family_name-error").is_visible()
    await no_violations(page)
    await page.get_by_label("Nom de famille", exact=True).fill("Dupont-Martin")
    await page.get_by_role("button", name="Enregistrer mes informations").click()
    await page.wait_for_url("**?done=details")
    assert "Vos informations sont enregistrées." in await page.locator(".notice-ok").inner_text()
    await no_violations(page)
