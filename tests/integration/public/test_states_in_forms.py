"""States as the UN names them: government delegations choose among the 195 States only, on the
form, through the API and on the participant's details; every list writes the UN name."""

import html
import re

from idmevents.registrations.tables import Registration
from tests.factories.registrations import desk_meeting, form
from tests.integration.organizers.test_registration_desk import DESK, parse_csv, signed_in
from tests.integration.public.test_public_pages import text_of
from tests.integration.public.test_registration_pages import FORM, html_form, register, submit

API = "/api/v1/meetings/idm-new-york/registrations"
CLDR_ONLY = ("Taiwan", "Hong Kong SAR China", "Antarctica", "Bouvet Island")


def groups(page: str) -> dict[str, tuple[str, list[str]]]:
    """The country select's option groups: label → (attributes, option texts)."""
    select = re.search(r'<select id="field-country".*?</select>', page, flags=re.S).group(0)
    return {
        html.unescape(label): (
            attrs,
            [html.unescape(t) for t in re.findall(r"<option [^>]*>([^<]*)</option>", body)],
        )
        for label, attrs, body in re.findall(
            r'<optgroup label="([^"]+)"([^>]*)>(.*?)</optgroup>', select, flags=re.S
        )
    }


async def test_form_offers_the_states_apart_from_other_territories(client, demo):
    found = groups((await client.get(FORM)).text)
    attrs, states = found["UN Member States and observer States"]
    assert len(states) == 195
    assert "Bolivia (Plurinational State of)" in states and "Türkiye" in states
    assert not set(CLDR_ONLY) & set(states)
    attrs, others = found["Other countries and territories"]
    assert set(CLDR_ONLY) <= set(others)
    assert "disabled" not in attrs
    assert 'data-government-categories="member-state observer"' in (await client.get(FORM)).text


async def test_form_back_for_a_delegate_hides_the_territories(client, demo):
    response = await submit(client, html_form(1, category="member-state", country="TW"))
    assert response.status_code == 422
    found = groups(response.text)
    assert found["Other countries and territories"][0].strip() == "data-territories disabled hidden"
    assert "Choose a State from the list" in text_of(response.text)


async def test_api_refuses_a_territory_for_a_member_state_delegate(client, demo):
    for category in ("member-state", "observer"):
        response = await client.post(API, json=form(1, category=category, country="TW"))
        assert response.status_code == 422
        assert list(response.json()["fields"]) == ["country"]
    assert await Registration.count() == 0
    civil = await client.post(API, json=form(2, category="civil-society", country="TW"))
    assert civil.status_code == 202


async def test_details_of_a_delegate_offer_only_states(client, demo):
    path = await register(client, 1, category="member-state", country="BO")
    found = groups((await client.get(f"{path}/details")).text)
    assert list(found) == ["UN Member States and observer States"]


async def test_french_pages_write_the_un_french_name(client, demo):
    path = await register(client, 1, category="member-state", country="BO", language="fr")
    page = text_of((await client.get(path)).text)
    assert "Bolivie (État plurinational de)" in page
    french_form = groups((await client.get(f"{FORM}?lang=fr")).text)
    states = french_form["États Membres et États observateurs de l’ONU"][1]
    # Sorted as a French reader expects: accents ignored, Côte d'Ivoire among the C's.
    assert states.index("Costa Rica") < states.index("Côte d'Ivoire") < states.index("Croatie")


async def test_csv_export_writes_the_un_name(client, make_user, login):
    desk = await desk_meeting()
    await Registration.update({Registration.country: "TR"}).where(
        Registration.id == desk.ids["dan"]
    )
    await signed_in(client, make_user, login)
    rows = parse_csv((await client.get(f"{DESK}.csv")).content)
    header = rows[0]
    countries = {row[header.index("Country")] for row in rows[1:]}
    assert "Türkiye" in countries
    assert "Turkey" not in countries
