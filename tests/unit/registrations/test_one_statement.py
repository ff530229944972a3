"""PostgreSQL's one-statement registration (`idmevents_register`) writes what the Python path does.

`services.register` hands a newcomer without session choices to the PostgreSQL function; anything
else, and every case the function declines, goes through `_register_locked`. The same people
registering for two identical meetings, one through each path, must leave the same rows.
"""

from __future__ import annotations

import json
import os

import pytest

from idmevents import db
from idmevents.audit.tables import AuditEntry
from idmevents.errors import Conflict
from idmevents.mail.tables import OutboxMessage
from idmevents.meetings.tables import Meeting
from idmevents.registrations import services
from idmevents.registrations.services import _register as register_module
from idmevents.registrations.tables import Registration
from tests.factories.meetings import NOW, make_meeting
from tests.factories.registrations import form
from tests.support.outbox import outbox_messages

pytestmark = pytest.mark.skipif(
    os.environ.get("IDMEVENTS_TEST_ENGINE", "sqlite") != "postgres",
    reason="the one-statement path is PostgreSQL's; SQLite always takes the Python path",
)

PEOPLE = [
    form(1),
    form(2, category="civil-society"),  # needs approval: pending, holds no seat
    form(3, given_name="José", family_name="Núñez-O'Brien", language="es"),
    form(4, category="media"),
    form(5),  # past capacity: waiting, first
    form(6, language="fr"),  # waiting, second
]
VARYING = {"id", "meeting", "token", "feed_token", "email", "email_key"}
NETWORK = "192.0.2.0/24"  # where the requests came from (desk/bursts.py)


async def python_path(meeting: dict, data: dict) -> services.RegistrationResult:
    checked = services.check_registration(services._as_form(data, services.RegistrationForm), {})
    async with db.write_transaction():
        result = await services._register_locked(
            meeting["id"], checked, {}, checked.email.lower(), now=NOW, client_network=NETWORK
        )
    assert result is not None
    return result


async def rows_of(meeting: dict) -> list[tuple[dict, dict, dict]]:
    """(registration, its outbox row, its audit entry) per person, in arrival order, with what
    must differ between the two meetings (ids, tokens, the addresses) left out."""
    found = []
    registrations = (
        await Registration.select()
        .where(Registration.meeting == meeting["id"])
        .order_by(Registration.id)
    )
    for registration in registrations:
        [mail] = await OutboxMessage.select(
            OutboxMessage.kind,
            OutboxMessage.subject,
            OutboxMessage.raw,
            OutboxMessage.recipe,
            OutboxMessage.status,
            OutboxMessage.attempts,
            OutboxMessage.next_attempt_at,
            OutboxMessage.created_at,
        ).where(OutboxMessage.registration == registration["id"])
        mail["recipe"] = json.loads(mail["recipe"])
        assert mail["recipe"].pop("registration") == registration["id"]
        [entry] = await AuditEntry.select(
            AuditEntry.at,
            AuditEntry.user,
            AuditEntry.actor,
            AuditEntry.action,
            AuditEntry.entity_type,
            AuditEntry.summary,
            AuditEntry.data,
        ).where(AuditEntry.entity_id == registration["id"])
        entry["data"] = json.loads(entry["data"])
        kept = {k: v for k, v in registration.items() if k not in VARYING}
        found.append((kept, mail, entry))
    return found


async def test_both_paths_write_the_same_rows_and_answer_the_same(monkeypatch):
    one = await make_meeting(slug="one", capacity=2, approval_categories=("civil-society", "media"))
    other = await make_meeting(
        slug="other", capacity=2, approval_categories=("civil-society", "media")
    )
    taken_by_python = []
    original = services._register_locked

    async def spy(*args, **kwargs):
        taken_by_python.append(args[0])
        return await original(*args, **kwargs)

    monkeypatch.setattr(register_module, "_register_locked", spy)
    fast = [await services.register(one, data, now=NOW, client_network=NETWORK) for data in PEOPLE]
    assert taken_by_python == []  # every one of them went through the function
    monkeypatch.setattr(register_module, "_register_locked", original)
    slow = [await python_path(other, data) for data in PEOPLE]

    def answer(result: services.RegistrationResult) -> tuple:
        kept = {k: v for k, v in result.registration.items() if k not in VARYING}
        return kept, result.waitlist_position, result.sessions

    assert [answer(r) for r in fast] == [answer(r) for r in slow]
    assert [(r.status, r.waitlist_position) for r in fast] == [
        ("confirmed", None),
        ("pending", None),
        ("confirmed", None),
        ("pending", None),
        ("waitlisted", 1),
        ("waitlisted", 2),
    ]
    assert await rows_of(one) == await rows_of(other)
    assert {row["client_network"] for row in await Registration.select()} == {NETWORK}
    # And the emails they render read the same, but for the meeting's and the person's links.
    messages = await outbox_messages()
    subjects = [str(m["Subject"]) for m in messages]
    assert subjects[:6] == subjects[6:]


async def test_the_function_leaves_the_other_cases_to_the_python_path(monkeypatch):
    meeting = await make_meeting(capacity=1)
    await services.register(meeting, form(1), now=NOW)
    await services.register(meeting, form(2), now=NOW)  # waiting
    taken_by_python = []
    original = services._register_locked

    async def spy(*args, **kwargs):
        taken_by_python.append(kwargs.get("now"))
        return await original(*args, **kwargs)

    monkeypatch.setattr(register_module, "_register_locked", spy)
    # The email again: the Python path emails the existing link, then answers 409.
    with pytest.raises(Conflict):
        await services.register(meeting, form(1, email="PERSON1@example.org"), now=NOW)
    assert len(taken_by_python) == 1
    # A seat came free without anyone moving up: the one waiting gets it before a newcomer.
    await Meeting.update({Meeting.capacity: 3}).where(Meeting.id == meeting["id"])
    third = await services.register(meeting, form(3), now=NOW)
    assert len(taken_by_python) == 2
    statuses = [
        (row["email"], row["status"])
        for row in await Registration.select(Registration.email, Registration.status).order_by(
            Registration.id
        )
    ]
    assert statuses == [
        ("person1@example.org", "confirmed"),
        ("person2@example.org", "confirmed"),
        ("person3@example.org", "confirmed"),
    ]
    assert third.status == "confirmed"
    # Closed: declined by the function, refused by the Python path with the reason.
    await Meeting.update({Meeting.registration_closes_at: NOW}).where(Meeting.id == meeting["id"])
    with pytest.raises(Conflict, match="closed"):
        await services.register(meeting, form(4), now=NOW)
    assert len(taken_by_python) == 3


async def test_a_meeting_changed_since_it_was_read_is_decided_by_the_python_path():
    """`register` chooses the function from the meeting as it read it, before the lock; the
    function checks again under the lock, so a meeting made to confirm addresses first in the
    meantime gets its mark (written by the Python path only)."""
    meeting = await make_meeting(capacity=5)
    await Meeting.update({Meeting.confirm_email_first: True}).where(Meeting.id == meeting["id"])
    result = await services.register(meeting, form(1), now=NOW)  # the meeting as read before
    row = await Registration.select().where(Registration.id == result.registration["id"]).first()
    assert row["status"] == "confirmed"
    assert row["unconfirmed_until"] is not None
