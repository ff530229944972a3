"""The agenda at a glance: a day's sessions as a grid of rooms × time, for days with parallel sessions.

Pure: from a day's agenda items to rows of cells a template draws as a table (a session spans the
rows of the time slots it covers). Days where nothing runs in parallel get no grid: the list says
it all.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from itertools import pairwise

from idmevents.meetings.services import AgendaItem

NO_ROOM = ""


@dataclass(frozen=True)
class Cell:
    item: AgendaItem | None  # None: nothing in this room then
    rows: int = 1  # how many time slots the session spans


@dataclass(frozen=True)
class Row:
    starts_at: datetime
    ends_at: datetime
    cells: list[Cell | None]  # one per room; None where a session from an earlier row continues


@dataclass(frozen=True)
class Grid:
    rooms: list[str]
    rows: list[Row]
    # Per room, its first session: the template names the room from it, in the reader's language.
    heads: list[AgendaItem] = field(default_factory=list)


def has_parallel_sessions(items: list[AgendaItem]) -> bool:
    """Do two sessions still on the agenda overlap in time?"""
    live = sorted((i for i in items if not i.cancelled), key=lambda i: i.starts_at)
    latest_end = None
    for item in live:
        if latest_end is not None and item.starts_at < latest_end:
            return True
        latest_end = item.ends_at if latest_end is None else max(latest_end, item.ends_at)
    return False


def day_grid(items: list[AgendaItem]) -> Grid | None:
    """The grid of one day's sessions, or None when none run in parallel."""
    live = [i for i in items if not i.cancelled]
    if not has_parallel_sessions(live):
        return None
    rooms = list(dict.fromkeys(i.room_name or NO_ROOM for i in live))
    bounds = sorted({i.starts_at for i in live} | {i.ends_at for i in live})
    slots = list(pairwise(bounds))
    rows: list[Row] = []
    for start, end in slots:
        cells: list[Cell | None] = []
        for room in rooms:
            here = [i for i in live if (i.room_name or NO_ROOM) == room]
            starting = next((i for i in here if i.starts_at == start), None)
            if starting is not None:
                span = sum(1 for s, _ in slots if starting.starts_at <= s < starting.ends_at)
                cells.append(Cell(starting, span))
            elif any(i.starts_at < start < i.ends_at for i in here):
                cells.append(None)  # covered by a session that started earlier
            else:
                cells.append(Cell(None))
        rows.append(Row(start, end, cells))
    heads = [next(i for i in live if (i.room_name or NO_ROOM) == room) for room in rooms]
    return Grid(rooms=rooms, rows=rows, heads=heads)
