"""The list by name: the database's order (PostgreSQL's stored folded names) is the order Python
gives by folding (`desk.name_key`), for the names that make it hard, on both engines, page by page;
and a search counts its matches only up to `COUNT_CAP`."""

from __future__ import annotations

import unicodedata

import pytest

from idmevents.badges import services as badges
from idmevents.db import is_sqlite
from idmevents.registrations import desk
from idmevents.registrations.desk import listing
from idmevents.registrations.tables import Registration
from tests.factories.meetings import make_meeting
from tests.factories.registrations import add_people

# (given, family): accents, case, ß and ẞ, apostrophes (straight and typographic), empty given
# names, letters NFKD keeps (ø, ł, æ, đ: after z in code point order, as Python sorts them),
# ligatures and compatibility forms, Greek (final sigma), Cyrillic, Cherokee (folded to capitals),
# CJK, Hangul, digits, hyphens and spaces; several fold to the same text (ties: by id).
TRICKY = [
    ("Zoë", "Müller"),
    ("zoe", "MULLER"),
    ("Zoe", "muller"),
    ("Anna", "Mueller"),
    ("", "Müller"),
    ("", "Muller"),
    ("Jürg", "Straße"),
    ("Jurg", "Strasse"),
    ("Jürg", "STRAẞE"),
    ("Ana", "Strast"),
    ("Søren", "Østergaard"),
    ("Soren", "Ostergaard"),
    ("Sven", "Zz"),
    ("Łukasz", "Łęcki"),
    ("Lukasz", "Lecki"),
    ("Conor", "O'Brien"),
    ("Conor", "O’Brien"),
    ("Conor", "OBrien"),
    ("Conor", "O Brien"),
    ("Jean", "d'Alembert"),
    ("Jean", "D'Alembert"),
    ("María", "de la Cruz"),
    ("Maria", "De La Cruz"),
    ("Ærin", "Æsir"),
    ("Aerin", "Aesir"),
    ("Đorđe", "Đoković"),
    ("Dorde", "Dokovic"),
    ("ﬁona", "ﬁnn"),  # a ligature: NFKD makes it "fi"
    ("Ǆemal", "Ǆafić"),
    ("Αθηνᾶ", "ΣΟΦΟΣ"),
    ("αθηνα", "σοφος"),
    ("Иван", "Иванов"),
    ("иван", "иванов"),
    ("Ꮳ", "Ꮳherokee"),
    ("ꮳ", "ꮳherokee"),
    ("太郎", "山田"),
    ("ｶﾀｶﾅ", "ｶﾀｶﾅ"),  # half-width: NFKD makes them full-width
    ("민준", "김"),
    ("İbrahim", "İnan"),
    ("Ibrahim", "Inan"),
    ("Anne", "Smith-Jones"),
    ("Anne", "Smith Jones"),
    ("Anne", "Smithjones"),
    ("Anne", "Smith2"),
    ("Anne", "Smith10"),
    ("Éloïse", "Évian"),
    ("Eloise", "Evian"),
    ("Nguyễn", "Nguyễn"),
    ("Nguyen", "NGUYEN"),
    ("Ångström", "Åberg"),
]


def _python_order(rows: list[dict], sort: str) -> list[int]:
    """The order as it was before the database sorted names: Python's sort of the folded names."""
    key = lambda row: (desk.fold(row["family_name"]), desk.fold(row["given_name"]), row["id"])  # noqa: E731
    return [row["id"] for row in sorted(rows, key=key, reverse=sort.startswith("-"))]


@pytest.mark.skipif(is_sqlite(), reason="SQLite sorts names in Python: no SQL fold to compare")
async def test_the_sql_fold_is_pythons_fold_for_every_character():
    """Equal on every character means equal on every name (the migration's docstring says why):
    the Basic Multilingual Plane and the next one, every code point."""
    codes = [c for c in range(1, 0x20000) if not 0xD800 <= c <= 0xDFFF]
    rows = await Registration.raw(
        "SELECT code, idmevents_sort_fold(chr(code)) AS folded FROM unnest({}::int[]) AS code",
        codes,
    )
    different = [
        (hex(row["code"]), row["folded"], desk.fold(chr(row["code"])))
        for row in rows
        if row["folded"] != desk.fold(chr(row["code"]))
    ]
    assert len(rows) == len(codes)
    assert different == []
    assert unicodedata.unidata_version  # the tables came from this Python's unicodedata


@pytest.mark.skipif(is_sqlite(), reason="the stored names exist on PostgreSQL only")
async def test_the_stored_names_follow_changes():
    meeting = await make_meeting()
    (person,) = await add_people(meeting, [("Zoë", "Müller")])
    await Registration.update({Registration.family_name: "Ødegaard"}).where(
        Registration.id == person["id"]
    )
    stored = await Registration.raw(
        "SELECT sort_family, sort_given FROM registration WHERE id = {}", person["id"]
    )
    assert stored == [{"sort_family": "ødegaard", "sort_given": "zoe"}]


@pytest.mark.parametrize("sort", ["name", "-name"])
async def test_tricky_names_in_pythons_order_everywhere(sort):
    meeting = await make_meeting()
    rows = await add_people(meeting, TRICKY)
    expected = _python_order(rows, sort)
    filters = await desk.check_filters(meeting, sort=sort)

    assert await desk.ordered_ids(meeting, filters) == expected  # the CSV export's order
    assert [row["id"] for row in await desk.find_registrations(meeting, filters)] == expected
    pages = [await desk.find_page(meeting, filters, number, 25) for number in (1, 2)]
    assert [row["id"] for page in pages for row in page.rows] == expected
    window, total = await desk.find_window(meeting, filters, 10, 7)  # the API's
    assert ([row["id"] for row in window], total) == (expected[10:17], len(TRICKY))
    # A few that show the order is Python's, not a locale's: ø and ł after z, ß as "ss".
    names = {row["id"]: (row["family_name"], row["given_name"]) for row in rows}
    # (Descending is the same list backwards, ties included.)
    ascending = [names[i] for i in (expected if sort == "name" else expected[::-1])]
    assert ascending.index(("Zz", "Sven")) < ascending.index(("Łęcki", "Łukasz"))
    assert ascending.index(("Østergaard", "Søren")) > ascending.index(("Zz", "Sven"))
    # "Straße", "Strasse" and "STRAẞE", each with Jürg or Jurg, fold alike: by id, then "Strast".
    strasse = [ascending.index((family, given)) for given, family in TRICKY[6:10]]
    assert strasse == sorted(strasse)
    assert ascending[0] == ("Åberg", "Ångström")


@pytest.mark.parametrize("sort", ["name", "-name"])
async def test_pages_first_middle_last_and_past_the_end(sort):
    meeting = await make_meeting()
    # 60 people, many of them folding to the same names: ties are broken by id.
    rows = await add_people(meeting, [TRICKY[i % 12] for i in range(60)])
    expected = _python_order(rows, sort)
    filters = await desk.check_filters(meeting, sort=sort)
    seen = []
    for number, size in ((1, 25), (2, 25), (3, 10)):
        page = await desk.find_page(meeting, filters, number, 25)
        assert (page.page, page.pages, page.total, page.capped) == (number, 3, 60, False)
        assert len(page.rows) == size
        seen += [row["id"] for row in page.rows]
    assert seen == expected
    past = await desk.find_page(meeting, filters, 99, 25)
    assert past.page == 3 and [row["id"] for row in past.rows] == expected[50:]
    assert not past.has_next
    # Before the first page, the first; a size the desk does not offer, its default.
    before = await desk.find_page(meeting, filters, -1, 25)
    assert (before.page, before.first, before.last) == (1, 1, 25)
    assert (await desk.find_page(meeting, filters, 1, 7)).per_page == desk.DEFAULT_PAGE_SIZE
    none = await desk.find_page(
        meeting, await desk.check_filters(meeting, sort=sort, q="nobody"), 1, 25
    )
    assert (none.pages, none.first, none.last, none.rows) == (1, 0, 0, [])


@pytest.mark.parametrize("sort", ["name", "-name", "date", "-date"])
async def test_a_search_in_either_order(sort):
    meeting = await make_meeting()
    rows = await add_people(meeting, TRICKY)
    filters = await desk.check_filters(meeting, sort=sort, q="muller")
    mullers = [row for row in rows if desk.fold(row["family_name"]) == "muller"]
    if sort.endswith("name"):
        expected = _python_order(mullers, sort)
    else:
        expected = sorted((row["id"] for row in mullers), reverse=sort.startswith("-"))
    page = await desk.find_page(meeting, filters, 1, 25)
    assert [row["id"] for row in page.rows] == expected
    assert (page.total, page.capped) == (5, False)
    assert await desk.ordered_ids(meeting, filters) == expected


async def test_a_search_counts_up_to_the_cap_and_pages_on(monkeypatch):
    monkeypatch.setattr(listing, "COUNT_CAP", 50)
    meeting = await make_meeting()
    rows = await add_people(meeting, [("Ana", f"Müller {i:03d}") for i in range(120)])
    await add_people(meeting, [("Bob", "Smith")])
    ids = [row["id"] for row in rows if row["given_name"] == "Ana"]
    filters = await desk.check_filters(meeting, q="muller", sort="name")

    first = await desk.find_page(meeting, filters, 1, 25)
    assert (first.total, first.capped, first.pages, first.has_next) == (50, True, 2, True)
    assert [row["id"] for row in first.rows] == ids[:25]
    # Past the cap, the count goes as far as the page asked for, and one more.
    third = await desk.find_page(meeting, filters, 3, 25)
    assert (third.page, third.total, third.capped, third.has_next) == (3, 75, True, True)
    assert [row["id"] for row in third.rows] == ids[50:75]
    # Far past the end: counted to the end, exactly, and the last page is shown.
    last = await desk.find_page(meeting, filters, 9, 25)
    assert (last.page, last.pages, last.total, last.capped) == (5, 5, 120, False)
    assert [row["id"] for row in last.rows] == ids[100:]
    # Newest first, the same.
    newest = await desk.find_page(meeting, await desk.check_filters(meeting, q="muller"), 1, 25)
    assert (newest.total, newest.capped) == (50, True)
    assert [row["id"] for row in newest.rows] == ids[::-1][:25]
    # Without a search, every match is counted; the API's total is always exact.
    everyone = await desk.find_page(meeting, await desk.check_filters(meeting), 1, 25)
    assert (everyone.total, everyone.capped) == (121, False)
    window, total = await desk.find_window(meeting, filters, 100, 50)
    assert ([row["id"] for row in window], total) == (ids[100:], 120)
    assert await desk.find_window(meeting, filters, 500, 50) == ([], 120)


async def test_the_checkin_search_shows_the_first_names_confirmed_first():
    meeting = await make_meeting()
    names = [(given, family) for given, family in TRICKY if desk.fold(family) == "muller"]
    rows = await add_people(meeting, names)
    await add_people(await make_meeting(slug="other"), names)  # another meeting's: not found
    await Registration.update({Registration.status: "waitlisted"}).where(
        Registration.id == rows[0]["id"]
    )
    found = await badges.search(meeting, "muller", limit=3)
    expected = [row["id"] for row in sorted(rows[1:], key=desk.name_key)][:3]
    assert [card.registration_id for card in found.cards] == expected
    assert found.more
    everyone = await badges.search(meeting, "muller")
    assert [card.registration_id for card in everyone.cards] == [
        *[row["id"] for row in sorted(rows[1:], key=desk.name_key)],
        rows[0]["id"],  # waiting: last
    ]
    assert not everyone.more
