"""In Chromium: a participant finds the honorifics suggested in their language on the registration
form and registers with one; axe-core on the form."""

from __future__ import annotations

from idmevents.registrations.tables import Registration
from tests.support.axe import axe_violations, describe


async def no_violations(page) -> None:
    violations = await axe_violations(page)
    assert violations == [], describe(violations)


async def test_the_registration_form_suggests_honorifics(page, demo):
    await page.goto("/meetings/idm-new-york/register?lang=fr")
    field = page.get_by_label("Titre honorifique")
    assert await field.get_attribute("list") == "honorific-suggestions"
    suggestions = await page.locator("#honorific-suggestions option").evaluate_all(
        "options => options.map(option => option.value)"
    )
    assert {"S.E.", "M.", "Mme"} <= set(suggestions)
    await no_violations(page)
    await field.fill("S.E.")
    await page.get_by_label("Prénom", exact=True).fill("Jean")
    await page.get_by_label("Nom de famille", exact=True).fill("Dupont")
    await page.get_by_label("Adresse électronique", exact=True).fill("jean.dupont@example.org")
    await page.get_by_label("Organisation", exact=True).fill("Mission permanente de la France")
    await page.get_by_label("État membre", exact=True).check()
    await page.get_by_label("Pays", exact=True).select_option("FR")
    await page.locator("#field-consent").check()
    await page.get_by_role("button", name="S'inscrire").click()
    await page.wait_for_url("**/register/sent**")
    row = await Registration.select(Registration.honorific, Registration.given_name).first()
    assert row == {"honorific": "S.E.", "given_name": "Jean"}
