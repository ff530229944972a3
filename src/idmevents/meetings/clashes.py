"""Clash finding: a pure function from sessions, rooms and unavailability to the clashes among them.

Everything is compared as instants (aware datetimes), so a panelist at 10:00 EDT in New York and
at 16:00 CEST in Geneva on the same day is in two places at once. Intervals are half-open
[start, end): a session ending at 11:00 and one starting at 11:00 do not overlap. Cancelled
sessions never clash. Overlaps are found with a sweep over intervals sorted by start, so a
meeting's worth of sessions costs O(n log n + k) for k overlapping pairs, not O(n²).
"""

from __future__ import annotations

import heapq
from collections import defaultdict
from collections.abc import Hashable, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

PANELIST_DOUBLE_BOOKED = "panelist-double-booked"
ROOM_DOUBLE_BOOKED = "room-double-booked"
PANELIST_UNAVAILABLE = "panelist-unavailable"
OUTSIDE_MEETING_DAYS = "outside-meeting-days"
ENDS_BEFORE_START = "ends-before-start"
OVER_ROOM_CAPACITY = "over-room-capacity"
CLASH_KINDS = (
    PANELIST_DOUBLE_BOOKED,
    ROOM_DOUBLE_BOOKED,
    PANELIST_UNAVAILABLE,
    OUTSIDE_MEETING_DAYS,
    ENDS_BEFORE_START,
    OVER_ROOM_CAPACITY,
)


@dataclass(frozen=True)
class PanelistRef:
    id: int
    name: str


@dataclass(frozen=True)
class RoomRef:
    id: int
    name: str
    capacity: int | None = None


@dataclass(frozen=True)
class MeetingDays:
    id: int
    slug: str
    timezone: str
    starts_on: date
    ends_on: date

    def window(self) -> tuple[datetime, datetime]:
        """The meeting's days as instants: local midnight of the first day to the one after the last."""
        zone = ZoneInfo(self.timezone)
        return (
            datetime.combine(self.starts_on, time(0), zone),
            datetime.combine(self.ends_on + timedelta(days=1), time(0), zone),
        )


@dataclass(frozen=True)
class SessionSlot:
    id: int
    meeting_id: int
    meeting_slug: str
    timezone: str
    title: str
    starts_at: datetime
    ends_at: datetime
    room_id: int | None = None
    capacity: int | None = None
    status: str = "scheduled"
    panelists: tuple[PanelistRef, ...] = ()


@dataclass(frozen=True)
class Unavailability:
    id: int
    panelist_id: int
    starts_at: datetime
    ends_at: datetime
    note: str = ""


@dataclass(frozen=True)
class Clash:
    kind: str
    sessions: tuple[SessionSlot, ...]  # in time order
    panelist: PanelistRef | None = None
    room: RoomRef | None = None
    unavailability: Unavailability | None = None
    meeting: MeetingDays | None = None

    @property
    def session_ids(self) -> tuple[int, ...]:
        return tuple(s.id for s in self.sessions)

    @property
    def meeting_slugs(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(s.meeting_slug for s in self.sessions))

    def sort_key(self) -> tuple:
        return (self.sessions[0].starts_at, CLASH_KINDS.index(self.kind), self.session_ids)


@dataclass(frozen=True, order=True)
class Interval:
    starts_at: datetime
    ends_at: datetime
    key: Hashable = field(compare=False)


def overlapping_pairs(intervals: Iterable[Interval]) -> list[tuple[Hashable, Hashable]]:
    """Every pair of intervals that share an instant, as (earlier key, later key) in start order.

    Empty or inverted intervals (end ≤ start) contain no instant and overlap nothing. The sweep
    keeps the intervals still open in a heap ordered by end: those that ended at or before the
    next start leave it, and the next interval overlaps exactly the ones that remain.
    """
    ordered = sorted(
        (i for i in intervals if i.ends_at > i.starts_at), key=lambda i: (i.starts_at, i.ends_at)
    )
    open_now: list[tuple[datetime, int, Interval]] = []
    pairs: list[tuple[Hashable, Hashable]] = []
    for index, current in enumerate(ordered):
        while open_now and open_now[0][0] <= current.starts_at:
            heapq.heappop(open_now)
        pairs.extend((earlier.key, current.key) for _, _, earlier in open_now)
        heapq.heappush(open_now, (current.ends_at, index, current))
    return pairs


def find_clashes(
    sessions: Iterable[SessionSlot],
    *,
    rooms: Iterable[RoomRef] = (),
    unavailability: Iterable[Unavailability] = (),
    meetings: Iterable[MeetingDays] = (),
) -> list[Clash]:
    """All clashes among the sessions, in time order. Pass sessions of every meeting that matters.

    Panelist clashes are found across all the sessions given, whatever their meeting; room
    clashes within a room (rooms belong to one meeting); day checks for sessions whose meeting is
    among `meetings`.
    """
    live = [s for s in sessions if s.status != "cancelled"]
    rooms_by_id = {r.id: r for r in rooms}
    clashes = [
        *_slot_clashes(live, rooms_by_id, {m.id: m for m in meetings}),
        *_room_clashes(live, rooms_by_id),
        *_panelist_clashes(live, unavailability),
    ]
    return sorted(clashes, key=Clash.sort_key)


def _slot_clashes(
    live: list[SessionSlot], rooms_by_id: dict[int, RoomRef], meetings_by_id: dict[int, MeetingDays]
) -> list[Clash]:
    """What is wrong with a session on its own: inverted, off the meeting's days, over its room."""
    clashes: list[Clash] = []
    for slot in live:
        if slot.ends_at <= slot.starts_at:
            clashes.append(Clash(ENDS_BEFORE_START, (slot,)))
        meeting = meetings_by_id.get(slot.meeting_id)
        if meeting is not None:
            first, after_last = meeting.window()
            if slot.starts_at < first or slot.ends_at > after_last or slot.starts_at >= after_last:
                clashes.append(Clash(OUTSIDE_MEETING_DAYS, (slot,), meeting=meeting))
        room = rooms_by_id.get(slot.room_id) if slot.room_id is not None else None
        if (
            room is not None
            and room.capacity is not None
            and slot.capacity is not None
            and slot.capacity > room.capacity
        ):
            clashes.append(Clash(OVER_ROOM_CAPACITY, (slot,), room=room))
    return clashes


def _room_clashes(live: list[SessionSlot], rooms_by_id: dict[int, RoomRef]) -> list[Clash]:
    """Two sessions in one room at once."""
    by_id = {s.id: s for s in live}
    in_room: dict[int, list[Interval]] = defaultdict(list)
    for slot in live:
        if slot.room_id is not None:
            in_room[slot.room_id].append(Interval(slot.starts_at, slot.ends_at, slot.id))
    clashes: list[Clash] = []
    for room_id, intervals in in_room.items():
        room = rooms_by_id.get(room_id, RoomRef(room_id, ""))
        for first_id, second_id in overlapping_pairs(intervals):
            clashes.append(
                Clash(ROOM_DOUBLE_BOOKED, _in_order(by_id[first_id], by_id[second_id]), room=room)
            )
    return clashes


def _panelist_clashes(
    live: list[SessionSlot], unavailability: Iterable[Unavailability]
) -> list[Clash]:
    """A panelist in two sessions at once, or speaking while unavailable.

    One sweep per panelist over their sessions and their unavailable periods together.
    """
    by_id = {s.id: s for s in live}
    people: dict[int, PanelistRef] = {}
    busy: dict[int, list[Interval]] = defaultdict(list)
    for slot in live:
        for person in slot.panelists:
            people.setdefault(person.id, person)
            busy[person.id].append(Interval(slot.starts_at, slot.ends_at, ("session", slot.id)))
    away: dict[int, Unavailability] = {}
    for period in unavailability:
        if period.panelist_id in busy:
            away[period.id] = period
            busy[period.panelist_id].append(
                Interval(period.starts_at, period.ends_at, ("away", period.id))
            )
    clashes: list[Clash] = []
    for person_id, intervals in busy.items():
        person = people[person_id]
        for (first_kind, first_id), (second_kind, second_id) in overlapping_pairs(intervals):
            if first_kind == "session" and second_kind == "session":
                pair = _in_order(by_id[first_id], by_id[second_id])
                clashes.append(Clash(PANELIST_DOUBLE_BOOKED, pair, panelist=person))
            elif first_kind != second_kind:
                session_id = first_id if first_kind == "session" else second_id
                period_id = second_id if first_kind == "session" else first_id
                clashes.append(
                    Clash(
                        PANELIST_UNAVAILABLE,
                        (by_id[session_id],),
                        panelist=person,
                        unavailability=away[period_id],
                    )
                )
    return clashes


def _in_order(a: SessionSlot, b: SessionSlot) -> tuple[SessionSlot, SessionSlot]:
    return (a, b) if (a.starts_at, a.id) <= (b.starts_at, b.id) else (b, a)


def involving_meeting(clashes: Iterable[Clash], meeting_id: int) -> list[Clash]:
    """The clashes in which at least one session belongs to the meeting."""
    return [c for c in clashes if any(s.meeting_id == meeting_id for s in c.sessions)]
