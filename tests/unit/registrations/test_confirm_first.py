""" "Confirm your address first": places held unconfirmed, the link that confirms, the worker's
release to the waiting list, and all of it racing new registrations on both engines."""

from __future__ import annotations

import asyncio
from collections import Counter
from datetime import timedelta

import pytest

from idmevents.audit.tables import AuditEntry
from idmevents.errors import Conflict
from idmevents.mail.tables import OutboxMessage
from idmevents.meetings.tables import Meeting
from idmevents.registrations import services
from idmevents.registrations.tables import Registration
from tests.factories.meetings import NOW, make_meeting
from tests.factories.registrations import form
from tests.support.outbox import body_html, body_text, outbox_messages

DEADLINE = NOW + timedelta(hours=24)
LATER = DEADLINE + timedelta(minutes=1)


async def confirm_first_meeting(capacity: int, hours: int = 24) -> dict:
    meeting = await make_meeting(capacity=capacity)
    await Meeting.update(
        {Meeting.confirm_email_first: True, Meeting.confirm_within_hours: hours}
    ).where(Meeting.id == meeting["id"])
    return await Meeting.select().where(Meeting.id == meeting["id"]).first()


async def row(registration_id: int) -> dict:
    return await Registration.select().where(Registration.id == registration_id).first()


async def emails_by_registration(kind: str) -> Counter:
    rows = (
        await OutboxMessage.select(OutboxMessage.registration)
        .where(OutboxMessage.kind == f"registration-{kind}")
        .order_by(OutboxMessage.id)
    )
    return Counter(r["registration"] for r in rows)


async def test_a_new_registration_holds_its_place_unconfirmed_and_its_email_says_how_to_keep_it():
    meeting = await confirm_first_meeting(capacity=1, hours=48)
    ana = await services.register(meeting, form(1), now=NOW)
    bob = await services.register(meeting, form(2, language="fr"), now=NOW)
    assert (ana.registration["status"], bob.registration["status"]) == ("confirmed", "waitlisted")
    for result in (ana, bob):
        assert (await row(result.registration["id"]))["unconfirmed_until"] == NOW + timedelta(
            hours=48
        )
    english, french = await outbox_messages()
    link = f"/r/{ana.registration['token']}/confirm"
    assert link in body_text(english) and link in body_html(english)
    assert (
        "Please confirm your email address by 07:00 EST on Mar 3, 2027, or your "
        "place will be given to someone else:" in body_text(english)
    )
    assert f"/r/{bob.registration['token']}/confirm" in body_text(french)


async def test_a_meeting_without_the_mode_marks_nothing():
    meeting = await make_meeting(capacity=1)
    ana = await services.register(meeting, form(1), now=NOW)
    assert (await row(ana.registration["id"]))["unconfirmed_until"] is None
    [message] = await outbox_messages()
    assert "/confirm" not in body_text(message)


async def test_confirming_keeps_the_place_and_twice_changes_nothing():
    meeting = await confirm_first_meeting(capacity=1)
    ana = await services.register(meeting, form(1), now=NOW)
    token = ana.registration["token"]
    await services.confirm_address(token, now=NOW + timedelta(hours=1))
    await services.confirm_address(token, now=NOW + timedelta(hours=2))
    assert (await row(ana.registration["id"]))["unconfirmed_until"] is None
    assert await services.release_unconfirmed(LATER) == []
    assert (await row(ana.registration["id"]))["status"] == "confirmed"
    confirmed = await AuditEntry.count().where(
        AuditEntry.action == "registration.address_confirmed"
    )
    assert confirmed == 1


async def test_past_the_deadline_the_place_goes_to_the_first_waiting_once():
    meeting = await confirm_first_meeting(capacity=1)
    ana = await services.register(meeting, form(1), now=NOW)
    bob = await services.register(meeting, form(2), now=NOW)
    await services.confirm_address(bob.registration["token"], now=NOW)

    assert await services.release_unconfirmed(DEADLINE - timedelta(seconds=1)) == []
    assert await services.release_unconfirmed(LATER) == [ana.registration["id"]]
    assert await services.release_unconfirmed(LATER) == []

    assert (await row(ana.registration["id"]))["status"] == "cancelled"
    assert (await row(bob.registration["id"]))["status"] == "confirmed"
    [cancelled] = await outbox_messages("registration-cancelled")
    assert "your email address was not confirmed in time" in body_text(cancelled)
    assert "/confirm" not in body_text(cancelled)
    assert await emails_by_registration("promoted") == Counter({bob.registration["id"]: 1})
    with pytest.raises(Conflict):
        await services.confirm_address(ana.registration["token"], now=LATER)


@pytest.mark.parametrize("round_", range(3))
async def test_racing_registrations_confirmations_and_releases_never_overbook(round_):
    """Five seats held unconfirmed, ten confirmed people waiting; then at once: two workers
    releasing, two of the five confirming, twenty newcomers registering."""
    meeting = await confirm_first_meeting(capacity=5)
    seated = [await services.register(meeting, form(f"s{n}"), now=NOW) for n in range(5)]
    waiting = [await services.register(meeting, form(f"w{n}"), now=NOW) for n in range(10)]
    for result in waiting:
        await services.confirm_address(result.registration["token"], now=NOW)

    async def confirm(result):
        try:
            return await services.confirm_address(result.registration["token"], now=LATER)
        except Conflict as exc:  # released first: the race was lost, whole
            return exc

    answers = await asyncio.gather(
        services.release_unconfirmed(LATER),
        services.release_unconfirmed(LATER),
        *(confirm(result) for result in seated[:2]),
        *(services.register(meeting, form(f"n{n}"), now=LATER) for n in range(20)),
    )

    released = set(answers[0]) | set(answers[1])
    assert not set(answers[0]) & set(answers[1])  # never released twice
    rows = await Registration.select().where(Registration.meeting == meeting["id"])
    by_status = Counter(r["status"] for r in rows)
    assert by_status["confirmed"] == 5  # never more than the seats, none left empty
    assert {r["id"] for r in rows if r["status"] == "cancelled"} == released
    assert len(released) >= 3  # the three that did not try to confirm
    promoted = await emails_by_registration("promoted")
    assert set(promoted.values()) == {1}  # each promoted person emailed once
    # The first in line took the freed seats, in order; the newcomers wait behind them.
    assert list(promoted) == [w.registration["id"] for w in waiting[: len(released)]]
    newcomers = [r for r in rows if r["family_name"].startswith("Person n")]
    assert {r["status"] for r in newcomers} == {"waitlisted"}
    assert all(r["unconfirmed_until"] == LATER + timedelta(hours=24) for r in newcomers)


async def test_the_worker_loop_runs_the_release_wired_by_the_program():
    from idmevents import wiring
    from idmevents.mail.worker import _chores, run_due_chores

    meeting = await confirm_first_meeting(capacity=1)
    ana = await services.register(meeting, form(1), now=NOW)
    wiring.register_worker_chores()
    assert "release-unconfirmed" in _chores
    await run_due_chores(LATER, {})
    assert (await row(ana.registration["id"]))["status"] == "cancelled"
