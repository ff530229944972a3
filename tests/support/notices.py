"""Pressing "Notify participants" in a test: the notice's job queued, run by the worker, its emails
rendered, as they would be before the first attempt to send them."""

from datetime import datetime

from idmevents.audit import SYSTEM
from idmevents.jobs import services as jobs
from idmevents.jobs.worker import run_one
from idmevents.mail.recipes import render_waiting
from idmevents.registrations import notices


async def notify(slug: str, *, now: datetime, expected: list[int] | None = None) -> int:
    """Notify the participants of `slug` and run the job; returns how many emails it queued."""
    job_id = await notices.queue_notice(slug, by=SYSTEM, now=now, expected=expected)
    if job_id is None:
        return 0
    assert await run_one(now=now)
    job = await jobs.get_job(job_id)
    assert (job.status, job.error) == (jobs.DONE, "")
    await render_waiting()
    return job.total
