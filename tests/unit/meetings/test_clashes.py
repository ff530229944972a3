"""The clash finder: the sweep agrees with brute force, and each kind of clash across time zones."""

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from hypothesis import given, settings
from hypothesis import strategies as st

from idmevents.meetings.clashes import (
    ENDS_BEFORE_START,
    OUTSIDE_MEETING_DAYS,
    OVER_ROOM_CAPACITY,
    PANELIST_DOUBLE_BOOKED,
    PANELIST_UNAVAILABLE,
    ROOM_DOUBLE_BOOKED,
    Clash,
    Interval,
    MeetingDays,
    PanelistRef,
    RoomRef,
    SessionSlot,
    Unavailability,
    find_clashes,
    overlapping_pairs,
)

NEW_YORK = ZoneInfo("America/New_York")
ZURICH = ZoneInfo("Europe/Zurich")
BASE = datetime(2027, 4, 20, tzinfo=UTC)
NY_MEETING = MeetingDays(
    1, "idm-new-york", "America/New_York", date(2027, 4, 20), date(2027, 4, 21)
)
GE_MEETING = MeetingDays(2, "idm-geneva", "Europe/Zurich", date(2027, 4, 20), date(2027, 4, 21))
SWING = PanelistRef(7, "William Lacy Swing")


def ny(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2027, 4, day, hour, minute, tzinfo=NEW_YORK)


def ge(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2027, 4, day, hour, minute, tzinfo=ZURICH)


def slot(session_id, starts_at, ends_at, *, meeting=NY_MEETING, **extra) -> SessionSlot:
    return SessionSlot(
        id=session_id,
        meeting_id=meeting.id,
        meeting_slug=meeting.slug,
        timezone=meeting.timezone,
        title=f"Session {session_id}",
        starts_at=starts_at,
        ends_at=ends_at,
        **extra,
    )


def brute_force_pairs(intervals: list[Interval]) -> set[frozenset]:
    pairs = set()
    for i, a in enumerate(intervals):
        for b in intervals[i + 1 :]:
            nonempty = a.starts_at < a.ends_at and b.starts_at < b.ends_at
            if nonempty and a.starts_at < b.ends_at and b.starts_at < a.ends_at:
                pairs.add(frozenset((a.key, b.key)))
    return pairs


interval_lists = st.lists(
    st.tuples(st.integers(0, 60), st.integers(-5, 20)), min_size=0, max_size=40
).map(
    lambda spans: [
        Interval(
            BASE + timedelta(minutes=15 * start),
            BASE + timedelta(minutes=15 * (start + length)),
            key,
        )
        for key, (start, length) in enumerate(spans)
    ]
)


@settings(max_examples=300, deadline=None)
@given(interval_lists)
def test_overlapping_pairs_agrees_with_brute_force(intervals):
    found = overlapping_pairs(intervals)
    assert len(found) == len(set(map(frozenset, found)))  # no pair twice
    assert {frozenset(pair) for pair in found} == brute_force_pairs(intervals)


@settings(max_examples=200, deadline=None)
@given(interval_lists, st.lists(st.sampled_from([None, 1, 2]), min_size=40, max_size=40))
def test_room_clashes_agree_with_brute_force(intervals, room_choice):
    sessions = [slot(i.key, i.starts_at, i.ends_at, room_id=room_choice[i.key]) for i in intervals]
    expected = set()
    for room in (1, 2):
        in_room = [i for i in intervals if room_choice[i.key] == room]
        expected |= brute_force_pairs(in_room)
    clashes = [c for c in find_clashes(sessions) if c.kind == ROOM_DOUBLE_BOOKED]
    assert {frozenset(c.session_ids) for c in clashes} == expected


def test_overlapping_pairs_back_to_back_is_no_overlap():
    first = Interval(ny(20, 10), ny(20, 11), "a")
    second = Interval(ny(20, 11), ny(20, 12), "b")
    assert overlapping_pairs([second, first]) == []


def test_panelist_in_new_york_and_geneva_at_once_clashes():
    # 10:00 EDT is 14:00 UTC; 16:00 CEST is 14:00 UTC: the same instant, two continents.
    new_york = slot(1, ny(20, 10), ny(20, 11), panelists=(SWING,))
    geneva = slot(2, ge(20, 16), ge(20, 17), meeting=GE_MEETING, panelists=(SWING,))
    assert find_clashes([geneva, new_york], meetings=[NY_MEETING, GE_MEETING]) == [
        Clash(PANELIST_DOUBLE_BOOKED, (new_york, geneva), panelist=SWING)
    ]
    assert find_clashes([new_york, geneva])[0].meeting_slugs == ("idm-new-york", "idm-geneva")


def test_panelist_same_local_clock_in_two_zones_does_not_clash():
    new_york = slot(1, ny(20, 10), ny(20, 11), panelists=(SWING,))
    geneva = slot(2, ge(20, 10), ge(20, 11), meeting=GE_MEETING, panelists=(SWING,))
    assert find_clashes([new_york, geneva]) == []


def test_cancelled_session_never_clashes():
    kept = slot(1, ny(20, 10), ny(20, 11), panelists=(SWING,), room_id=3)
    cancelled = slot(2, ny(20, 10), ny(20, 11), panelists=(SWING,), room_id=3, status="cancelled")
    assert find_clashes([kept, cancelled], rooms=[RoomRef(3, "Conference Room 2", 10)]) == []


def test_two_sessions_in_one_room_at_once_clash():
    room = RoomRef(3, "Conference Room 2", 100)
    first = slot(1, ny(20, 10), ny(20, 12), room_id=3)
    second = slot(2, ny(20, 11, 30), ny(20, 13), room_id=3)
    elsewhere = slot(3, ny(20, 11), ny(20, 12), room_id=4)
    assert find_clashes([second, elsewhere, first], rooms=[room]) == [
        Clash(ROOM_DOUBLE_BOOKED, (first, second), room=room)
    ]


def test_panelist_during_unavailable_time_clashes_across_zones():
    # Unavailable 15:00–18:00 in Geneva (13:00–16:00 UTC); the New York session is 14:00–15:00 UTC.
    away = Unavailability(5, SWING.id, ge(20, 15), ge(20, 18), "Flying to Geneva")
    session = slot(1, ny(20, 10), ny(20, 11), panelists=(SWING,))
    later = slot(2, ny(20, 12), ny(20, 13), panelists=(SWING,))
    assert find_clashes([session, later], unavailability=[away]) == [
        Clash(PANELIST_UNAVAILABLE, (session,), panelist=SWING, unavailability=away)
    ]


def test_unavailability_of_someone_else_does_not_clash():
    away = Unavailability(5, 99, ny(20, 0), ny(21, 23))
    session = slot(1, ny(20, 10), ny(20, 11), panelists=(SWING,))
    assert find_clashes([session], unavailability=[away]) == []


def test_session_outside_meeting_days_in_local_dates():
    # 21 April 23:30 in New York is 22 April in UTC, but still the meeting's last day locally.
    late_evening = slot(1, ny(21, 22), ny(21, 23, 30))
    day_after = slot(2, ny(22, 9), ny(22, 10))
    day_before = slot(3, ny(19, 23), ny(20, 1))
    clashes = find_clashes([late_evening, day_after, day_before], meetings=[NY_MEETING])
    assert clashes == [
        Clash(OUTSIDE_MEETING_DAYS, (day_before,), meeting=NY_MEETING),
        Clash(OUTSIDE_MEETING_DAYS, (day_after,), meeting=NY_MEETING),
    ]


def test_geneva_morning_is_inside_its_day_though_utc_is_the_day_before():
    early = slot(1, ge(20, 0, 30), ge(20, 1), meeting=GE_MEETING)
    assert early.starts_at.astimezone(UTC).date() == date(2027, 4, 19)
    assert find_clashes([early], meetings=[GE_MEETING]) == []


def test_session_ending_before_it_starts_clashes():
    backwards = slot(1, ny(20, 11), ny(20, 10), panelists=(SWING,), room_id=3)
    other = slot(2, ny(20, 10), ny(20, 11), panelists=(SWING,), room_id=3)
    assert find_clashes([backwards, other], meetings=[NY_MEETING]) == [
        Clash(ENDS_BEFORE_START, (backwards,))
    ]


def test_session_capacity_over_room_capacity_clashes():
    small = RoomRef(3, "Conference Room 2", 30)
    big_session = slot(1, ny(20, 10), ny(20, 11), room_id=3, capacity=40)
    fits = slot(2, ny(20, 12), ny(20, 13), room_id=3, capacity=30)
    no_limit = slot(3, ny(20, 14), ny(20, 15), room_id=3)
    assert find_clashes([big_session, fits, no_limit], rooms=[small]) == [
        Clash(OVER_ROOM_CAPACITY, (big_session,), room=small)
    ]


def test_clashes_come_in_time_order():
    room = RoomRef(3, "Hall", None)
    a = slot(1, ny(20, 15), ny(20, 16), room_id=3)
    b = slot(2, ny(20, 15), ny(20, 16), room_id=3)
    c = slot(3, ny(20, 9), ny(20, 10), panelists=(SWING,))
    d = slot(4, ny(20, 9, 30), ny(20, 10, 30), panelists=(SWING,))
    assert [c.kind for c in find_clashes([a, b, c, d], rooms=[room])] == [
        PANELIST_DOUBLE_BOOKED,
        ROOM_DOUBLE_BOOKED,
    ]
