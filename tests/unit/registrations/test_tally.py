"""PostgreSQL's `registration_tally` (migration 2026-12-05T01:00:00) stays equal to a fresh count.

`idmevents_register` decides a newcomer's seat from the tally instead of counting the meeting's
registrations, so the tally must follow every way a registration's status changes: each step
below changes some, then compares the tally with `count(*)` of every meeting.
"""

from __future__ import annotations

import os
from datetime import timedelta

import pytest

from idmevents import db
from idmevents.audit import PARTICIPANT, SYSTEM, Actor
from idmevents.meetings.tables import Meeting
from idmevents.registrations import meeting_cancellation, retention, services
from idmevents.registrations.desk import bulk
from idmevents.registrations.tables import Registration
from tests.factories.meetings import NOW, make_meeting
from tests.factories.registrations import form

pytestmark = pytest.mark.skipif(
    os.environ.get("IDMEVENTS_TEST_ENGINE", "sqlite") != "postgres",
    reason="the tally and its triggers are PostgreSQL's; SQLite's Python path counts",
)

ORGANIZER = Actor(None, "organizer@example.org")

FRESH = """
    SELECT m.id AS meeting,
           count(r.id) FILTER (WHERE r.status = 'confirmed') AS confirmed,
           count(r.id) FILTER (WHERE r.status = 'waitlisted') AS waitlisted,
           count(r.id) FILTER (WHERE r.status = 'waitlisted' AND r.waitlist_seq IS NOT NULL)
               AS waitlisted_ranked
      FROM meeting m LEFT JOIN registration r ON r.meeting = m.id
     GROUP BY m.id ORDER BY m.id
"""
KEPT = """
    SELECT m.id AS meeting,
           coalesce(t.confirmed, 0) AS confirmed,
           coalesce(t.waitlisted, 0) AS waitlisted,
           coalesce(t.waitlisted_ranked, 0) AS waitlisted_ranked
      FROM meeting m LEFT JOIN registration_tally t ON t.meeting = m.id
     ORDER BY m.id
"""


async def assert_tally_exact(step: str) -> list[dict]:
    fresh = await Registration.raw(FRESH)
    assert await Registration.raw(KEPT) == fresh, step
    # No row for a meeting that is gone.
    orphans = await Registration.raw(
        "SELECT count(*) AS n FROM registration_tally t "
        "WHERE NOT EXISTS (SELECT 1 FROM meeting m WHERE m.id = t.meeting)"
    )
    assert orphans == [{"n": 0}], step
    return fresh


async def ids_by_email(meeting: dict) -> dict[str, int]:
    rows = await Registration.select(Registration.id, Registration.email).where(
        Registration.meeting == meeting["id"]
    )
    return {row["email"].split("@")[0]: row["id"] for row in rows}


async def test_the_tally_follows_every_change_of_status():
    meeting = await make_meeting(slug="tally", capacity=2, approval_categories=("civil-society",))
    other = await make_meeting(slug="other", capacity=1)
    await assert_tally_exact("two empty meetings")

    # Registering through the one-statement function: confirmed, waiting, pending.
    for n in range(1, 5):
        await services.register(meeting, form(n), now=NOW)
    await services.register(meeting, form(5, category="civil-society"), now=NOW)
    await services.register(other, form(50), now=NOW)
    await services.register(other, form(51), now=NOW)
    await assert_tally_exact("registered: 2 confirmed, 2 waiting, 1 pending; 1 and 1 next door")
    people = await ids_by_email(meeting)

    # Seats added without anyone moving up: the next newcomer goes through the Python path,
    # which fills them first.
    await Meeting.update({Meeting.capacity: 3}).where(Meeting.id == meeting["id"])
    await services.register(meeting, form(6), now=NOW)
    await assert_tally_exact("seats free: the Python path registered and promoted")
    await Meeting.update({Meeting.capacity: 4}).where(Meeting.id == meeting["id"])
    await services.fill_free_seats(meeting["id"], now=NOW)
    await assert_tally_exact("capacity raised: the waiting list moved up")
    people = await ids_by_email(meeting)

    # Cancelling a seat promotes the next one; an organizer's decisions.
    await services.cancel(people["person1"], by=PARTICIPANT, now=NOW)
    await assert_tally_exact("cancelled a confirmed one")
    await services.reject(people["person5"], "No space", by=ORGANIZER, now=NOW)
    await assert_tally_exact("rejected a pending one")
    await services.reinstate(people["person5"], by=ORGANIZER, now=NOW)
    await assert_tally_exact("reconsidered: pending again")
    await services.approve(people["person5"], by=ORGANIZER, now=NOW)
    await assert_tally_exact("approved onto the waiting list")
    await services.promote(people["person5"], by=ORGANIZER, now=NOW, over_capacity=True)
    await assert_tally_exact("promoted beyond capacity")
    await services.reinstate(people["person1"], now=NOW)
    await assert_tally_exact("the owner took up a cancelled registration")
    await services.register(meeting, form(7, category="civil-society"), now=NOW)
    people = await ids_by_email(meeting)
    await services.edit_registration(
        people["person7"], {"category": "member-state"}, by=ORGANIZER, now=NOW
    )
    await assert_tally_exact("a pending one moved out of approval: decided")
    await bulk.cancel_many(meeting, [people["person2"], people["person7"]], by=ORGANIZER, now=NOW)
    await assert_tally_exact("a group cancelled at once")

    # An import chunk: one statement for many rows.
    checked = [
        services.check_registration(services._as_form(form(n), services.RegistrationForm), {})
        for n in range(100, 110)
    ]
    await services.import_forms(meeting["id"], checked, now=NOW, by=ORGANIZER, send_emails=False)
    await assert_tally_exact("ten imported")

    # Held seats: named into a hold, replaced, the hold shrunk, the holds released.
    async with db.write_transaction():
        await services._lock_meeting(other["id"])
        hold = await services.create_hold(other["id"], 2, country="CL")
    delegate = services.HeldPerson(given_name="Ana", family_name="Held", email="held@example.org")
    named = await services.register_in_hold(hold, delegate, by=ORGANIZER, now=NOW)
    await assert_tally_exact("named into a hold")
    await services.register_in_hold(
        hold,
        services.HeldPerson(given_name="Bea", family_name="Held", email="held2@example.org"),
        by=ORGANIZER,
        now=NOW,
        replacing=named.registration["id"],
    )
    await assert_tally_exact("a delegate replaced")
    await services.set_hold_seats(hold, 1, now=NOW)
    await Meeting.update({Meeting.held_seats_release_at: NOW, Meeting.capacity: 3}).where(
        Meeting.id == other["id"]
    )
    await services.release_due_holds(now=NOW)
    await assert_tally_exact("held seats released")

    # Places held until the address is confirmed, released by the worker.
    confirming = await make_meeting(slug="confirming", capacity=1)
    await Meeting.update({Meeting.confirm_email_first: True}).where(Meeting.id == confirming["id"])
    confirming = await Meeting.select().where(Meeting.id == confirming["id"]).first()
    await services.register(confirming, form(200), now=NOW)
    await services.register(confirming, form(201), now=NOW)
    await assert_tally_exact("registered, addresses not confirmed")
    await services.release_unconfirmed(NOW + timedelta(days=2))
    await assert_tally_exact("unconfirmed places released")

    # A hybrid meeting: moving between the room and online.
    hybrid = await make_meeting(slug="hybrid", capacity=2, mode="hybrid", capacity_online=1)
    await services.register(hybrid, form(300), now=NOW)
    await services.register(hybrid, form(301, attendance="online"), now=NOW)
    await services.register(hybrid, form(302, attendance="online"), now=NOW)
    await assert_tally_exact("hybrid: one in the room, one online, one waiting online")
    moving = (await ids_by_email(hybrid))["person301"]
    # Into the room's free seat: the online place goes to the one waiting for it.
    await services.change_attendance(moving, "in_person", by=PARTICIPANT, now=NOW)
    await assert_tally_exact("hybrid: attendance changed")

    # Rows deleted in SQL: one waiting, one confirmed (no promotion: only the counts change).
    imported = await ids_by_email(meeting)
    await Registration.delete().where(
        Registration.id.is_in([imported["person100"], imported["person3"]])
    )
    await assert_tally_exact("two registrations deleted")

    # The meeting cancelled; personal data erased (statuses stay, counted).
    await meeting_cancellation.cancel_meeting("confirming", by=ORGANIZER, now=NOW)
    await assert_tally_exact("meeting cancelled")
    cancelled = (await ids_by_email(meeting))["person2"]
    await retention.erase_registration(cancelled, by=ORGANIZER, now=NOW)
    assert await retention.erase_expired(NOW + timedelta(days=3650), by=SYSTEM)
    await assert_tally_exact("personal data erased")

    # Meetings deleted with their registrations.
    await Meeting.delete().where(Meeting.id == meeting["id"])
    fresh = await assert_tally_exact("a meeting deleted with its registrations")
    assert [row["meeting"] for row in fresh] == [other["id"], confirming["id"], hybrid["id"]]


async def test_a_newcomer_is_decided_by_the_tally_not_a_count():
    """The function reads the tally: one made wrong on purpose shows in its decision."""
    meeting = await make_meeting(capacity=5)
    await services.register(meeting, form(1), now=NOW)
    await Registration.raw(
        "UPDATE registration_tally SET confirmed = 5 WHERE meeting = {}", meeting["id"]
    )
    result = await services.register(meeting, form(2), now=NOW)
    assert (result.status, result.waitlist_position) == ("waitlisted", 1)
