"""The outbox as organizers see it: listing, counts, one message, and resending."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import pytest

from idmevents.audit.tables import AuditEntry
from idmevents.errors import Conflict, InvalidInput, NotFound
from idmevents.mail.send import SmtpSender
from idmevents.mail.services import (
    OutboxEntry,
    get_outbox_message,
    list_outbox,
    outbox_counts,
    resend,
    with_new_identity,
)
from idmevents.mail.tables import OutboxMessage
from idmevents.mail.worker import deliver_due
from idmevents.meetings.tables import Meeting
from tests.unit.mail.test_worker import queue

NOW = datetime(2027, 3, 1, 12, 0, tzinfo=UTC)


@pytest.fixture
async def meetings() -> dict[str, int]:
    """Two bare meetings to file mail under (the whole demo is not needed here)."""
    ids = {}
    for slug, zone in (("idm-new-york", "America/New_York"), ("idm-geneva", "Europe/Zurich")):
        rows = await Meeting.insert(
            Meeting(
                slug=slug,
                title=slug,
                timezone=zone,
                starts_on=NOW.date(),
                ends_on=NOW.date(),
            )
        ).returning(Meeting.id)
        ids[slug] = rows[0]["id"]
    return ids


async def set_status(outbox_id: int, status: str, **values) -> None:
    await OutboxMessage.update(
        {OutboxMessage.status: status, **{getattr(OutboxMessage, k): v for k, v in values.items()}}
    ).where(OutboxMessage.id == outbox_id)


async def test_list_outbox_newest_first_with_filters(meetings):
    new_york = meetings["idm-new-york"]
    geneva = meetings["idm-geneva"]
    first, second, third = await queue(3)
    await OutboxMessage.update({OutboxMessage.meeting: new_york}).where(
        OutboxMessage.id.is_in([first, second])
    )
    await OutboxMessage.update({OutboxMessage.meeting: geneva}).where(OutboxMessage.id == third)
    await set_status(second, "failed", last_error="SMTP 550 at RCPT TO: no such user", attempts=1)

    assert [entry.id for entry in await list_outbox()] == [third, second, first]
    assert [entry.id for entry in await list_outbox(meeting_id=new_york)] == [second, first]
    assert [entry.id for entry in await list_outbox(status="queued")] == [third, first]
    [failed] = await list_outbox(status="failed", meeting_id=new_york)
    row = (await OutboxMessage.select().where(OutboxMessage.id == second))[0]
    assert failed == OutboxEntry(
        id=second,
        message_id=row["message_id"],
        kind="registration-confirmed",
        to_address="participant1@example.org",
        subject="Your registration 1",
        status="failed",
        attempts=1,
        next_attempt_at=row["next_attempt_at"],
        last_error="SMTP 550 at RCPT TO: no such user",
        created_at=row["created_at"],
        sent_at=None,
        meeting_id=new_york,
        registration_id=None,
    )
    assert [entry.id for entry in await list_outbox(limit=1, offset=1)] == [second]
    assert await list_outbox(status="sent") == []


@pytest.mark.parametrize(
    ("arguments", "field"),
    [
        ({"status": "lost"}, "status"),
        ({"limit": 0}, "limit"),
        ({"limit": 501}, "limit"),
        ({"offset": -1}, "offset"),
    ],
)
async def test_list_outbox_bad_arguments_name_the_field(arguments, field):
    with pytest.raises(InvalidInput) as refusal:
        await list_outbox(**arguments)
    assert list(refusal.value.fields) == [field]


async def test_outbox_counts_has_every_status(meetings):
    geneva = meetings["idm-geneva"]
    assert await outbox_counts() == {"queued": 0, "sending": 0, "sent": 0, "failed": 0}
    ids = await queue(5)
    await set_status(ids[0], "sent")
    await set_status(ids[1], "sent")
    await set_status(ids[2], "failed")
    await OutboxMessage.update({OutboxMessage.meeting: geneva}).where(OutboxMessage.id == ids[0])
    assert await outbox_counts() == {"queued": 2, "sending": 0, "sent": 2, "failed": 1}
    assert await outbox_counts(meeting_id=geneva) == {
        "queued": 0,
        "sending": 0,
        "sent": 1,
        "failed": 0,
    }


async def test_get_outbox_message_gives_the_raw_text():
    [outbox_id] = await queue(1)
    entry, raw = await get_outbox_message(outbox_id)
    stored = (await OutboxMessage.select().where(OutboxMessage.id == outbox_id))[0]
    assert (entry.id, entry.message_id, raw) == (outbox_id, stored["message_id"], stored["raw"])
    with pytest.raises(NotFound):
        await get_outbox_message(outbox_id + 1)


async def test_resend_failed_requeues_the_same_row_and_it_arrives(smtp_server):
    [outbox_id] = await queue(1)
    smtp_server.answer("550 5.1.1 Mailbox unavailable", at="RCPT")
    sender = SmtpSender(smtp_server.url)
    await deliver_due(sender)
    before = (await OutboxMessage.select().where(OutboxMessage.id == outbox_id))[0]
    assert before["status"] == "failed"

    smtp_server.answer(None, at="RCPT")  # the mailbox was fixed; an organizer resends
    now = datetime.now(UTC)
    assert await resend(outbox_id, now=now) == outbox_id
    after = (await OutboxMessage.select().where(OutboxMessage.id == outbox_id))[0]
    assert after == before | {
        "status": "queued",
        "attempts": 0,
        "next_attempt_at": now,
        "last_error": "",
    }
    assert await OutboxMessage.count() == 1
    assert await deliver_due(sender) == 1
    assert smtp_server.message_ids() == [before["message_id"]]


async def test_resend_sent_makes_a_new_email_with_a_new_message_id(smtp_server):
    [outbox_id] = await queue(1)
    sender = SmtpSender(smtp_server.url)
    await deliver_due(sender)
    original = (await OutboxMessage.select().where(OutboxMessage.id == outbox_id))[0]

    resent_at = datetime.now(UTC).replace(microsecond=0)
    new_id = await resend(outbox_id, now=resent_at)
    assert new_id != outbox_id
    copy = (await OutboxMessage.select().where(OutboxMessage.id == new_id))[0]
    assert copy["message_id"] != original["message_id"]
    assert copy["raw"] == with_new_identity(
        original["raw"], message_id=copy["message_id"], date=resent_at
    )
    assert {key: copy[key] for key in ("status", "attempts", "next_attempt_at", "sent_at")} == {
        "status": "queued",
        "attempts": 0,
        "next_attempt_at": resent_at,
        "sent_at": None,
    }
    for key in ("kind", "to_address", "subject", "meeting", "registration"):
        assert copy[key] == original[key]
    # The first delivery stays on record as it was.
    assert (await OutboxMessage.select().where(OutboxMessage.id == outbox_id))[0] == original

    assert await deliver_due(sender) == 1
    first, second = smtp_server.messages
    assert [str(first["Message-ID"]), str(second["Message-ID"])] == [
        original["message_id"],
        copy["message_id"],
    ]
    assert str(second["Date"]) == format_datetime(resent_at)
    assert second.get_body(("plain",)).get_content() == first.get_body(("plain",)).get_content()
    assert str(second["Subject"]) == str(first["Subject"])


def test_with_new_identity_changes_only_message_id_and_date():
    raw = (
        "From: IDM <idm@iom.example>\r\nDate: Sun, 28 Feb 2027 10:00:00 +0000\r\n"
        "Message-ID: <old@testserver.local>\r\nSubject: Hello\r\n\r\n"
        "Message-ID: <in-the-body@example>\r\n"
    )
    assert with_new_identity(raw, message_id="<new@testserver.local>", date=NOW) == (
        "From: IDM <idm@iom.example>\r\nDate: Mon, 01 Mar 2027 12:00:00 +0000\r\n"
        "Message-ID: <new@testserver.local>\r\nSubject: Hello\r\n\r\n"
        "Message-ID: <in-the-body@example>\r\n"
    )


@pytest.mark.parametrize("status", ["queued", "sending"])
async def test_resend_waiting_message_is_a_conflict(status):
    [outbox_id] = await queue(1)
    await set_status(outbox_id, status, claimed_until=NOW + timedelta(minutes=5))
    before = await OutboxMessage.select()
    with pytest.raises(Conflict):
        await resend(outbox_id, now=NOW)
    assert await OutboxMessage.select() == before


async def test_resend_is_in_the_audit_log(meetings, make_user, smtp_server):
    user, _ = await make_user("organizer", email="organizer@iom.example")
    geneva = meetings["idm-geneva"]
    sent, failed = await queue(2)
    await OutboxMessage.update({OutboxMessage.meeting: geneva}).where(OutboxMessage.id == sent)
    await set_status(sent, "sent")
    await set_status(failed, "failed")
    copy = await resend(sent, now=NOW, user_id=user["id"], actor="organizer@iom.example")
    assert await resend(failed, now=NOW) == failed
    message_ids = {
        row["id"]: row["message_id"]
        for row in await OutboxMessage.select(OutboxMessage.id, OutboxMessage.message_id)
    }
    entries = await AuditEntry.select(
        AuditEntry.at,
        AuditEntry.user,
        AuditEntry.actor,
        AuditEntry.action,
        AuditEntry.entity_type,
        AuditEntry.entity_id,
        AuditEntry.meeting_slug,
        AuditEntry.summary,
        AuditEntry.data,
    ).order_by(AuditEntry.id)
    assert entries == [
        {
            "at": NOW,
            "user": user["id"],
            "actor": "organizer@iom.example",
            "action": "resend",
            "entity_type": "mail",
            "entity_id": copy,
            "meeting_slug": "idm-geneva",
            "summary": "registration-confirmed to participant0@example.org (sent before)",
            "data": json.dumps({"outbox_id": sent, "message_id": message_ids[copy]}),
        },
        {
            "at": NOW,
            "user": None,
            "actor": "system",
            "action": "resend",
            "entity_type": "mail",
            "entity_id": failed,
            "meeting_slug": "",
            "summary": "registration-confirmed to participant1@example.org (failed before)",
            "data": json.dumps({"outbox_id": failed, "message_id": message_ids[failed]}),
        },
    ]


async def test_resend_unknown_message_is_not_found():
    with pytest.raises(NotFound):
        await resend(424242, now=NOW)
