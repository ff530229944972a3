"""A job's page for organizers: its progress bar (refreshed by jobs.js), cancel, and its file."""

from __future__ import annotations

from datetime import UTC, datetime

from litestar import Request, Response, get, post
from litestar.params import FromPath
from litestar.response import File, Redirect, Template

from idmevents.errors import Conflict
from idmevents.i18n import gettext
from idmevents.jobs import services as jobs
from idmevents.meetings.services import get_meeting
from idmevents.registrations.notices import NOTICE_JOB
from idmevents.web.flash import flash
from idmevents.web.guards import OrganizerPages


def job_kind_label(kind: str) -> str:
    return {
        "badges": gettext("Badge batch"),
        "registrations-csv": gettext("Registrations CSV export"),
        "registrations-import": gettext("Registrations import"),
        NOTICE_JOB: gettext("Notice of agenda changes"),
    }.get(kind, kind)


def back_link(kind: str) -> tuple[str, str]:
    """The page a job was started from (its route name) and the link's text."""
    if kind == "badges":
        return "admin_badges", gettext("Back to the badges")
    if kind == NOTICE_JOB:
        return "admin_meeting", gettext("Back to the agenda builder")
    return "admin_meeting_registrations", gettext("Back to the registrations")


def status_label(status: str) -> str:
    return {
        jobs.QUEUED: gettext("Waiting to start"),
        jobs.RUNNING: gettext("Running"),
        jobs.DONE: gettext("Done"),
        jobs.FAILED: gettext("Failed"),
        jobs.CANCELLED: gettext("Cancelled"),
    }.get(status, status)


class JobPageController(OrganizerPages):
    path = "/admin/meetings/{slug:str}/jobs"

    @get("/{job_id:int}", name="admin_job")
    async def show(self, request: Request, slug: FromPath[str], job_id: FromPath[int]) -> Template:
        """The job's progress, its cancel button while it runs, its file once done."""
        meeting = await get_meeting(slug, include_drafts=True)
        job = await jobs.get_job(job_id, meeting_id=meeting["id"])
        back_route, back_label = back_link(job.kind)
        return Template(
            "jobs/job.html.jinja2",
            context={
                "meeting": meeting,
                "job": job,
                "kind_label": job_kind_label(job.kind),
                "status_label": status_label(job.status),
                "back_url": request.app.route_reverse(back_route, slug=slug),
                "back_label": back_label,
            },
        )

    @post("/{job_id:int}/cancel", name="admin_job_cancel")
    async def cancel(
        self, request: Request, slug: FromPath[str], job_id: FromPath[int]
    ) -> Redirect:
        """Ask the job to stop; it stops between two chunks of its work."""
        meeting = await get_meeting(slug, include_drafts=True)
        try:
            await jobs.cancel(job_id, now=datetime.now(UTC), meeting_id=meeting["id"])
        except Conflict as exc:
            flash(request, exc.message, "warn")
        else:
            flash(request, gettext("The job was asked to stop."))
        return Redirect(
            request.app.route_reverse("admin_job", slug=slug, job_id=job_id), status_code=303
        )

    @get("/{job_id:int}/download", name="admin_job_download")
    async def download(self, slug: FromPath[str], job_id: FromPath[int]) -> Response:
        """The job's file, while it is kept (RESULT_KEEP after the job finished)."""
        meeting = await get_meeting(slug, include_drafts=True)
        path, job = await jobs.result_file(job_id, meeting_id=meeting["id"])
        return File(
            path=path,
            filename=job.result_name,
            media_type=None,
            headers={"Cache-Control": "no-store"},
        )
