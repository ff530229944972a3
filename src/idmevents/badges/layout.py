"""Where badges go on a printed sheet: the grid for a paper and badge size, and the cut marks.

All lengths are millimetres. Badges are laid edge to edge in a grid centred on the page, so one
guillotine cut separates two badges. Cut marks continue every cut line into the page margin where
there is room for them, and a small cross marks every point where cut lines meet between badges
(those crosses lie on the cut lines and disappear with the cut).
"""

from __future__ import annotations

from dataclasses import dataclass

PAPERS: dict[str, tuple[float, float]] = {
    "a4": (210.0, 297.0),
    "letter": (215.9, 279.4),
}
BADGE_SIZES: dict[str, tuple[float, float]] = {
    "4x3": (101.6, 76.2),  # 4 × 3 in, landscape: the common badge holder insert
    "a6": (105.0, 148.0),  # A6 portrait: the common European pouch
}
DEFAULT_SIZE = "4x3"


def default_paper(timezone: str) -> str:
    """US Letter for a meeting in the Americas (where printers hold Letter), A4 elsewhere; the
    organizer may still choose the other."""
    return "letter" if timezone.startswith("America/") else "a4"


MARK_OFFSET = 1.5  # gap between a badge's edge and the start of its mark in the margin
MARK_LENGTH = 6.0
MIN_MARK = 1.5  # shorter than this, a mark is lost in the printer's unprintable edge
CROSS_ARM = 2.5
MARK_WEIGHT = 0.25


@dataclass(frozen=True)
class Mark:
    """A thin rectangle (a line) at (left, top) with the given width and height."""

    left: float
    top: float
    width: float
    height: float


@dataclass(frozen=True)
class SheetLayout:
    paper: str
    size: str
    page_width: float
    page_height: float
    badge_width: float
    badge_height: float
    columns: int
    rows: int
    slots: tuple[tuple[float, float], ...]  # (left, top) of each badge, row by row
    marks: tuple[Mark, ...]

    @property
    def per_page(self) -> int:
        return len(self.slots)


def sheet_layout(paper: str, size: str) -> SheetLayout:
    """The grid for `size` badges on `paper`; `paper="badge"` is one badge on a page its size."""
    badge_width, badge_height = BADGE_SIZES[size]
    if paper == "badge":
        return SheetLayout(
            paper, size, badge_width, badge_height, badge_width, badge_height, 1, 1, ((0, 0),), ()
        )
    page_width, page_height = PAPERS[paper]
    columns = int(page_width // badge_width)
    rows = int(page_height // badge_height)
    left = (page_width - columns * badge_width) / 2
    top = (page_height - rows * badge_height) / 2
    xs = [left + i * badge_width for i in range(columns + 1)]
    ys = [top + j * badge_height for j in range(rows + 1)]
    slots = tuple((x, y) for y in ys[:-1] for x in xs[:-1])
    return SheetLayout(
        paper,
        size,
        page_width,
        page_height,
        badge_width,
        badge_height,
        columns,
        rows,
        slots,
        tuple(_margin_marks(xs, ys, page_width, page_height) + _inner_crosses(xs, ys)),
    )


def _margin_marks(xs: list[float], ys: list[float], page_width: float, page_height: float):
    marks: list[Mark] = []
    half = MARK_WEIGHT / 2
    top_room = ys[0] - MARK_OFFSET
    bottom_room = page_height - ys[-1] - MARK_OFFSET
    left_room = xs[0] - MARK_OFFSET
    right_room = page_width - xs[-1] - MARK_OFFSET
    for x in xs:
        if (length := min(MARK_LENGTH, top_room)) >= MIN_MARK:
            marks.append(Mark(x - half, ys[0] - MARK_OFFSET - length, MARK_WEIGHT, length))
        if (length := min(MARK_LENGTH, bottom_room)) >= MIN_MARK:
            marks.append(Mark(x - half, ys[-1] + MARK_OFFSET, MARK_WEIGHT, length))
    for y in ys:
        if (length := min(MARK_LENGTH, left_room)) >= MIN_MARK:
            marks.append(Mark(xs[0] - MARK_OFFSET - length, y - half, length, MARK_WEIGHT))
        if (length := min(MARK_LENGTH, right_room)) >= MIN_MARK:
            marks.append(Mark(xs[-1] + MARK_OFFSET, y - half, length, MARK_WEIGHT))
    return marks


def _inner_crosses(xs: list[float], ys: list[float]) -> list[Mark]:
    marks: list[Mark] = []
    half = MARK_WEIGHT / 2
    for x in xs[1:-1]:
        for y in ys[1:-1]:
            marks.append(Mark(x - CROSS_ARM, y - half, 2 * CROSS_ARM, MARK_WEIGHT))
            marks.append(Mark(x - half, y - CROSS_ARM, MARK_WEIGHT, 2 * CROSS_ARM))
    return marks


def pages_needed(count: int, layout: SheetLayout) -> int:
    return -(-count // layout.per_page)
