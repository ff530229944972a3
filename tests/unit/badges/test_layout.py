"""Sheets of badges: how many to a page, where they go, and cut marks on the page."""

import pytest

from idmevents.badges.layout import pages_needed, sheet_layout


@pytest.fixture(autouse=True)
def clean_database():
    """Pure functions: no database to empty before each test."""


@pytest.mark.parametrize(
    ("paper", "size", "columns", "rows"),
    [
        ("a4", "4x3", 2, 3),
        ("letter", "4x3", 2, 3),
        ("a4", "a6", 2, 2),
        ("letter", "a6", 2, 1),
        ("badge", "4x3", 1, 1),
        ("badge", "a6", 1, 1),
    ],
)
def test_grid_for_paper_and_badge_size(paper, size, columns, rows):
    layout = sheet_layout(paper, size)
    assert (layout.columns, layout.rows, layout.per_page) == (columns, rows, columns * rows)


@pytest.mark.parametrize(
    ("paper", "size"), [("a4", "4x3"), ("letter", "4x3"), ("a4", "a6"), ("letter", "a6")]
)
def test_badges_and_marks_stay_on_the_page_and_badges_do_not_overlap(paper, size):
    layout = sheet_layout(paper, size)
    epsilon = 1e-9
    boxes = [(x, y, x + layout.badge_width, y + layout.badge_height) for x, y in layout.slots]
    for left, top, right, bottom in boxes:
        assert left >= 0 and top >= 0
        assert right <= layout.page_width + epsilon and bottom <= layout.page_height + epsilon
    for i, a in enumerate(boxes):
        for b in boxes[i + 1 :]:
            overlap = min(a[2], b[2]) - max(a[0], b[0]) > epsilon and (
                min(a[3], b[3]) - max(a[1], b[1]) > epsilon
            )
            assert not overlap
    for mark in layout.marks:
        assert mark.left >= 0 and mark.top >= 0
        assert mark.left + mark.width <= layout.page_width + epsilon
        assert mark.top + mark.height <= layout.page_height + epsilon


def test_letter_sheet_has_marks_for_every_cut_line_in_the_margins():
    layout = sheet_layout("letter", "4x3")
    # 3 vertical cut lines marked top and bottom, 4 horizontal ones marked left and right, and a
    # cross (two bars) where the inner lines meet: 1 column line × 2 row lines.
    assert len(layout.marks) == 3 * 2 + 4 * 2 + 2 * 2


def test_a6_on_a4_fills_the_page_and_marks_the_centre():
    layout = sheet_layout("a4", "a6")
    # A6 is a quarter of A4 rounded down to whole millimetres: 0.5 mm is left at top and bottom.
    assert layout.slots == ((0.0, 0.5), (105.0, 0.5), (0.0, 148.5), (105.0, 148.5))
    assert len(layout.marks) == 2  # no margin to mark: one cross where the four badges meet


def test_one_badge_on_its_own_page_has_no_marks():
    layout = sheet_layout("badge", "a6")
    assert (layout.page_width, layout.page_height, layout.marks) == (105.0, 148.0, ())


@pytest.mark.parametrize(("count", "pages"), [(0, 0), (1, 1), (6, 1), (7, 2), (12, 2), (13, 3)])
def test_pages_needed(count, pages):
    assert pages_needed(count, sheet_layout("a4", "4x3")) == pages
