"""Focal points' reminders sent by two real `idmevents worker` processes at once to a real SMTP
server: each lagging focal point gets one, a delegation that filled its quota none."""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from datetime import UTC, datetime, timedelta

from idmevents.audit import SYSTEM
from idmevents.delegations import services
from idmevents.mail.tables import OutboxMessage
from idmevents.meetings.tables import Meeting
from tests.factories.delegations import make_delegation, nominee
from tests.factories.meetings import NOW, make_meeting
from tests.integration.system.test_mail_worker import Worker

LAGGING = ("CH", "FR", "DE", "IT", "ES", "PT")


async def wait_for_sent(count: int, within: float = 60) -> None:
    deadline = time.monotonic() + within
    while True:
        rows = await OutboxMessage.select(OutboxMessage.status).where(
            OutboxMessage.kind == "focal-point-reminder"
        )
        if len(rows) >= count and all(r["status"] == "sent" for r in rows):
            return
        assert time.monotonic() < deadline, Counter(r["status"] for r in rows)
        await asyncio.sleep(0.1)


async def test_two_workers_remind_each_lagging_focal_point_exactly_once(smtp_server):
    meeting = await make_meeting()
    for code in LAGGING:
        await make_delegation(meeting, code, quota=2)
    full = await make_delegation(meeting, "AT", quota=1)
    await services.nominate(full, nominee(1, email=""), by=SYSTEM, now=NOW)
    await Meeting.update(
        {Meeting.nomination_deadline: datetime.now(UTC) - timedelta(hours=1)}
    ).where(Meeting.id == meeting["id"])

    env = {"IDMEVENTS_SMTP_URL": smtp_server.url}
    workers = [Worker(**env), Worker(**env)]
    try:
        try:
            await wait_for_sent(len(LAGGING))
        except AssertionError:
            raise AssertionError(workers[0].output() + workers[1].output()) from None
        await asyncio.sleep(1.5)  # more rounds of the chores: nothing more comes
    finally:
        for worker in workers:
            worker.kill()

    reminders = [m for m in smtp_server.messages if "Reminder" in str(m["Subject"])]
    by_address = Counter(m["To"].addresses[0].addr_spec for m in reminders)
    assert dict(by_address) == {f"focal.{code.lower()}@mission.example.org": 1 for code in LAGGING}
