"""The registration form in Chromium: picking a government category hides the territories that
are not States (country-choices.js), and picking another category shows them again."""


async def test_member_state_category_offers_only_states(page, demo):
    await page.goto("/meetings/idm-new-york/register")
    country = page.locator("#field-country")
    await country.select_option("TW")
    await page.get_by_role("radio", name="Member State").check()
    assert await country.input_value() == ""
    others = page.locator("optgroup[data-territories]")
    assert await others.evaluate("group => group.disabled && group.hidden") is True
    await page.get_by_role("radio", name="Civil society").check()
    assert await others.evaluate("group => group.disabled || group.hidden") is False
    await country.select_option("TW")
    assert await country.input_value() == "TW"
