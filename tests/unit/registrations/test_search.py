"""Finding people with the database's index: accents and case aside, on both engines."""

from __future__ import annotations

from idmevents.badges import services as badges
from idmevents.registrations import desk
from idmevents.registrations.tables import Registration
from tests.factories.badges import add_registration, meeting


async def names(meeting_row: dict, q: str) -> list[str]:
    filters = await desk.check_filters(meeting_row, q=q)
    return [row["family_name"] for row in await desk.find_registrations(meeting_row, filters)]


async def test_accents_and_case_do_not_matter(demo):
    new_york = await meeting()
    await add_registration(new_york, given_name="Zoë", family_name="Müller")
    await add_registration(new_york, given_name="José", family_name="Álvarez")
    await add_registration(new_york, given_name="Jane", family_name="Mills")
    assert await names(new_york, "muller") == ["Müller"]
    assert await names(new_york, "MÜLLER") == ["Müller"]
    assert await names(new_york, "mül") == ["Müller"]  # the beginning of a word is enough
    assert await names(new_york, "jose") == ["Álvarez"]
    assert await names(new_york, "jose alvarez") == ["Álvarez"]
    assert await names(new_york, "jose mills") == []  # every word must match
    assert await names(new_york, "mil") == ["Mills"]


async def test_email_organization_and_badge_code(demo):
    new_york = await meeting()
    await add_registration(
        new_york, family_name="Lauber", email="jl@eda.admin.ch", organization="Mission Suisse"
    )
    await add_registration(new_york, family_name="Other", checkin_id="K7XQ2M9P")
    assert await names(new_york, "jl@eda") == ["Lauber"]
    assert await names(new_york, "suisse") == ["Lauber"]
    assert await names(new_york, "k7xq2m9p") == ["Other"]


async def test_the_index_follows_changes_and_deletions(demo):
    new_york = await meeting()
    person = await add_registration(new_york, family_name="Smith")
    await Registration.update({Registration.family_name: "Núñez"}).where(
        Registration.id == person["id"]
    )
    assert await names(new_york, "smith") == []
    assert await names(new_york, "nunez") == ["Núñez"]
    await Registration.delete().where(Registration.id == person["id"])
    assert await names(new_york, "nunez") == []


async def test_other_meetings_and_odd_input_find_nothing(demo):
    await add_registration(await meeting("idm-geneva"), family_name="Müller")
    new_york = await meeting()
    assert await names(new_york, "muller") == []
    assert await names(new_york, '"*) OR 1=1 --') == []
    assert await names(new_york, "100%") == []


async def test_checkin_desk_search_uses_the_same_index(demo):
    new_york = await meeting()
    await add_registration(new_york, given_name="José", family_name="Müller")
    found = await badges.search(new_york, "jose muller")
    assert [card.full_name for card in found.cards] == ["José Müller"]
