"""Attendance: in the room or online, each side of a hybrid meeting with its own seats and line."""

import pytest

from idmevents.audit import PARTICIPANT
from idmevents.badges import services as badges
from idmevents.errors import Conflict, InvalidInput
from idmevents.registrations import services
from idmevents.registrations.tables import Registration
from tests.factories.meetings import NOW, make_meeting
from tests.factories.registrations import form


async def register(meeting, n, attendance=None):
    values = form(n) if attendance is None else form(n, attendance=attendance)
    return (await services.register(meeting, values, now=NOW)).registration


async def statuses() -> list[tuple[str, str, str]]:
    rows = await Registration.select(
        Registration.email, Registration.attendance, Registration.status
    ).order_by(Registration.id)
    return [(r["email"].split("@")[0], r["attendance"], r["status"]) for r in rows]


async def test_hybrid_sides_fill_and_move_up_separately():
    meeting = await make_meeting(capacity=1, capacity_online=1, mode="hybrid")
    room1 = await register(meeting, 1)  # in the room unless said otherwise
    online1 = await register(meeting, 2, "online")
    room2 = await register(meeting, 3, "in_person")
    online2 = await register(meeting, 4, "online")
    assert await statuses() == [
        ("person1", "in_person", "confirmed"),
        ("person2", "online", "confirmed"),
        ("person3", "in_person", "waitlisted"),
        ("person4", "online", "waitlisted"),
    ]
    assert await services.waitlist_position(room2) == 1
    assert await services.waitlist_position(online2) == 1
    # An online place freed goes to the online line, not to the room's.
    await services.cancel(online1["id"], by=PARTICIPANT, now=NOW)
    assert [s for _, _, s in await statuses()] == [
        "confirmed",
        "cancelled",
        "waitlisted",
        "confirmed",
    ]
    assert room1["attendance"] == "in_person"


async def test_online_and_in_person_meetings_decide_for_everyone():
    online = await make_meeting(slug="online-one", capacity=5, mode="online")
    assert (await register(online, 1))["attendance"] == "online"
    with pytest.raises(InvalidInput) as caught:
        await register(online, 2, "in_person")
    assert set(caught.value.fields) == {"attendance"}
    in_room = await make_meeting(slug="room-one", capacity=5)
    with pytest.raises(InvalidInput):
        await register(in_room, 3, "online")
    with pytest.raises(InvalidInput):
        await register(in_room, 4, "sofa")
    assert await Registration.count() == 1


async def test_switching_side_needs_a_free_place_and_frees_one():
    meeting = await make_meeting(capacity=1, capacity_online=1, mode="hybrid")
    room1 = await register(meeting, 1)
    room2 = await register(meeting, 2)  # waits for the room
    # The waiting person moves online, where a place is free: confirmed there.
    result = await services.change_attendance(room2["id"], "online", by=PARTICIPANT, now=NOW)
    assert (result.status, result.registration["attendance"]) == ("confirmed", "online")
    # Now online is full: the person in the room cannot switch and keeps their seat.
    with pytest.raises(Conflict):
        await services.change_attendance(room1["id"], "online", by=PARTICIPANT, now=NOW)
    await register(meeting, 3)  # waits for the room
    # The online one goes back to the room? No seat there: refused, place in line kept.
    with pytest.raises(Conflict):
        await services.change_attendance(room2["id"], "in_person", by=PARTICIPANT, now=NOW)
    # The one in the room switches online after the online one left: the room's seat goes to
    # the next in the room's line.
    await services.cancel(room2["id"], by=PARTICIPANT, now=NOW)
    await services.change_attendance(room1["id"], "online", by=PARTICIPANT, now=NOW)
    assert await statuses() == [
        ("person1", "online", "confirmed"),
        ("person2", "online", "cancelled"),
        ("person3", "in_person", "confirmed"),
    ]


async def test_switching_is_for_hybrid_meetings_only():
    meeting = await make_meeting(capacity=3)
    person = await register(meeting, 1)
    with pytest.raises(Conflict):
        await services.change_attendance(person["id"], "online", by=PARTICIPANT, now=NOW)
    with pytest.raises(InvalidInput):
        await services.change_attendance(person["id"], "balcony", by=PARTICIPANT, now=NOW)


async def test_online_participants_have_no_badge_and_cannot_be_checked_in():
    meeting = await make_meeting(capacity=3, capacity_online=3, mode="hybrid")
    online = await register(meeting, 1, "online")
    in_room = await register(meeting, 2)
    page = await badges.badge_for_token(online["token"])
    assert (page.status, page.badge) == ("online", None)
    assert (await badges.badge_for_token(in_room["token"])).badge is not None
    result = await badges.check_in(meeting, online["id"], by=None, now=NOW)
    assert (result.outcome, result.reason) == (badges.REFUSED, "online")
    assert "online" in result.message
    totals = await badges.arrival_counts(meeting)
    assert totals.expected == 1
