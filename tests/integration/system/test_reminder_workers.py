"""Reminders sent by real `idmevents worker` processes to a real SMTP server: two workers at once,
one restarted in the middle, the clock moved forward through IDMEVENTS_CLOCK_OFFSET."""

from __future__ import annotations

import asyncio
import signal
import time
from collections import Counter
from datetime import UTC, date, datetime, timedelta
from datetime import time as clock_time
from zoneinfo import ZoneInfo

from idmevents.audit import SYSTEM
from idmevents.mail.tables import OutboxMessage
from idmevents.meetings import builder
from idmevents.registrations.tables import Registration, ReminderDelivery
from tests.integration.system.test_mail_worker import Worker
from tests.unit.registrations.test_notices import register

ZONE = ZoneInfo("Europe/Zurich")
CONFIRMED, WAITING, CANCELLED = 24, 4, 3


async def meeting_in_ten_days() -> tuple[dict, date]:
    first_day = datetime.now(UTC).date() + timedelta(days=10)
    meeting = await builder.create_meeting(
        {
            "slug": "idm-soon",
            "title": "IDM workshop",
            "timezone": "Europe/Zurich",
            "starts_on": first_day,
            "ends_on": first_day,
            "status": "published",
        },
        by=SYSTEM,
        now=datetime.now(UTC),
    )
    starts = datetime.combine(first_day, clock_time(10), ZONE)
    await builder.create_session(
        "idm-soon",
        {"title": "Opening", "starts_at": starts, "ends_at": starts + timedelta(hours=2)},
        by=SYSTEM,
        now=datetime.now(UTC),
    )
    return meeting, first_day


def offset_to(moment: datetime) -> str:
    """IDMEVENTS_CLOCK_OFFSET that makes a worker's clock read `moment` about now."""
    return str((moment - datetime.now(UTC)).total_seconds())


async def wait_for_reminders(count: int, within: float = 60) -> None:
    deadline = time.monotonic() + within
    while True:
        rows = await OutboxMessage.select(OutboxMessage.status).where(
            OutboxMessage.kind == "registration-reminder"
        )
        if len(rows) == count and all(r["status"] == "sent" for r in rows):
            return
        assert time.monotonic() < deadline, Counter(r["status"] for r in rows)
        await asyncio.sleep(0.1)


async def test_two_workers_and_a_restart_send_each_reminder_exactly_once(smtp_server):
    meeting, first_day = await meeting_in_ten_days()
    confirmed = [await register(meeting["id"], f"C{n}") for n in range(CONFIRMED)]
    for n in range(WAITING):
        rid = await register(meeting["id"], f"W{n}", status="waitlisted")
        await Registration.update({Registration.waitlist_seq: n + 1}).where(Registration.id == rid)
    for n in range(CANCELLED):
        await register(meeting["id"], f"X{n}", status="cancelled")
    per_reminder = CONFIRMED + WAITING

    seven_days = datetime.combine(first_day - timedelta(days=7), clock_time(9), ZONE)
    one_day = datetime.combine(first_day - timedelta(days=1), clock_time(9), ZONE)
    smtp_server.delay = 0.03
    env = {"IDMEVENTS_SMTP_URL": smtp_server.url, "IDMEVENTS_MAIL_BATCH_SIZE": "4"}
    week = {"IDMEVENTS_CLOCK_OFFSET": offset_to(seven_days + timedelta(minutes=5))}
    workers = [Worker(**env, **week), Worker(**env, **week)]
    try:
        try:
            await smtp_server.wait_for(5, within=20)
        except AssertionError:
            raise AssertionError(workers[0].output()) from None
        # A restart in the middle: one worker stops (finishing the message in hand), another
        # starts in its place and runs the reminder step again from the top.
        workers[0].process.send_signal(signal.SIGTERM)
        assert await workers[0].wait_for_exit() == 0
        workers.append(Worker(**env, **week))
        await wait_for_reminders(per_reminder)
        for worker in workers:
            worker.process.send_signal(signal.SIGTERM)
            await worker.wait_for_exit()
        # A day before: the next reminder, by two fresh workers.
        day = {"IDMEVENTS_CLOCK_OFFSET": offset_to(one_day + timedelta(minutes=5))}
        workers += [Worker(**env, **day), Worker(**env, **day)]
        await wait_for_reminders(2 * per_reminder)
        await asyncio.sleep(1.5)  # a further round of the step: nothing more comes
    finally:
        for worker in workers:
            worker.kill()

    messages = smtp_server.messages
    assert len(messages) == 2 * per_reminder
    # Every message that arrived is one (registration, reminder) pair, and no pair came twice.
    deliveries = {
        row["message_id"]: (row["registration"], row["reminder_offset"])
        for row in await ReminderDelivery.select(
            ReminderDelivery.message_id,
            ReminderDelivery.registration,
            ReminderDelivery.reminder_offset,
        )
    }
    pairs = Counter(deliveries[str(m["Message-ID"])] for m in messages)
    assert set(pairs.values()) == {1}
    assert {offset for _, offset in pairs} == {"-P7D", "-P1D"}
    by_person = Counter(str(m["To"]).split("<")[-1].rstrip(">") for m in messages)
    expected = {f"c{n}@example.org": 2 for n in range(CONFIRMED)} | {
        f"w{n}@example.org": 2 for n in range(WAITING)
    }
    assert dict(by_person) == expected  # cancelled people: nothing
    waiting_subjects = [str(m["Subject"]) for m in messages if "w2@example.org" in str(m["To"])]
    assert len(waiting_subjects) == 2
    assert all("number 3 on the waiting list" in s for s in waiting_subjects)
    assert await ReminderDelivery.count() == 2 * per_reminder
    assert len(confirmed) == CONFIRMED
