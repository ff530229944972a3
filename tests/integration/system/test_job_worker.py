"""Jobs live in the database: a job queued (or left running) by a process that stopped is run by
the next `idmevents worker` process."""

from __future__ import annotations

import asyncio
import time
from datetime import UTC, datetime, timedelta

from idmevents.jobs import services as jobs
from idmevents.jobs.tables import Job
from idmevents.registrations import desk
from idmevents.registrations.export_job import queue_export_job
from tests.factories.badges import add_registration, meeting
from tests.integration.system.test_mail_worker import Worker


async def wait_until_finished(job_ids: list[int], within: float = 60) -> list[jobs.JobView]:
    deadline = time.monotonic() + within
    while True:
        views = [await jobs.get_job(job_id) for job_id in job_ids]
        if all(view.finished for view in views):
            return views
        assert time.monotonic() < deadline, [view.status for view in views]
        await asyncio.sleep(0.1)


async def test_a_new_worker_process_runs_jobs_left_by_a_stopped_one(demo):
    new_york = await meeting()
    await add_registration(new_york, family_name="Müller")
    filters = await desk.check_filters(new_york)
    now = datetime.now(UTC)
    queued = await queue_export_job(new_york, filters, separator="comma", now=now, by=None)
    # The other was being run by a web process that was restarted: its lease has run out.
    abandoned = await queue_export_job(new_york, filters, separator="comma", now=now, by=None)
    await Job.update(
        {Job.status: "running", Job.claimed_until: now - timedelta(seconds=1), Job.attempts: 1}
    ).where(Job.id == abandoned)

    worker = Worker()
    try:
        views = await wait_until_finished([queued, abandoned])
    finally:
        worker.process.terminate()
        await worker.wait_for_exit()
    assert [view.status for view in views] == ["done", "done"], worker.output()
    for job_id in (queued, abandoned):
        path, _ = await jobs.result_file(job_id)
        assert "Müller" in path.read_text(encoding="utf-8")
    assert "job worker started" in worker.output()
