"""Delegations: quotas held as seats, nominations within the quota (also when ten arrive at
once), replacements, the head, and the seats public registration may not take."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest

from idmevents.audit import SYSTEM
from idmevents.delegations import focal_points, services
from idmevents.delegations.tables import Delegation
from idmevents.errors import Conflict, InvalidInput, NotFound
from idmevents.mail.tables import OutboxMessage
from idmevents.meetings.tables import Meeting
from idmevents.registrations import services as registrations
from idmevents.registrations.tables import Registration
from tests.factories.delegations import make_delegation, nominee
from tests.factories.meetings import NOW, make_meeting
from tests.factories.registrations import form


async def statuses(meeting_id: int) -> dict[str, int]:
    rows = await Registration.select(Registration.status).where(Registration.meeting == meeting_id)
    counts: dict[str, int] = {}
    for row in rows:
        counts[row["status"]] = counts.get(row["status"], 0) + 1
    return counts


async def test_delegation_holds_its_quota_and_lists_seats_used():
    meeting = await make_meeting(capacity=10)
    delegation = await make_delegation(meeting, "CH", quota=3)
    await services.nominate(delegation, nominee(1), by=SYSTEM, now=NOW)

    [listed] = await services.list_delegations(meeting["id"])
    assert (listed["country"], listed["quota"], listed["used"], listed["seats_left"]) == (
        "CH",
        3,
        1,
        2,
    )
    assert services.nomination_url(listed).endswith(f"/d/{delegation['token']}")
    assert await services.held_seats(meeting["id"]) == 2


async def test_delegation_input_is_checked():
    meeting = await make_meeting()
    with pytest.raises(InvalidInput) as bad:
        await services.create_delegation(
            meeting,
            {"country": "XX", "focal_point_name": "", "focal_point_email": "nope", "quota": -1},
            by=SYSTEM,
            now=NOW,
        )
    assert set(bad.value.fields) == {"country", "focal_point_name", "focal_point_email", "quota"}
    await make_delegation(meeting, "CH")
    with pytest.raises(Conflict):
        await make_delegation(meeting, "CH")
    assert await Delegation.count() == 1


async def test_nomination_past_the_quota_is_refused():
    meeting = await make_meeting(capacity=10)
    delegation = await make_delegation(meeting, quota=2)
    for n in (1, 2):
        result = await services.nominate(delegation, nominee(n), by=SYSTEM, now=NOW)
        assert result.status == "confirmed"
    with pytest.raises(Conflict) as full:
        await services.nominate(delegation, nominee(3), by=SYSTEM, now=NOW)
    assert full.value.extra["reason"] == "quota"
    assert await Registration.count() == 2


async def test_ten_concurrent_nominations_for_three_seats_make_three():
    meeting = await make_meeting(capacity=50)
    delegation = await make_delegation(meeting, quota=3)

    async def one(n: int):
        try:
            return await services.nominate(delegation, nominee(n), by=SYSTEM, now=NOW)
        except Conflict as exc:
            return exc

    answers = await asyncio.gather(*(one(n) for n in range(10)))
    conflicts = [a for a in answers if isinstance(a, Conflict)]
    assert len(conflicts) == 7
    assert {c.extra["reason"] for c in conflicts} == {"quota"}
    assert await statuses(meeting["id"]) == {"confirmed": 3}
    assert len(await services.delegates(delegation)) == 3


async def test_delegate_without_email_is_registered_and_not_emailed():
    meeting = await make_meeting()
    delegation = await make_delegation(meeting)
    result = await services.nominate(delegation, nominee(1, email=""), by=SYSTEM, now=NOW)
    assert result.status == "confirmed"
    assert result.registration["email"] == ""
    assert await OutboxMessage.count() == 0
    await services.nominate(delegation, nominee(2, email=""), by=SYSTEM, now=NOW)
    assert await Registration.count() == 2


async def test_delegate_with_email_gets_the_confirmation():
    meeting = await make_meeting()
    delegation = await make_delegation(meeting)
    result = await services.nominate(delegation, nominee(1), by=SYSTEM, now=NOW)
    rows = await OutboxMessage.select(OutboxMessage.to_address, OutboxMessage.kind)
    assert rows == [
        {"to_address": "delegate1@mission.example.org", "kind": "registration-confirmed"}
    ]
    assert result.registration["category"] == "member-state"
    assert result.registration["country"] == "CH"
    assert result.registration["organization"] == "Switzerland"


async def test_replacing_a_delegate_cancels_them_tells_them_and_keeps_the_head():
    meeting = await make_meeting()
    delegation = await make_delegation(meeting, quota=1)
    first = await services.nominate(delegation, nominee(1, head=True), by=SYSTEM, now=NOW)
    delegation = await services.get_delegation(delegation["id"])
    assert delegation["head"] == first.registration["id"]

    second = await services.nominate(
        delegation, nominee(2), by=SYSTEM, now=NOW, replacing=first.registration["id"]
    )
    old = await Registration.select().where(Registration.id == first.registration["id"]).first()
    assert old["status"] == "cancelled"
    kinds = await OutboxMessage.select(OutboxMessage.to_address, OutboxMessage.kind).order_by(
        OutboxMessage.id
    )
    assert {
        "to_address": "delegate1@mission.example.org",
        "kind": "registration-cancelled",
    } in kinds
    delegation = await services.get_delegation(delegation["id"])
    assert delegation["head"] == second.registration["id"]
    assert [d["id"] for d in await services.delegates(delegation)] == [second.registration["id"]]


async def test_replacing_someone_of_another_delegation_is_refused():
    meeting = await make_meeting()
    ours = await make_delegation(meeting, "CH")
    theirs = await make_delegation(meeting, "FR")
    stranger = await services.nominate(theirs, nominee(1), by=SYSTEM, now=NOW)
    with pytest.raises(NotFound):
        await services.nominate(
            ours, nominee(2), by=SYSTEM, now=NOW, replacing=stranger.registration["id"]
        )
    assert await statuses(meeting["id"]) == {"confirmed": 1}


async def test_set_head_moves_the_head_first():
    meeting = await make_meeting()
    delegation = await make_delegation(meeting)
    a = await services.nominate(delegation, nominee(1), by=SYSTEM, now=NOW)
    b = await services.nominate(delegation, nominee(2), by=SYSTEM, now=NOW)
    await services.set_head(delegation, b.registration["id"], by=SYSTEM, now=NOW)
    delegation = await services.get_delegation(delegation["id"])
    listed = await services.delegates(delegation)
    assert [(d["id"], d["head"]) for d in listed] == [
        (b.registration["id"], True),
        (a.registration["id"], False),
    ]


async def test_link_is_refused_once_revoked_or_the_focal_point_changes():
    meeting = await make_meeting()
    delegation = await make_delegation(meeting)
    assert (await services.by_token(delegation["token"]))["id"] == delegation["id"]
    renewed = await focal_points.renew_link(delegation["id"], by=SYSTEM, now=NOW)
    with pytest.raises(NotFound):
        await services.by_token(delegation["token"])
    assert (await services.by_token(renewed["token"]))["id"] == delegation["id"]
    assert await OutboxMessage.count().where(OutboxMessage.kind == "focal-point-new-link") == 1
    await Delegation.update({Delegation.focal_point_email: "new@mission.example.org"}).where(
        Delegation.id == delegation["id"]
    )
    with pytest.raises(NotFound):
        await services.by_token(renewed["token"])
    await focal_points.revoke_link(delegation["id"], by=SYSTEM, now=NOW)
    assert (await services.get_delegation(delegation["id"]))["token"] is None


async def test_public_registration_never_takes_a_held_seat():
    meeting = await make_meeting(capacity=5)
    await make_delegation(meeting, "CH", quota=2)
    await make_delegation(meeting, "FR", quota=1)
    answers = [(await registrations.register(meeting, form(n), now=NOW)).status for n in range(4)]
    assert answers == ["confirmed", "confirmed", "waitlisted", "waitlisted"]


async def test_many_concurrent_public_registrations_leave_held_seats_alone():
    meeting = await make_meeting(capacity=20)
    delegation = await make_delegation(meeting, "CH", quota=20)

    async def one(n: int):
        return (await registrations.register(meeting, form(n), now=NOW)).status

    answers = await asyncio.gather(*(one(n) for n in range(30)))
    assert answers.count("confirmed") == 0
    assert await statuses(meeting["id"]) == {"waitlisted": 30}
    # The delegation still gets every one of its seats.
    for n in range(3):
        result = await services.nominate(delegation, nominee(n), by=SYSTEM, now=NOW)
        assert result.status == "confirmed"


async def test_release_date_gives_held_seats_to_the_waiting_list():
    release = NOW + timedelta(days=1)
    meeting = await make_meeting(capacity=3)
    await Meeting.update({Meeting.held_seats_release_at: release}).where(
        Meeting.id == meeting["id"]
    )
    meeting = await Meeting.select().where(Meeting.id == meeting["id"]).first()
    delegation = await make_delegation(meeting, quota=3)
    await services.nominate(delegation, nominee(1), by=SYSTEM, now=NOW)
    for n in range(3):
        await registrations.register(meeting, form(n), now=NOW)
    assert await statuses(meeting["id"]) == {"confirmed": 1, "waitlisted": 3}

    assert await registrations.release_due_holds(now=NOW) == 0
    assert await registrations.release_due_holds(now=release) == 1
    assert await statuses(meeting["id"]) == {"confirmed": 3, "waitlisted": 1}
    promoted = await OutboxMessage.select(OutboxMessage.to_address).where(
        OutboxMessage.kind == "registration-promoted"
    )
    assert sorted(r["to_address"] for r in promoted) == [
        "person0@example.org",
        "person1@example.org",
    ]
    # Once: a second pass finds no free seat and emails nobody.
    await registrations.release_due_holds(now=release + timedelta(hours=1))
    assert await OutboxMessage.count().where(OutboxMessage.kind == "registration-promoted") == 2


async def test_next_registration_after_the_release_date_moves_the_waiting_list():
    release = NOW + timedelta(days=1)
    meeting = await make_meeting(capacity=2)
    await Meeting.update({Meeting.held_seats_release_at: release}).where(
        Meeting.id == meeting["id"]
    )
    meeting = await Meeting.select().where(Meeting.id == meeting["id"]).first()
    await make_delegation(meeting, quota=2)
    await registrations.register(meeting, form(1), now=NOW)
    later = await registrations.register(meeting, form(2), now=release)
    first = await Registration.select(Registration.status).where(
        Registration.email == "person1@example.org"
    )
    assert (first[0]["status"], later.status) == ("confirmed", "confirmed")


async def test_the_worker_releases_held_seats_after_the_date():
    from idmevents import wiring
    from idmevents.mail import worker

    wiring.register_mail_renderers()
    wiring.register_worker_chores()
    release = NOW + timedelta(days=1)
    meeting = await make_meeting(capacity=1)
    await Meeting.update({Meeting.held_seats_release_at: release}).where(
        Meeting.id == meeting["id"]
    )
    meeting = await Meeting.select().where(Meeting.id == meeting["id"]).first()
    await make_delegation(meeting, quota=1)
    await registrations.register(meeting, form(1), now=NOW)
    chores_run: dict = {}
    await worker.run_due_chores(NOW, chores_run)
    assert await statuses(meeting["id"]) == {"waitlisted": 1}
    await worker.run_due_chores(release, chores_run)
    assert await statuses(meeting["id"]) == {"confirmed": 1}
