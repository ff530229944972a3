"""The job worker: claims one queued job at a time, runs its handler, records the outcome.

It follows the outbox worker's protocol (`mail.worker`):

1. **Claim**, in one short write transaction: the oldest `queued` job, or a `running` one whose
   `claimed_until` has passed because the worker holding it died (a web restart, a killed
   process), becomes `running` with `claimed_until = now + lease`. PostgreSQL locks the row with
   `FOR UPDATE SKIP LOCKED`, so two workers take different jobs; SQLite's IMMEDIATE transaction
   lets one claim run at a time.
2. **Run** the handler with no transaction open. Each progress report writes `done`/`total`,
   renews the lease when half of it has passed, and reads `cancel_requested`: a cancelled job
   stops at its next report (between chunks), and its partial file is deleted.
3. **Record** the outcome (`done` with its file, `failed` with the error, `cancelled`), fenced by
   the `claimed_until` this worker set: a worker that lost its lease cannot overwrite the outcome
   of the worker that took the job over.

Between jobs the worker deletes result files older than `RESULT_KEEP`.
"""

from __future__ import annotations

import asyncio
import json
import logging
import shutil
import time
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

from idmevents.db import is_sqlite, write_transaction
from idmevents.jobs import services
from idmevents.jobs.services import CANCELLED, DONE, FAILED, QUEUED, RUNNING, JobCancelled
from idmevents.jobs.tables import Job
from idmevents.mail.worker import run_passes

if TYPE_CHECKING:
    from idmevents.settings import Settings

log = logging.getLogger(__name__)

LEASE_SECONDS = 120.0
# Progress is written at most this often (and always at the end): a handler may report per badge.
REPORT_EVERY_SECONDS = 0.5
# A job whose worker died this many times is failed rather than tried again.
MAX_ATTEMPTS = 3
# How often the idle worker looks for expired results.
PURGE_EVERY_SECONDS = 600.0


def _due(now: datetime):
    return (Job.status == QUEUED) | ((Job.status == RUNNING) & (Job.claimed_until <= now))


async def _claim(now: datetime, until: datetime) -> dict | None:
    if not await Job.select(Job.id).where(_due(now)).limit(1):
        return None  # a plain read first: an idle worker takes no write lock
    async with write_transaction():
        query = Job.select(Job.id).where(_due(now)).order_by(Job.id).limit(1)
        if not is_sqlite():
            query = query.lock_rows(skip_locked=True)
        found = await query
        if not found:
            return None
        rows = await (
            Job.update(
                {
                    Job.status: RUNNING,
                    Job.claimed_until: until,
                    Job.started_at: now,
                    Job.attempts: Job.attempts + 1,
                }
            )
            .where(Job.id == found[0]["id"])
            .returning(*Job.all_columns())
        )
    return rows[0] if rows else None


def _ours(job_id: int, until: datetime):
    return (Job.id == job_id) & (Job.status == RUNNING) & (Job.claimed_until == until)


class _Lease:
    """The claim held on one job: renewed while it runs, and the fence of every write."""

    def __init__(self, job_id: int, until: datetime, lease: timedelta, started_at: datetime):
        self.job_id = job_id
        self.until = until
        self.lease = lease
        self.started_at = started_at
        self.started = time.monotonic()
        self.last_report = 0.0

    def now(self) -> datetime:
        return self.started_at + timedelta(seconds=time.monotonic() - self.started)

    async def report(self, done: int, total: int) -> bool:
        """Write progress (throttled); True when the job should stop."""
        moment = time.monotonic()
        renew = self.until - self.now() < self.lease / 2
        if not renew and done < total and moment - self.last_report < REPORT_EVERY_SECONDS:
            return False
        self.last_report = moment
        values = {Job.done: done, Job.total: total}
        new_until = self.now() + self.lease if renew else self.until
        if renew:
            values[Job.claimed_until] = new_until
        rows = await (
            Job.update(values).where(_ours(self.job_id, self.until)).returning(Job.cancel_requested)
        )
        if not rows:
            log.warning("jobs: job %d was taken over by another worker; stopping", self.job_id)
            return True
        self.until = new_until
        return bool(rows[0]["cancel_requested"])


async def run_one(*, now: datetime | None = None, lease_seconds: float = LEASE_SECONDS) -> bool:
    """Claim and run one job; False when there was none to run."""
    started_at = now or datetime.now(UTC)
    lease = timedelta(seconds=lease_seconds)
    row = await _claim(started_at, started_at + lease)
    if row is None:
        return False
    held = _Lease(row["id"], started_at + lease, lease, started_at)
    directory = services.results_dir() / str(row["id"])
    if row["attempts"] > MAX_ATTEMPTS:
        await _finish(held, FAILED, error="the worker stopped while running it, too many times")
        return True
    handler = services.HANDLERS.get(row["kind"])
    if handler is None:
        await _finish(held, FAILED, error=f"no handler for jobs of kind {row['kind']!r}")
        return True
    shutil.rmtree(directory, ignore_errors=True)  # what a dead worker left half-written
    directory.mkdir(parents=True, exist_ok=True)
    context = services.JobContext(
        id=row["id"],
        kind=row["kind"],
        meeting_id=row["meeting"],
        user_id=row["created_by"],
        params=json.loads(row["params"] or "{}"),
        directory=directory,
        report=held.report,
    )
    log.info("jobs: running job %d (%s)", row["id"], row["kind"])
    try:
        result = await handler(context)
    except JobCancelled:
        shutil.rmtree(directory, ignore_errors=True)
        await _finish(held, CANCELLED)
        log.info("jobs: job %d cancelled", row["id"])
    except Exception as exc:
        log.exception("jobs: job %d (%s) failed", row["id"], row["kind"])
        shutil.rmtree(directory, ignore_errors=True)
        await _finish(held, FAILED, error=str(exc)[:2000] or type(exc).__name__)
    else:
        values = {}
        if result is not None:
            values = {
                Job.result_path: str(result.path) if result.path else "",
                Job.result_name: result.name,
                Job.result_type: result.media_type,
                Job.summary: result.summary,
            }
        await _finish(held, DONE, values)
        log.info("jobs: job %d done", row["id"])
    return True


async def _finish(
    held: _Lease, status: str, values: dict | None = None, *, error: str = ""
) -> None:
    update = {Job.status: status, Job.finished_at: held.now(), Job.claimed_until: None}
    update.update(values or {})
    if error:
        update[Job.error] = error
    if status == DONE:
        update[Job.done] = Job.total
    await Job.update(update).where(_ours(held.job_id, held.until))


async def run_worker(settings: Settings, *, stop: asyncio.Event | None = None) -> None:
    """Run jobs until `stop` is set: beside the outbox worker in `idmevents worker` and `serve`.

    A job in hand when `stop` is set is left to its lease: the next worker takes it over.
    """
    stop = stop or asyncio.Event()
    log.info("job worker started")
    last_purge = 0.0

    async def one_pass() -> bool:
        nonlocal last_purge
        if time.monotonic() - last_purge > PURGE_EVERY_SECONDS:
            await services.delete_expired_results(datetime.now(UTC))
            last_purge = time.monotonic()
        return await run_one()

    await run_passes("job worker", one_pass, poll_seconds=settings.mail.poll_seconds, stop=stop)
    log.info("job worker stopped")


async def run_embedded_worker(settings: Settings) -> None:
    """The job worker inside `idmevents serve`: cancelled with the app, its job goes back to the
    queue after its lease."""
    await run_worker(settings)
