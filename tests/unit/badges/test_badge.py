"""A participant's badge: who gets one, what it says, and a code that stays the same."""

import re

import pytest

from idmevents import i18n
from idmevents.badges import codes, render, services
from idmevents.errors import NotFound
from idmevents.meetings.tables import Meeting
from idmevents.registrations.tables import Registration
from tests.factories.badges import add_registration, meeting

KEY = "test-secret-key-not-for-production"


async def test_confirmed_registration_has_a_badge_with_a_genuine_code(demo):
    new_york = await meeting()
    person = await add_registration(
        new_york,
        given_name="Jürg",
        family_name="Lauber",
        organization="Permanent Mission of Switzerland",
        country="CH",
        category="member-state",
    )
    page = await services.badge_for_token(person["token"])
    badge = page.badge
    assert (
        badge.full_name,
        badge.organization,
        badge.country,
        badge.category_label,
        badge.colour_class,
        badge.meeting_title,
        badge.starts_on,
    ) == (
        "Jürg Lauber",
        "Permanent Mission of Switzerland",
        "Switzerland",
        "Member State",
        "category-member-state",
        new_york["title"],
        new_york["starts_on"],
    )
    assert codes.verify(badge.code, new_york["id"], KEY) is True
    assert person["token"] not in badge.code


async def test_badge_code_is_given_once_and_stays(demo):
    person = await add_registration(await meeting())
    first = (await services.badge_for_token(person["token"])).badge.code
    second = (await services.badge_for_token(person["token"])).badge.code
    stored = await Registration.select(Registration.checkin_id).where(
        Registration.id == person["id"]
    )
    assert first == second
    assert stored == [{"checkin_id": codes.checkin_id_of(first)}]


async def test_country_and_category_are_named_in_the_page_language(demo):
    person = await add_registration(await meeting(), country="CH", category="civil-society")
    token = i18n.set_language("fr")
    try:
        badge = (await services.badge_for_token(person["token"])).badge
    finally:
        i18n.reset_language(token)
    assert badge.country == "Suisse"


@pytest.mark.parametrize("status", ["pending", "waitlisted", "cancelled", "rejected"])
async def test_registration_that_is_not_confirmed_has_no_badge(demo, status):
    person = await add_registration(await meeting(), status=status)
    page = await services.badge_for_token(person["token"])
    assert (page.status, page.badge) == (status, None)
    stored = await Registration.select(Registration.checkin_id).where(
        Registration.id == person["id"]
    )
    assert stored == [{"checkin_id": None}]


async def test_cancelled_meeting_has_no_badges(demo):
    new_york = await meeting()
    person = await add_registration(new_york)
    await Meeting.update({Meeting.status: "cancelled"}).where(Meeting.id == new_york["id"])
    page = await services.badge_for_token(person["token"])
    assert (page.meeting_cancelled, page.badge) == (True, None)


async def test_unknown_token_is_not_found(demo):
    with pytest.raises(NotFound):
        await services.badge_for_token("no-such-token")


@pytest.mark.parametrize(
    ("given", "family", "size"),
    [
        ("Li", "Wei", "xl"),
        ("Amina", "Mohammed", "xl"),
        ("Maximiliano", "Castellanos", "xl"),
        ("Juan José", "Gómez Camacho", "l"),
        ("Maximiliano Alejandro", "Fernández", "m"),
        ("Ana", "Fernández-Castellanos de la Torre", "s"),
    ],
)
def test_name_size_fits_the_longer_line(given, family, size):
    assert render.name_size(given, family) == size


def test_unknown_category_gets_a_readable_name_and_the_neutral_colour():
    assert (
        render.category_label("press-office"),
        render.category_colour("press-office"),
        render.category_class("press-office"),
    ) == ("Press office", render.OTHER_COLOUR, "category-other")


def test_the_category_stylesheet_holds_every_category_colour():
    from idmevents.settings import STATIC_DIR

    rules = re.findall(
        r"^\.category-([a-z-]+) \{ background-color: (#[0-9a-f]{6}); \}$",
        (STATIC_DIR / "categories.css").read_text(),
        flags=re.M,
    )
    assert dict(rules) == {**render.CATEGORY_COLOURS, "other": render.OTHER_COLOUR}


def test_qr_image_decodes_back_to_the_code():
    import io

    import segno
    import zxingcpp
    from PIL import Image

    code = codes.make_code(codes.new_checkin_id(), 3, KEY)
    svg = str(render.qr_svg(code))
    assert 'viewBox="0 0 29 29"' in svg  # version 1: 21 modules and the quiet zone
    png = io.BytesIO()
    segno.make(code, error="m", micro=False, boost_error=False).save(png, kind="png", scale=6)
    png.seek(0)
    assert [r.text for r in zxingcpp.read_barcodes(Image.open(png))] == [code]


def test_all_category_colours_carry_white_text():
    def luminance(colour: str) -> float:
        channels = [int(colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
        linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
        return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]

    for colour in [*render.CATEGORY_COLOURS.values(), render.OTHER_COLOUR]:
        contrast = 1.05 / (luminance(colour) + 0.05)
        assert contrast >= 4.5, colour
