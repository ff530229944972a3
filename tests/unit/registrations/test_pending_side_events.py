"""A pending participant's side-event choice is a request decided with their registration: not a
place in the session's waiting list, neither in their email nor in the desk's counts."""

from __future__ import annotations

from idmevents.audit import SYSTEM
from idmevents.registrations import desk, services
from tests.factories.meetings import NOW, make_meeting, make_session
from tests.factories.registrations import form
from tests.support.outbox import body_html, body_text, outbox_messages


async def test_a_pending_choice_is_requested_not_waiting():
    meeting = await make_meeting(capacity=10, approval_categories=("civil-society",))
    side = await make_session(meeting, "side", kind="side-event", capacity=5)
    result = await services.register(
        meeting, form(1, category="civil-society", sessions=[side["id"]]), now=NOW
    )
    assert result.status == "pending"
    [received] = await outbox_messages("registration-received")
    assert "(requested, decided with your registration)" in body_text(received)
    assert "(requested, decided with your registration)" in body_html(received)
    assert "waiting list" not in body_text(received)

    counts = await desk.meeting_counts(meeting)
    [session] = counts.sessions
    assert (session.taken, session.waiting, session.requested) == (0, 0, 1)

    await services.approve(result.registration["id"], by=SYSTEM, now=NOW)
    counts = await desk.meeting_counts(meeting)
    [session] = counts.sessions
    assert (session.taken, session.waiting, session.requested) == (1, 0, 0)


async def test_a_confirmed_persons_full_side_event_is_a_waiting_list():
    meeting = await make_meeting(capacity=10)
    side = await make_session(meeting, "side", kind="side-event", capacity=1)
    await services.register(meeting, form(1, sessions=[side["id"]]), now=NOW)
    await services.register(meeting, form(2, sessions=[side["id"]]), now=NOW)
    second = (await outbox_messages("registration-confirmed"))[1]
    assert "(waiting list)" in body_text(second)
    [session] = (await desk.meeting_counts(meeting)).sessions
    assert (session.taken, session.waiting, session.requested) == (1, 1, 0)
