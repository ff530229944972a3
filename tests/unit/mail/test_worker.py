"""The outbox worker against a real SMTP server and the real database: claims, retries, failures."""

from __future__ import annotations

import asyncio
import logging
from collections import Counter
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from email import message_from_bytes
from email.header import decode_header, make_header
from email.policy import compat32

import pytest

from idmevents.db import engine, write_transaction
from idmevents.mail.message import Email
from idmevents.mail.outbox import enqueue
from idmevents.mail.send import FileSender, SmtpSender
from idmevents.mail.tables import OutboxMessage
from idmevents.mail.worker import (
    MAX_ATTEMPTS,
    RETRY_BASE_SECONDS,
    deliver_due,
    run_worker,
)
from idmevents.settings import get_settings


async def queue(count: int = 1, **fields) -> list[int]:
    """`count` emails in the outbox, each written in its own transaction as a service would."""
    ids = []
    for number in range(count):
        email = Email(
            kind=fields.get("kind", "registration-confirmed"),
            to_address=fields.get("to_address", f"participant{number}@example.org"),
            to_name=fields.get("to_name", f"Participant {number}"),
            subject=fields.get("subject", f"Your registration {number}"),
            text=fields.get("text", "You are registered.\n"),
            html=fields.get("html"),
        )
        async with write_transaction():
            ids.append(await enqueue(email))
    return ids


async def outbox() -> list[dict]:
    return await OutboxMessage.select(
        OutboxMessage.id,
        OutboxMessage.message_id,
        OutboxMessage.status,
        OutboxMessage.attempts,
        OutboxMessage.next_attempt_at,
        OutboxMessage.claimed_until,
        OutboxMessage.last_error,
        OutboxMessage.sent_at,
    ).order_by(OutboxMessage.id)


def worker_settings(**mail):
    settings = get_settings()
    return replace(settings, mail=replace(settings.mail, **mail))


async def test_queued_email_arrives_through_smtp_with_its_headers_intact(smtp_server):
    [outbox_id] = await queue(
        to_address="jose.nunez@example.org",
        to_name="José Müller-Núñez\r\nBcc: spy@attacker.example",
        subject="Confirmation : réunion du Dialogue\r\nBcc: spy@attacker.example",
        text="Bonjour José,\nvotre inscription est confirmée.\n",
        html="<p>Bonjour José,</p>",
    )
    started = datetime.now(UTC)
    assert await deliver_due(SmtpSender(smtp_server.url)) == 1

    [delivery] = smtp_server.deliveries
    row = (await outbox())[0]
    message = delivery.message
    assert (delivery.mail_from, delivery.rcpt_tos) == (
        "noreply@localhost",
        ("jose.nunez@example.org",),
    )
    # One To address; the name is one encoded display name whatever it contains. (Decoded per
    # RFC 2047 by hand: Python's address parser puts a space between adjacent encoded words.)
    wire = message_from_bytes(delivery.raw, policy=compat32)
    assert [address.addr_spec for address in message["To"].addresses] == ["jose.nunez@example.org"]
    assert str(make_header(decode_header(wire["To"]))) == (
        "José Müller-Núñez Bcc: spy@attacker.example <jose.nunez@example.org>"
    )
    assert str(make_header(decode_header(wire["Subject"]))) == (
        "Confirmation : réunion du Dialogue Bcc: spy@attacker.example"
    )
    assert (wire.get_all("To"), wire.get_all("Subject"), wire.get_all("Bcc")) == (
        [wire["To"]],
        [wire["Subject"]],
        None,
    )
    assert str(message["Message-ID"]) == row["message_id"]
    assert message.get_body(("plain",)).get_content() == (
        "Bonjour José,\nvotre inscription est confirmée.\n"
    )
    assert message.get_body(("html",)).get_content() == "<p>Bonjour José,</p>\n"
    # What arrived is the outbox row's text, byte for byte, and it is all ASCII (encoded words).
    stored = (await OutboxMessage.select(OutboxMessage.raw).where(OutboxMessage.id == outbox_id))[0]
    assert delivery.raw == stored["raw"].encode()
    assert delivery.raw.isascii()
    assert (row["status"], row["attempts"], row["claimed_until"], row["last_error"]) == (
        "sent",
        1,
        None,
        "",
    )
    assert started <= row["sent_at"] <= datetime.now(UTC)


async def test_smtp_down_queues_and_smtp_up_delivers_each_email_exactly_once(smtp_server):
    ids = await queue(5)
    sender = SmtpSender(smtp_server.url)
    smtp_server.stop()
    down_at = datetime.now(UTC)
    assert await deliver_due(sender, now=down_at) == 5

    rows = await outbox()
    assert [(row["id"], row["status"], row["attempts"]) for row in rows] == [
        (outbox_id, "queued", 1) for outbox_id in ids
    ]
    for row in rows:
        assert row["last_error"].startswith("cannot connect to SMTP server")
        assert row["next_attempt_at"] >= down_at + timedelta(seconds=RETRY_BASE_SECONDS * 0.75)
    # Before their retry time nothing is tried again.
    assert await deliver_due(sender, now=down_at + timedelta(seconds=30)) == 0

    smtp_server.start()
    assert await deliver_due(sender, now=down_at + timedelta(minutes=2)) == 5
    assert Counter(smtp_server.message_ids()) == Counter({row["message_id"]: 1 for row in rows})
    assert [(row["status"], row["attempts"]) for row in await outbox()] == [("sent", 2)] * 5
    assert await deliver_due(sender, now=down_at + timedelta(days=2)) == 0
    assert len(smtp_server.messages) == 5


async def test_smtp_4xx_is_retried_later_with_the_same_message_id(smtp_server):
    await queue(1)
    sender = SmtpSender(smtp_server.url)
    smtp_server.answer("451 4.3.0 Mailbox busy, try again later", at="RCPT")
    start = datetime.now(UTC)
    await deliver_due(sender, now=start)
    [row] = await outbox()
    assert (row["status"], row["attempts"], row["last_error"]) == (
        "queued",
        1,
        "SMTP 451 at RCPT TO: 4.3.0 Mailbox busy, try again later",
    )
    assert await deliver_due(sender, now=row["next_attempt_at"] - timedelta(seconds=1)) == 0

    smtp_server.answer(None, at="RCPT")
    assert await deliver_due(sender, now=row["next_attempt_at"]) == 1
    assert smtp_server.message_ids() == [row["message_id"]]
    [after] = await outbox()
    # The error of the failed attempt stays on record beside the success.
    assert (after["status"], after["attempts"], after["last_error"]) == (
        "sent",
        2,
        "SMTP 451 at RCPT TO: 4.3.0 Mailbox busy, try again later",
    )


async def test_smtp_5xx_fails_at_once_with_the_error_kept(smtp_server):
    await queue(2)
    smtp_server.answer("550 5.1.1 Mailbox unavailable", at="RCPT")
    sender = SmtpSender(smtp_server.url)
    assert await deliver_due(sender) == 2
    assert [(row["status"], row["attempts"], row["last_error"]) for row in await outbox()] == [
        ("failed", 1, "SMTP 550 at RCPT TO: 5.1.1 Mailbox unavailable")
    ] * 2
    smtp_server.answer(None, at="RCPT")
    assert await deliver_due(sender, now=datetime.now(UTC) + timedelta(days=30)) == 0
    assert smtp_server.messages == []


async def test_temporary_failures_end_as_failed_after_max_attempts(smtp_server):
    await queue(1)
    smtp_server.answer("452 4.2.2 Mailbox full", at="RCPT")
    sender = SmtpSender(smtp_server.url)
    now = datetime.now(UTC)
    for attempt in range(1, MAX_ATTEMPTS + 1):
        assert await deliver_due(sender, now=now) == 1
        [row] = await outbox()
        assert row["attempts"] == attempt
        now = row["next_attempt_at"]
    assert (row["status"], row["last_error"]) == (
        "failed",
        "SMTP 452 at RCPT TO: 4.2.2 Mailbox full",
    )
    assert await deliver_due(sender, now=now + timedelta(days=30)) == 0


async def test_unreachable_server_fails_a_batch_without_trying_each_message(smtp_server):
    """One refused connection stands for the batch: a firewalled relay costs one timeout, not 50."""
    await queue(3)
    smtp_server.stop()
    connections = 0

    async def count_connection(reader, writer):
        nonlocal connections
        connections += 1
        writer.close()  # no greeting: the server is "unavailable"

    listener = await asyncio.start_server(count_connection, "127.0.0.1", smtp_server.port)
    try:
        assert await deliver_due(SmtpSender(smtp_server.url)) == 3
    finally:
        listener.close()
        await listener.wait_closed()
    assert connections == 1
    assert [(row["status"], row["attempts"]) for row in await outbox()] == [("queued", 1)] * 3
    assert len({row["next_attempt_at"] for row in await outbox()}) == 3  # jittered apart


async def test_file_mode_writes_one_eml_per_message_and_a_retry_adds_no_file(tmp_path):
    await queue(3)
    directory = tmp_path / "mail"
    directory.write_text("")  # a file where the directory should be: writing fails for now
    sender = FileSender(directory)
    start = datetime.now(UTC)
    assert await deliver_due(sender, now=start) == 3
    assert {row["status"] for row in await outbox()} == {"queued"}
    directory.unlink()

    assert await deliver_due(sender, now=start + timedelta(hours=1)) == 3
    rows = await outbox()
    expected = sorted(f"{row['message_id'].strip('<>')}.eml" for row in rows)
    assert sorted(path.name for path in directory.iterdir()) == expected
    before = {path.name: path.read_bytes() for path in directory.iterdir()}

    # A worker that wrote a file and died before recording it: after the lease the row is sent
    # again, which replaces its file rather than adding a second one.
    await OutboxMessage.update(
        {OutboxMessage.status: "sending", OutboxMessage.claimed_until: start}
    ).where(OutboxMessage.id == rows[0]["id"])
    assert await deliver_due(sender, now=start + timedelta(hours=2)) == 1
    assert {path.name: path.read_bytes() for path in directory.iterdir()} == before


async def test_claimed_rows_wait_for_their_lease_then_come_back(smtp_server):
    [outbox_id] = await queue(1)
    now = datetime.now(UTC)
    lease_end = now + timedelta(minutes=5)
    await OutboxMessage.update(
        {OutboxMessage.status: "sending", OutboxMessage.claimed_until: lease_end}
    ).where(OutboxMessage.id == outbox_id)  # as a worker that holds it leaves it
    sender = SmtpSender(smtp_server.url)
    assert await deliver_due(sender, now=now) == 0
    assert await deliver_due(sender, now=lease_end - timedelta(seconds=1)) == 0
    assert smtp_server.messages == []
    assert await deliver_due(sender, now=lease_end) == 1
    assert len(smtp_server.messages) == 1


@pytest.mark.parametrize("passes", [2, 4])
async def test_concurrent_passes_never_send_the_same_row(smtp_server, passes):
    await queue(24)
    smtp_server.delay = 0.005
    senders = [SmtpSender(smtp_server.url) for _ in range(passes)]
    handled = []
    while sum(handled) < 24:
        results = await asyncio.gather(*(deliver_due(sender, batch_size=5) for sender in senders))
        assert sum(results) > 0
        handled.extend(results)
    rows = await outbox()
    assert Counter(smtp_server.message_ids()) == Counter(row["message_id"] for row in rows)
    assert {(row["status"], row["attempts"]) for row in rows} == {("sent", 1)}


async def test_stop_finishes_the_message_in_hand_and_gives_the_rest_back(smtp_server):
    await queue(4)
    smtp_server.delay = 0.4
    stop = asyncio.Event()
    batch = asyncio.create_task(deliver_due(SmtpSender(smtp_server.url), stop=stop))
    await smtp_server.wait_for_data(1)
    stop.set()  # while the first message is with the server
    assert await batch == 1
    rows = await outbox()
    assert [(row["status"], row["claimed_until"]) for row in rows] == [("sent", None)] + [
        ("queued", None)
    ] * 3
    assert smtp_server.message_ids() == [rows[0]["message_id"]]


async def test_a_long_batch_renews_its_lease(smtp_server):
    """A batch that outlasts half its lease extends it, so no other worker takes rows in hand."""
    await queue(10)
    smtp_server.delay = 0.2
    sender = SmtpSender(smtp_server.url)
    batch = asyncio.create_task(deliver_due(sender, lease_seconds=1.5))
    await smtp_server.wait_for(8)
    # Past the first lease's end (8 × 0.2 s > 1.5 s), the rows not yet sent are still held.
    rival = await deliver_due(SmtpSender(smtp_server.url), lease_seconds=1.5)
    assert rival == 0
    assert await batch == 10
    assert Counter(smtp_server.message_ids()) == Counter(
        row["message_id"] for row in await outbox()
    )


async def test_run_worker_survives_the_database_going_away(smtp_server, caplog):
    await queue(2)
    table = OutboxMessage._meta.tablename
    await engine()._run_in_new_connection(f'ALTER TABLE "{table}" RENAME TO "{table}_away"')
    stop = asyncio.Event()
    settings = worker_settings(smtp_url=smtp_server.url, poll_seconds=0.02)
    try:
        with caplog.at_level(logging.ERROR, logger="idmevents.mail.worker"):
            worker = asyncio.create_task(run_worker(settings, stop=stop))
            while not any("a pass failed" in record.message for record in caplog.records):
                await asyncio.sleep(0.02)
                assert not worker.done()
    finally:
        await engine()._run_in_new_connection(f'ALTER TABLE "{table}_away" RENAME TO "{table}"')
    await smtp_server.wait_for(2)
    stop.set()
    await asyncio.wait_for(worker, 5)
    assert Counter(smtp_server.message_ids()) == Counter(
        row["message_id"] for row in await outbox()
    )


async def test_run_worker_returns_promptly_when_stopped(smtp_server):
    stop = asyncio.Event()
    worker = asyncio.create_task(
        run_worker(worker_settings(smtp_url=smtp_server.url, poll_seconds=60), stop=stop)
    )
    await asyncio.sleep(0.1)
    await queue(1)
    stop.set()
    await asyncio.wait_for(worker, 2)
    assert smtp_server.messages == []  # it was idling; stopping does not wait out the poll
