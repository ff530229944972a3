"""Queueing, reading and cancelling jobs; what a running job's handler is given to report on.

A job is a row (`Job`): the page that asks for long work queues it and answers at once; the worker
(`jobs.worker`) runs it with the handler registered for its kind, which reports progress through
its `JobContext` and writes its result file under var/jobs/. Progress reports are also where a
cancel is noticed: `JobContext.progress` raises `JobCancelled` once an organizer has asked.

Handlers are registered, not imported: jobs sit below the domains whose work they run, which hand
their handlers over where the program is wired (`idmevents.wiring`).
"""

from __future__ import annotations

import asyncio
import json
import shutil
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from idmevents.errors import Conflict, NotFound
from idmevents.i18n import gettext
from idmevents.jobs.tables import Job
from idmevents.records import copy_fields
from idmevents.settings import get_settings

QUEUED, RUNNING, DONE, FAILED, CANCELLED = "queued", "running", "done", "failed", "cancelled"
FINISHED = (DONE, FAILED, CANCELLED)
# How long a result file stays downloadable; the worker deletes it after that.
RESULT_KEEP = timedelta(hours=24)


class JobCancelled(Exception):
    """Raised inside a handler by `JobContext.progress` once the job was asked to stop."""


@dataclass(frozen=True)
class Result:
    """What a handler made: a file under the job's directory, its download name and type."""

    path: Path | None  # None: the job made no file (nothing matched), its summary says why
    name: str
    media_type: str
    summary: str = ""


@dataclass
class JobContext:
    """What a handler is given: the job, its parameters, a place for its file, a way to report."""

    id: int
    kind: str
    meeting_id: int | None
    user_id: int | None
    params: dict[str, Any]
    directory: Path
    report: Callable[[int, int], Awaitable[bool]] = field(repr=False)

    async def progress(self, done: int, total: int) -> None:
        """Record `done` of `total`; raises JobCancelled when an organizer asked to stop."""
        if await self.report(done, total):
            raise JobCancelled()


Handler = Callable[[JobContext], Awaitable[Result | None]]
HANDLERS: dict[str, Handler] = {}


def register_handler(kind: str, handler: Handler) -> None:
    """Make `handler` run the jobs of `kind`; registering the same pair again is harmless."""
    current = HANDLERS.get(kind)
    if current is not None and current is not handler:
        raise ValueError(f"a job handler for {kind!r} is already registered")
    HANDLERS[kind] = handler


def results_dir() -> Path:
    return get_settings().var_dir / "jobs"


async def enqueue(
    kind: str,
    *,
    meeting_id: int | None,
    params: dict[str, Any],
    user_id: int | None,
    now: datetime,
) -> int:
    """Queue a job for the worker; returns its id. Call it inside the caller's transaction to
    queue the job with the change that causes it."""
    rows = await Job.insert(
        Job(
            kind=kind,
            meeting=meeting_id,
            created_by=user_id,
            params=json.dumps(params),
            status=QUEUED,
            created_at=now,
        )
    ).returning(Job.id)
    return rows[0]["id"]


@dataclass(frozen=True)
class JobView:
    id: int
    kind: str
    meeting_id: int | None
    status: str
    done: int
    total: int
    cancel_requested: bool
    summary: str
    error: str
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None
    result_name: str
    has_result: bool
    expires_at: datetime | None

    @property
    def percent(self) -> int:
        """Whole percent done: 100 once done, 0 until the handler knows its total."""
        if self.status == DONE:
            return 100
        if self.total <= 0:
            return 0
        return min(100, self.done * 100 // self.total)

    @property
    def finished(self) -> bool:
        return self.status in FINISHED


def _view(row: dict) -> JobView:
    has_result = bool(row["result_path"])
    return copy_fields(
        JobView,
        row,
        meeting_id=row["meeting"],
        has_result=has_result,
        expires_at=row["finished_at"] + RESULT_KEEP if has_result and row["finished_at"] else None,
    )


async def _row(job_id: int, meeting_id: int | None = None) -> dict:
    query = Job.select().where(Job.id == job_id)
    if meeting_id is not None:
        query = query.where(Job.meeting == meeting_id)
    row = await query.first()
    if row is None:
        raise NotFound(gettext("No such job."))
    return row


async def get_job(job_id: int, *, meeting_id: int | None = None) -> JobView:
    """The job, for its page and the API; NotFound when there is none (in that meeting)."""
    return _view(await _row(job_id, meeting_id))


async def recent_jobs(meeting_id: int, kind: str, *, limit: int = 5) -> list[JobView]:
    rows = await (
        Job.select()
        .where((Job.meeting == meeting_id) & (Job.kind == kind))
        .order_by(Job.id, ascending=False)
        .limit(limit)
    )
    return [_view(row) for row in rows]


async def cancel(job_id: int, *, now: datetime, meeting_id: int | None = None) -> JobView:
    """Ask a job to stop: a queued job is cancelled at once, a running one at its next progress
    report. Conflict when it has already finished."""
    row = await _row(job_id, meeting_id)
    if row["status"] in FINISHED:
        raise Conflict(gettext("This job has already finished: there is nothing to cancel."))
    await Job.update(
        {Job.status: CANCELLED, Job.cancel_requested: True, Job.finished_at: now}
    ).where((Job.id == job_id) & (Job.status == QUEUED))
    await Job.update({Job.cancel_requested: True}).where(
        (Job.id == job_id) & (Job.status == RUNNING)
    )
    return await get_job(job_id)


async def result_file(job_id: int, *, meeting_id: int | None = None) -> tuple[Path, JobView]:
    """The job's result file and the job; NotFound when it has none (not done, or expired)."""
    row = await _row(job_id, meeting_id)
    view = _view(row)
    path = Path(row["result_path"]) if row["result_path"] else None
    if view.status != DONE or path is None or not path.is_file():
        raise NotFound(
            gettext("This job has no file to download: it is not finished, or its file expired.")
        )
    return path, view


async def delete_expired_results(now: datetime) -> int:
    """Delete the result files kept longer than RESULT_KEEP; returns how many."""
    rows = await Job.select(Job.id, Job.result_path).where(
        (Job.result_path != "") & (Job.finished_at < now - RESULT_KEEP)
    )
    for row in rows:
        # The job's own directory (var/jobs/<id>/) goes with its file.
        await asyncio.to_thread(shutil.rmtree, Path(row["result_path"]).parent, True)
        await Job.update({Job.result_path: ""}).where(Job.id == row["id"])
    await asyncio.to_thread(_delete_stale_uploads, now)
    return len(rows)


def _delete_stale_uploads(now: datetime) -> None:
    """Files uploaded for a job never started (an import whose columns were never confirmed)."""
    uploads = results_dir() / "uploads"
    if not uploads.is_dir():
        return
    limit = (now - RESULT_KEEP).timestamp()
    for path in uploads.iterdir():
        if path.is_file() and path.stat().st_mtime < limit:
            path.unlink(missing_ok=True)


async def owners_of_job(job_id: int) -> frozenset[int] | None:
    """The meeting a job works for (None: no such job; empty: a job of no meeting), for teams."""
    row = await Job.select(Job.meeting).where(Job.id == job_id).first()
    if row is None:
        return None
    return frozenset() if row["meeting"] is None else frozenset({row["meeting"]})
