"""Focal points' emails: invitations once per send, in the delegation's language; the reminder
after the nomination deadline once, never to a delegation that filled its quota, also when two
runs of the chore race (on PostgreSQL as on SQLite)."""

from __future__ import annotations

import asyncio
import json
from datetime import timedelta

import pytest

from idmevents.audit import SYSTEM
from idmevents.delegations import focal_points, services
from idmevents.delegations.tables import FocalPointMail
from idmevents.errors import Forbidden, InvalidInput
from idmevents.mail.tables import OutboxMessage
from idmevents.meetings.tables import Meeting
from tests.factories.delegations import make_delegation, nominee
from tests.factories.meetings import NOW, make_meeting
from tests.support.outbox import body_text, outbox_messages


async def kinds() -> list[tuple[str, str]]:
    rows = await OutboxMessage.select(OutboxMessage.kind, OutboxMessage.to_address).order_by(
        OutboxMessage.id
    )
    return [(row["kind"], row["to_address"]) for row in rows]


async def test_invitations_go_once_per_send_action_and_again_on_a_new_one():
    meeting = await make_meeting()
    ch = await make_delegation(meeting, "CH")
    await make_delegation(meeting, "FR")
    await services.create_member_states(meeting, quota=1, by=SYSTEM, now=NOW)  # no address yet
    first = await focal_points.send_invitations(meeting, action="a1", by=SYSTEM, now=NOW)
    again = await focal_points.send_invitations(meeting, action="a1", by=SYSTEM, now=NOW)
    assert (first, again) == (2, 0)
    assert await kinds() == [
        ("focal-point-invitation", "focal.ch@mission.example.org"),
        ("focal-point-invitation", "focal.fr@mission.example.org"),
    ]
    # A new press of "send again" for one delegation sends it once more.
    assert (
        await focal_points.send_invitations(
            meeting, action="a2", delegation_ids=[ch["id"]], by=SYSTEM, now=NOW
        )
        == 1
    )
    # "Every focal point not invited yet": nobody is left.
    assert (
        await focal_points.send_invitations(
            meeting, action="first", only_new=True, by=SYSTEM, now=NOW
        )
        == 0
    )
    with pytest.raises(InvalidInput):
        await focal_points.send_invitations(meeting, action="", by=SYSTEM, now=NOW)


async def test_concurrent_sends_of_one_action_email_once():
    meeting = await make_meeting()
    await make_delegation(meeting, "CH")
    results = await asyncio.gather(
        *(
            focal_points.send_invitations(meeting, action="same", by=SYSTEM, now=NOW)
            for _ in range(4)
        ),
        return_exceptions=True,
    )
    assert sum(r for r in results if isinstance(r, int)) == 1
    assert await OutboxMessage.count() == 1


async def test_invitation_is_in_the_delegations_language_with_link_quota_and_deadlines():
    meeting = await make_meeting()
    deadline = NOW + timedelta(days=10)
    await Meeting.update(
        {
            Meeting.nomination_deadline: deadline,
            Meeting.held_seats_release_at: deadline,
            Meeting.city: "Geneva",
            Meeting.translations: json.dumps({"fr": {"city": "Genève", "title": "Atelier test"}}),
        }
    ).where(Meeting.id == meeting["id"])
    meeting = await Meeting.select().where(Meeting.id == meeting["id"]).first()
    delegation = await make_delegation(meeting, "CH", quota=3, language="fr")
    assert delegation["language"] == "fr"
    await focal_points.send_invitations(meeting, action="x", by=SYSTEM, now=NOW)
    [message] = await outbox_messages("focal-point-invitation")
    text = body_text(message)
    assert message["Subject"].startswith("Invitation à désigner votre délégation")
    assert services.nomination_url(delegation) in text
    assert "3 place(s)" in text
    assert "Suisse" in text
    # The meeting's own words in French too: its title and its city.
    assert "Atelier test" in text and "Genève" in text and "Geneva" not in text
    # Without a language, the meeting's.
    other = await make_delegation(meeting, "FR")
    assert other["language"] == "en"


async def test_reminder_goes_once_after_the_deadline_and_never_to_a_full_delegation():
    meeting = await make_meeting()
    lagging = await make_delegation(meeting, "CH", quota=2)
    full = await make_delegation(meeting, "FR", quota=1)
    await services.nominate(full, nominee(1), by=SYSTEM, now=NOW)
    half = await make_delegation(meeting, "DE", quota=2)
    await services.nominate(half, nominee(2), by=SYSTEM, now=NOW)
    await Meeting.update({Meeting.nomination_deadline: NOW + timedelta(days=1)}).where(
        Meeting.id == meeting["id"]
    )
    assert await focal_points.queue_nomination_reminders(NOW) == 0  # not yet
    later = NOW + timedelta(days=2)
    assert await focal_points.queue_nomination_reminders(later) == 2
    assert await focal_points.queue_nomination_reminders(later + timedelta(hours=1)) == 0
    reminded = {
        row["to_address"]
        for row in await OutboxMessage.select(OutboxMessage.to_address).where(
            OutboxMessage.kind == "focal-point-reminder"
        )
    }
    assert reminded == {lagging["focal_point_email"], half["focal_point_email"]}
    [first, *_] = await outbox_messages("focal-point-reminder")
    assert "still has 2 seat(s) kept" in body_text(
        first
    ) or "still has 1 seat(s) kept" in body_text(first)
    status = await focal_points.mail_status(await services.list_delegations(meeting["id"]))
    assert status[full["id"]]["reminded_at"] is None
    assert status[lagging["id"]]["reminded_at"] is not None


async def test_two_reminder_runs_at_once_remind_each_focal_point_once():
    meeting = await make_meeting()
    for code in ("CH", "FR", "DE", "IT", "ES"):
        await make_delegation(meeting, code, quota=2)
    await Meeting.update({Meeting.nomination_deadline: NOW - timedelta(hours=1)}).where(
        Meeting.id == meeting["id"]
    )
    counts = await asyncio.gather(
        *(focal_points.queue_nomination_reminders(NOW) for _ in range(3)),
        return_exceptions=True,
    )
    assert sum(c for c in counts if isinstance(c, int)) == 5
    assert await OutboxMessage.count().where(OutboxMessage.kind == "focal-point-reminder") == 5
    assert await FocalPointMail.count().where(FocalPointMail.kind == "reminder") == 5


async def test_access_code_only_for_the_focal_points_address():
    meeting = await make_meeting()
    delegation = await make_delegation(meeting)
    with pytest.raises(Forbidden):
        await focal_points.request_access_code(delegation["token"], "eve@example.org", now=NOW)
    await focal_points.request_access_code(
        delegation["token"], delegation["focal_point_email"], now=NOW
    )
    # Asked again within a minute: no second email.
    await focal_points.request_access_code(
        delegation["token"], delegation["focal_point_email"], now=NOW + timedelta(seconds=10)
    )
    assert await OutboxMessage.count().where(OutboxMessage.kind == "focal-point-code") == 1
