"""The agenda at a glance: rooms × time slots, only for days with parallel sessions."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

from idmevents.feeds.grid import day_grid, has_parallel_sessions
from tests.factories.agendas import new_york_agenda


def at(hour: int, minute: int = 0) -> datetime:
    return datetime(2027, 4, 20, hour, minute, tzinfo=UTC)


def items():
    base = new_york_agenda().items[0]
    return [
        replace(
            base,
            status="scheduled",
            id=1,
            title="Plenary",
            room_name="Hall",
            starts_at=at(14),
            ends_at=at(16),
        ),
        replace(
            base,
            status="scheduled",
            id=2,
            title="Side A",
            room_name="Room 2",
            starts_at=at(14),
            ends_at=at(15),
        ),
        replace(
            base,
            status="scheduled",
            id=3,
            title="Side B",
            room_name="Room 2",
            starts_at=at(15),
            ends_at=at(16),
        ),
        replace(
            base,
            status="scheduled",
            id=4,
            title="Closing",
            room_name="Hall",
            starts_at=at(16),
            ends_at=at(17),
        ),
    ]


def test_a_day_without_parallel_sessions_has_no_grid():
    one_after_another = [items()[0], items()[3]]
    assert not has_parallel_sessions(one_after_another)
    assert day_grid(one_after_another) is None


def test_parallel_sessions_are_laid_out_by_room_and_slot():
    grid = day_grid(items())
    assert grid is not None
    assert grid.rooms == ["Hall", "Room 2"]
    table = [
        [(row.starts_at.hour)]
        + [
            None if cell is None else (cell.item.title if cell.item else "", cell.rows)
            for cell in row.cells
        ]
        for row in grid.rows
    ]
    assert table == [
        [14, ("Plenary", 2), ("Side A", 1)],
        [15, None, ("Side B", 1)],
        [16, ("Closing", 1), ("", 1)],
    ]


def test_cancelled_sessions_stay_out_of_the_grid():
    cancelled = [
        replace(item, status="cancelled" if item.id == 2 else "scheduled") for item in items()
    ]
    grid = day_grid(cancelled)
    assert grid is not None
    assert all(
        cell is None or cell.item is None or cell.item.id != 2
        for row in grid.rows
        for cell in row.cells
    )
