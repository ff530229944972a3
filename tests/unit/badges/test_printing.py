"""Printing badges in batches: a PDF with the right pages and names, and the printed marks."""

import re
import unicodedata
from datetime import UTC, datetime, timedelta
from io import BytesIO

import pytest
from pypdf import PdfReader

from idmevents.audit.tables import AuditEntry
from idmevents.badges import services
from idmevents.errors import InvalidInput
from idmevents.registrations.tables import Registration
from tests.factories.badges import add_registration, add_user, meeting

NOW = datetime(2027, 4, 1, 9, 0, tzinfo=UTC)
FAMILIES = ["Okafor", "Ahmed", "Nguyen", "Müller", "Dubois", "Silva", "Kowalski"]
GIVEN = {
    "Okafor": "Chidi",
    "Ahmed": "Fatima",
    "Nguyen": "Thảo",
    "Müller": "Jürgen",
    "Dubois": "Hélène",
    "Silva": "João",
    "Kowalski": "Zofia",
}


async def add_person(meeting_row: dict, family: str, **fields) -> dict:
    return await add_registration(
        meeting_row, given_name=GIVEN[family], family_name=family, **fields
    )


def names_per_page(pdf: bytes) -> list[list[str]]:
    """The family names of the badges on each page (given and family name both printed)."""
    pages = []
    for page in PdfReader(BytesIO(pdf)).pages:
        text = page.extract_text()
        pages.append(
            [family for family in sorted(FAMILIES) if family in text and GIVEN[family] in text]
        )
    return pages


async def printed_at() -> dict[str, datetime | None]:
    rows = await Registration.select(Registration.family_name, Registration.badge_printed_at)
    return {row["family_name"]: row["badge_printed_at"] for row in rows}


async def test_seven_badges_on_a4_make_two_pages_in_alphabetical_order(demo):
    new_york = await meeting()
    for family in FAMILIES:
        await add_person(new_york, family)
    await add_registration(new_york, family_name="Pending", status="pending")

    organizer = await add_user("organizer")
    run = await services.print_badges(new_york, now=NOW, paper="a4", size="4x3", by=organizer)

    assert (run.count, run.pages) == (7, 2)
    assert len(PdfReader(BytesIO(run.pdf)).pages) == 2
    ordered = sorted(FAMILIES)
    assert names_per_page(run.pdf) == [ordered[:6], ordered[6:]]
    assert await printed_at() == {family: NOW for family in FAMILIES} | {"Pending": None}
    assert run.filename == "badges-idm-new-york-20270401-090000.pdf"
    entry = (
        await AuditEntry.select(
            AuditEntry.action, AuditEntry.entity_id, AuditEntry.actor, AuditEntry.data
        )
        .output(load_json=True)
        .first()
    )
    assert (
        entry["action"],
        entry["entity_id"],
        entry["actor"],
        len(entry["data"]["registrations"]),
    ) == (
        "print_badges",
        new_york["id"],
        organizer.email,
        7,
    )


async def test_not_printed_yet_prints_only_the_new_ones(demo):
    new_york = await meeting()
    for family in FAMILIES[:5]:
        await add_person(new_york, family)
    await services.print_badges(new_york, now=NOW)
    for family in FAMILIES[5:]:
        await add_person(new_york, family)

    later = NOW + timedelta(hours=1)
    run = await services.print_badges(new_york, now=later, not_printed_only=True, paper="letter")
    again = await services.print_badges(
        new_york, now=later + timedelta(hours=1), not_printed_only=True
    )

    assert (run.count, run.pages, names_per_page(run.pdf)) == (2, 1, [["Kowalski", "Silva"]])
    assert (again.count, again.pages, again.pdf) == (0, 0, None)
    assert await printed_at() == {f: NOW for f in FAMILIES[:5]} | {f: later for f in FAMILIES[5:]}


async def test_category_filter_and_a6_on_letter(demo):
    new_york = await meeting()
    for family in FAMILIES[:3]:
        await add_person(new_york, family, category="media")
    for family in FAMILIES[3:]:
        await add_person(new_york, family, category="member-state")

    run = await services.print_badges(
        new_york, now=NOW, category="media", paper="letter", size="a6"
    )

    assert (run.count, run.pages) == (3, 2)  # two A6 badges fit on a Letter page
    assert names_per_page(run.pdf) == [["Ahmed", "Nguyen"], ["Okafor"]]
    printed = await printed_at()
    assert sorted(f for f, at in printed.items() if at) == ["Ahmed", "Nguyen", "Okafor"]


async def test_one_badge_on_a_page_of_its_size(demo):
    new_york = await meeting()
    person = await add_person(new_york, "Okafor")
    await add_person(new_york, "Ahmed")
    run = await services.print_badges(
        new_york, now=NOW, paper="badge", size="4x3", registration_id=person["id"]
    )
    page = PdfReader(BytesIO(run.pdf)).pages[0]
    width_in, height_in = float(page.mediabox.width) / 72, float(page.mediabox.height) / 72
    assert (run.count, round(width_in, 2), round(height_in, 2)) == (1, 4.0, 3.0)
    assert names_per_page(run.pdf) == [["Okafor"]]


async def test_print_counts_per_category(demo):
    new_york = await meeting()
    await add_registration(new_york, category="media")
    await add_registration(new_york, category="media", badge_printed_at=NOW)
    await add_registration(new_york, category="academia")
    await add_registration(new_york, category="academia", status="cancelled", badge_printed_at=NOW)
    totals = await services.print_counts(new_york)
    assert (totals.expected, totals.done) == (3, 1)
    assert [(c.label, c.expected, c.done) for c in totals.categories] == [
        ("Academia", 1, 0),
        ("Media", 2, 1),
    ]


@pytest.mark.parametrize(("paper", "size"), [("a3", "4x3"), ("a4", "credit-card")])
async def test_unknown_paper_or_size_is_refused(demo, paper, size):
    new_york = await meeting()
    await add_registration(new_york)
    with pytest.raises(InvalidInput):
        await services.print_badges(new_york, now=NOW, paper=paper, size=size)
    assert list((await printed_at()).values()) == [None]


# A name in each script a delegation may write, and the font that must have drawn it.
SCRIPTS = {
    "Latin": (("Zofia", "Kowalski"), "NotoSans"),
    "Cyrillic": (("Анна", "Ахматова"), "NotoSans"),
    "Arabic": (("فاطمة", "الزهراء"), "NotoSansArabic"),
    "Devanagari": (("प्रिया", "शर्मा"), "NotoSansDevanagari"),
    "Chinese": (("秀英", "王"), "NotoSansCJK"),
    "Japanese": (("さくら", "山田"), "NotoSansCJK"),
    "Korean": (("민준", "김"), "NotoSansCJK"),
}


def embedded_fonts(reader: PdfReader) -> set[str]:
    """The names of the fonts the PDF embeds (subset prefix "ABCDEF+" dropped)."""
    names = set()
    for page in reader.pages:
        for font in page["/Resources"]["/Font"].values():
            font = font.get_object()
            names.add(str(font["/BaseFont"]).lstrip("/").split("+")[-1].replace("-", ""))
            for descendant in font.get("/DescendantFonts", []):
                descendant = descendant.get_object()
                names.add(str(descendant["/BaseFont"]).lstrip("/").split("+")[-1].replace("-", ""))
    return names


def drawn_glyphs(reader: PdfReader) -> list[int]:
    """Every glyph id the pages draw with a two-byte (CID) font; 0 is .notdef, the empty box a
    font draws for a letter it does not have."""
    glyphs = []
    for page in reader.pages:
        data = page.get_contents().get_data()
        for string in re.findall(rb"<([0-9a-fA-F]+)>\s*Tj|\[(.*?)\]\s*TJ", data, flags=re.S):
            for hexes in re.findall(rb"<([0-9a-fA-F]+)>", b"<" + string[0] + b">" + string[1]):
                glyphs += [int(hexes[i : i + 4], 16) for i in range(0, len(hexes), 4)]
    return glyphs


async def test_names_in_every_script_print_in_their_own_letters(demo):
    new_york = await meeting()
    for given, family in (names for names, _ in SCRIPTS.values()):
        await add_registration(new_york, given_name=given, family_name=family)
    run = await services.print_badges(new_york, now=NOW, paper="a4", size="4x3")
    reader = PdfReader(BytesIO(run.pdf))
    text = "".join(page.extract_text() for page in reader.pages)
    fonts = embedded_fonts(reader)
    for script, ((given, family), font) in SCRIPTS.items():
        # Shaped scripts come back from extraction in presentation forms or visual order: their
        # letters must all be there. A letter no font has is drawn as a box and extracts as none.
        letters = set(unicodedata.normalize("NFKC", given + family))
        assert letters <= set(unicodedata.normalize("NFKC", text)), script
        if script not in ("Arabic", "Devanagari"):
            assert given in text and family in text, script
        assert any(name.startswith(font) for name in fonts), (script, sorted(fonts))
    glyphs = drawn_glyphs(reader)
    assert len(glyphs) > 100, "too few glyphs found: the PDF's text operators changed"
    assert 0 not in glyphs
