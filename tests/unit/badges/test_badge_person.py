"""What a badge says of its person (honorific, delegation), where it says it (the text stands on
the category band), and the paper it prints on by default. Every answer is read back from the PDF."""

from __future__ import annotations

from datetime import UTC, datetime
from io import BytesIO

import pytest
from pypdf import PdfReader

from idmevents import i18n
from idmevents.audit import SYSTEM
from idmevents.badges import services
from idmevents.delegations import services as delegations
from tests.factories.badges import add_registration, meeting
from tests.factories.delegations import make_delegation, nominee

NOW = datetime(2027, 4, 1, 9, 0, tzinfo=UTC)
MM = 25.4 / 72  # millimetres in a PDF point
BAND_4X3 = 12.0  # the band's height on a 4 × 3 in badge (static/badge.css)


def lines(pdf: bytes, page: int = 0) -> list[tuple[str, float]]:
    """Each line of text on the page and the height of its baseline above the page's foot, in mm."""
    found: list[tuple[str, float]] = []

    def visit(text, cm, tm, font, size):
        if text.strip():
            found.append((text.strip(), (tm[4] * cm[1] + tm[5] * cm[3] + cm[5]) * MM))

    PdfReader(BytesIO(pdf)).pages[page].extract_text(visitor_text=visit)
    return found


def page_size_mm(pdf: bytes) -> tuple[int, int]:
    box = PdfReader(BytesIO(pdf)).pages[0].mediabox
    return round(float(box.width) * MM), round(float(box.height) * MM)


async def delegate(meeting_row: dict, honorific: str) -> dict:
    delegation = await make_delegation(meeting_row, "CH", quota=2)
    result = await delegations.nominate(
        delegation,
        nominee(1, honorific=honorific, given_name="Livia", family_name="Leu"),
        by=SYSTEM,
        now=NOW,
    )
    return result.registration


@pytest.mark.parametrize(
    ("language", "honorific", "state"),
    [("fr", "S.E. Mme", "Suisse"), ("es", "Excma. Sra.", "Suiza")],
)
async def test_a_badge_prints_the_honorific_and_the_states_name_in_its_language(
    demo, language, honorific, state
):
    new_york = await meeting()
    person = await delegate(new_york, honorific)
    token = i18n.set_language(language)
    try:
        run = await services.print_badges(
            new_york, now=NOW, size="4x3", registration_id=person["id"]
        )
    finally:
        i18n.reset_language(token)
    texts = [text for text, _ in lines(run.pdf)]
    # The honorific above the name, then the delegation: the State as the UN names it.
    assert texts.index(honorific) < texts.index("Livia") < texts.index("Leu")
    assert texts.index("Leu") < texts.index(state)
    assert "Switzerland" not in texts  # the delegate's own organization gives way to the State


async def test_a_badge_outside_any_delegation_shows_its_organization_and_country(demo):
    new_york = await meeting()
    person = await add_registration(
        new_york, honorific="Dr", given_name="Ana", family_name="Ruiz", country="CL",
        organization="Universidad de Chile",
    )  # fmt: skip
    run = await services.print_badges(new_york, now=NOW, registration_id=person["id"])
    texts = [text for text, _ in lines(run.pdf)]
    assert texts.index("Dr") < texts.index("Ana")
    assert {"Universidad de Chile", "Chile"} <= set(texts)


async def test_the_text_stands_on_the_category_band(demo):
    """No empty band between the person and the category band: the last line of the person sits
    a few millimetres above the band's top, however short the name."""
    new_york = await meeting()
    for given, family in (("Jo", "Li"), ("Maximiliano", "Fernández-Castellanos")):
        person = await add_registration(new_york, given_name=given, family_name=family)
        run = await services.print_badges(
            new_york, now=NOW, paper="badge", size="4x3", registration_id=person["id"]
        )
        found = dict(lines(run.pdf))
        band = found["MEMBER STATE"]
        assert band < BAND_4X3 / 2  # the band's label, in the band at the foot
        country = found["Switzerland"]  # the person's last line
        assert BAND_4X3 < country <= BAND_4X3 + 6, (given, country)


async def test_new_york_prints_on_us_letter_and_geneva_on_a4_by_default(demo):
    new_york, geneva = await meeting("idm-new-york"), await meeting("idm-geneva")
    assert new_york["timezone"] == "America/New_York"
    assert geneva["timezone"] == "Europe/Zurich"
    await add_registration(new_york)
    await add_registration(geneva)
    letter = await services.print_badges(new_york, now=NOW)
    a4 = await services.print_badges(geneva, now=NOW)
    assert page_size_mm(letter.pdf) == (216, 279)
    assert page_size_mm(a4.pdf) == (210, 297)
    # The organizer may still choose.
    chosen = await services.print_badges(new_york, now=NOW, paper="a4")
    assert page_size_mm(chosen.pdf) == (210, 297)
