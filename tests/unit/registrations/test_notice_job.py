"""The notice of agenda changes as a job: queued in batches, each person emailed exactly once even
when the worker running it dies half-way and another takes it over."""

import asyncio
import json
from datetime import timedelta
from pathlib import Path

from idmevents.audit import SYSTEM
from idmevents.jobs import services as jobs
from idmevents.jobs import worker
from idmevents.jobs.tables import Job
from idmevents.jobs.worker import run_one
from idmevents.mail.tables import OutboxMessage
from idmevents.meetings import builder
from idmevents.registrations import notice_job, notices
from idmevents.registrations.tables import NoticeDelivery
from tests.unit.registrations.test_notices import (
    LATER,
    ny,
    published_meeting_with_two_sessions,
    register,
)

PEOPLE = ["Ana", "Ben", "Cleo", "Dan", "Eve"]


async def five_people_and_a_retimed_session() -> dict:
    meeting, first, _ = await published_meeting_with_two_sessions()
    for given in PEOPLE:
        await register(meeting["id"], given)
    await builder.update_session(
        first["id"], {"starts_at": ny(12), "ends_at": ny(13)}, by=SYSTEM, now=LATER
    )
    return meeting


async def addresses() -> list[str]:
    rows = await OutboxMessage.select(OutboxMessage.to_address, OutboxMessage.kind)
    assert {row["kind"] for row in rows} == {"agenda-changed"}
    return sorted(row["to_address"] for row in rows)


async def test_a_notice_taken_over_after_its_worker_died_emails_each_person_once(monkeypatch):
    await five_people_and_a_retimed_session()
    monkeypatch.setattr(notice_job, "BATCH", 2)
    job_id = await notices.queue_notice("idm-test", by=SYSTEM, now=LATER)
    # The worker dies after its first batch: the job stays "running" until its lease ends.
    first_batch_done = asyncio.Event()
    queue_batch = notice_job._queue_batch

    async def dies_after_one_batch(*args):
        queued = await queue_batch(*args)
        first_batch_done.set()
        await asyncio.Event().wait()  # killed here
        return queued

    monkeypatch.setattr(notice_job, "_queue_batch", dies_after_one_batch)
    worker = asyncio.create_task(run_one(now=LATER, lease_seconds=60))
    await asyncio.wait_for(first_batch_done.wait(), 10)
    worker.cancel()
    await asyncio.gather(worker, return_exceptions=True)
    assert (await jobs.get_job(job_id)).status == jobs.RUNNING
    assert await addresses() == ["ana@example.org", "ben@example.org"]

    # Another worker takes the job over once the lease has passed and finishes it.
    monkeypatch.setattr(notice_job, "_queue_batch", queue_batch)
    assert not await run_one(now=LATER + timedelta(seconds=30))  # the lease still holds
    assert await run_one(now=LATER + timedelta(minutes=2))
    job = await jobs.get_job(job_id)
    assert (job.status, job.done, job.total) == (jobs.DONE, 5, 5)
    assert job.summary == "5 participants will receive the notice."
    expected = sorted(f"{given.lower()}@example.org" for given in PEOPLE)
    assert await addresses() == expected
    assert await NoticeDelivery.count() == 5

    # Running the job's handler yet again (a third worker) queues nothing new.
    again = jobs.JobContext(
        id=job_id,
        kind=notice_job.KIND,
        meeting_id=job.meeting_id,
        user_id=None,
        params=await _params(job_id),
        directory=Path("."),
        report=_never_cancelled,
    )
    await notice_job.run_notice_job(again)
    assert await addresses() == expected


async def _never_cancelled(done: int, total: int) -> bool:
    return False


async def _params(job_id: int) -> dict:
    row = await Job.select(Job.params).where(Job.id == job_id).first()
    return json.loads(row["params"])


async def test_a_cancelled_notice_stops_between_batches(monkeypatch):
    await five_people_and_a_retimed_session()
    monkeypatch.setattr(notice_job, "BATCH", 2)
    monkeypatch.setattr(worker, "REPORT_EVERY_SECONDS", 0)  # every report reads the cancel
    job_id = await notices.queue_notice("idm-test", by=SYSTEM, now=LATER)
    queue_batch = notice_job._queue_batch

    async def cancelled_after_one_batch(*args):
        queued = await queue_batch(*args)
        await jobs.cancel(job_id, now=LATER)
        return queued

    monkeypatch.setattr(notice_job, "_queue_batch", cancelled_after_one_batch)
    assert await run_one(now=LATER)
    assert (await jobs.get_job(job_id)).status == jobs.CANCELLED
    assert await addresses() == ["ana@example.org", "ben@example.org"]
