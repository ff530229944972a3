"""The desk's services: folding for search and sorting, the default meeting, filters,
counts, and approving several at once."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from idmevents.audit import SYSTEM
from idmevents.errors import InvalidInput
from idmevents.registrations import desk, services
from tests.factories.meetings import NOW, make_meeting
from tests.factories.registrations import desk_meeting


def test_fold_drops_accents_and_case():
    assert [desk.fold(t) for t in ("Zúñiga", "ÁLVAREZ", "Straße", "Nguyễn", "Ørsted")] == [
        "zuniga",
        "alvarez",
        "strasse",
        "nguyen",
        "ørsted",  # a letter of its own, not an accented o
    ]


def meeting(slug: str, starts: date, ends: date, status: str = "published") -> dict:
    return {
        "slug": slug,
        "starts_on": starts,
        "ends_on": ends,
        "status": status,
        "timezone": "Europe/Zurich",
    }


def test_default_meeting_is_the_next_published_one():
    now = datetime(2027, 4, 21, 20, 0, tzinfo=UTC)  # 22:00 in Geneva, on the last day of "b"
    meetings = [
        meeting("a", date(2027, 1, 10), date(2027, 1, 11)),
        meeting("b", date(2027, 4, 20), date(2027, 4, 21)),
        meeting("c", date(2027, 7, 20), date(2027, 7, 21)),
        meeting("draft", date(2027, 3, 1), date(2027, 3, 2), status="draft"),
    ]
    assert desk.default_meeting(meetings, now)["slug"] == "b"
    later = datetime(2027, 4, 21, 22, 30, tzinfo=UTC)  # past midnight in Geneva
    assert desk.default_meeting(meetings, later)["slug"] == "c"
    only_drafts = [meeting("draft", date(2027, 3, 1), date(2027, 3, 2), status="draft")]
    assert desk.default_meeting(only_drafts, now)["slug"] == "draft"
    past = [
        meeting("a", date(2027, 1, 10), date(2027, 1, 11)),
        meeting("b", date(2027, 2, 1), date(2027, 2, 2)),
    ]
    assert desk.default_meeting(past, now)["slug"] == "b"
    assert desk.default_meeting([], now) is None


async def test_check_filters_names_every_bad_one():
    setup = await desk_meeting()
    other = await make_meeting(slug="other")
    from tests.factories.meetings import make_session

    foreign = await make_session(other, "x")
    with pytest.raises(InvalidInput) as caught:
        await desk.check_filters(
            setup.meeting,
            status="gone",
            category="press",
            country="zz",
            session=foreign["id"],
            q="x" * 201,
            sort="age",
        )
    assert set(caught.value.fields) == {"status", "category", "country", "session", "q", "sort"}
    good = await desk.check_filters(
        setup.meeting, status=" Pending ", country="cl", q="  José\n Álvarez ", sort=None
    )
    assert good == desk.DeskFilters(status="pending", country="CL", q="José Álvarez", sort="-date")


async def test_find_registrations_needs_every_word_and_numbers_the_waiting_list():
    setup = await desk_meeting()
    found = await desk.find_registrations(setup.meeting, desk.DeskFilters(q="ana mission"))
    assert [r["id"] for r in found] == [setup.ids["ana"]]
    assert await desk.find_registrations(setup.meeting, desk.DeskFilters(q="ana voices")) == []
    await services.approve(setup.ids["zoe"], by=SYSTEM, now=NOW)  # full: waits behind Dan
    waiting = await desk.find_registrations(
        setup.meeting, desk.DeskFilters(status="waitlisted", sort="name")
    )
    assert [(r["family_name"], r["waitlist_position"]) for r in waiting] == [
        ("Müller", 2),
        ("Waiting", 1),
    ]


async def test_meeting_counts_after_a_seat_beyond_capacity():
    setup = await desk_meeting()
    await services.promote(setup.ids["dan"], by=SYSTEM, now=NOW, over_capacity=True)
    counts = await desk.meeting_counts(setup.meeting)
    assert (counts.capacity, counts.taken, counts.seats_left, counts.over_capacity) == (3, 4, 0, 1)
    assert (counts.full, counts.waiting, counts.total) == (True, 0, 6)
    assert [(c.category, c.counts["confirmed"], c.total) for c in counts.categories] == [
        ("member-state", 2, 2),
        ("un-igo", 1, 1),
        ("civil-society", 0, 1),
        ("academia", 1, 1),
        ("media", 0, 1),
    ]


async def test_approve_many_takes_the_earliest_first_and_skips_others():
    setup = await desk_meeting(capacity=4)
    other = await desk_meeting(slug="other-meeting")
    result = await desk.approve_many(
        setup.meeting,
        [setup.ids["bob"], setup.ids["zoe"], setup.ids["jose"], other.ids["zoe"]],
        by=SYSTEM,
        now=NOW,
    )
    # Dan, waiting, took the fourth seat when the first approval filled seats.
    assert result == desk.BulkResult(
        confirmed=[], waitlisted=["Zoë Müller", "Bob Pending"], skipped=["José Álvarez"]
    )
    with pytest.raises(InvalidInput):
        await desk.approve_many(setup.meeting, [0, -5], by=SYSTEM, now=NOW)
