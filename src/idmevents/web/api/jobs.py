"""The jobs API: a job's progress as a percentage, cancelling it, and its file once done."""

from __future__ import annotations

from datetime import UTC, datetime

import msgspec
from litestar import Controller, Response, get, post
from litestar.openapi.datastructures import ResponseSpec
from litestar.params import FromPath
from litestar.response import File

from idmevents.jobs import services as jobs
from idmevents.records import copy_fields
from idmevents.web.guards import requires_role
from idmevents.web.organizers.jobs import job_kind_label, status_label


class JobAnswer(msgspec.Struct):
    """A job: `status` is queued, running, done, failed or cancelled; `progress` a percentage."""

    id: int
    kind: str
    kind_label: str
    status: str
    status_label: str
    progress: int
    done: int
    total: int
    finished: bool
    cancel_requested: bool
    summary: str
    error: str
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None
    result_url: str | None
    result_expires_at: datetime | None


class JobError(msgspec.Struct):
    error: str
    detail: str


def _error(description: str) -> ResponseSpec:
    return ResponseSpec(data_container=JobError, description=description)


_ERRORS = {
    401: _error("No API token, or one that is unknown or revoked"),
    403: _error("The token's user is not an organizer or admin"),
    404: _error("No job has this id"),
}


def _answer(job: jobs.JobView) -> JobAnswer:
    return copy_fields(
        JobAnswer,
        job,
        kind_label=job_kind_label(job.kind),
        status_label=status_label(job.status),
        progress=job.percent,
        result_url=f"/api/v1/jobs/{job.id}/result" if job.has_result else None,
        result_expires_at=job.expires_at,
    )


class JobApiController(Controller):
    path = "/api/v1/jobs"
    guards = [requires_role("organizer")]
    tags = ["jobs"]

    @get("/{job_id:int}", name="api_job", responses=_ERRORS)
    async def show(self, job_id: FromPath[int]) -> JobAnswer:
        """A job's status and progress (a percentage); `result_url` once its file is ready."""
        return _answer(await jobs.get_job(job_id))

    @post(
        "/{job_id:int}/cancel",
        name="api_job_cancel",
        status_code=200,
        responses=_ERRORS | {409: _error("The job has already finished")},
    )
    async def cancel(self, job_id: FromPath[int]) -> JobAnswer:
        """Cancel a job: a queued one at once, a running one between two chunks of its work."""
        return _answer(await jobs.cancel(job_id, now=datetime.now(UTC)))

    @get(
        "/{job_id:int}/result",
        name="api_job_result",
        responses=_ERRORS | {404: _error("No such job, not finished, or its file expired")},
    )
    async def result(self, job_id: FromPath[int]) -> Response:
        """The job's file (PDF, CSV), kept 24 hours after the job finished."""
        path, job = await jobs.result_file(job_id)
        return File(path=path, filename=job.result_name, headers={"Cache-Control": "no-store"})
