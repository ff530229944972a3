"""The registrations CSV as a job: written to a file by the worker, a thousand rows at a time.

The desk queues it with the list's filters (`queue_export_job`); the worker (`run_export_job`)
writes the same file as the desk's direct export (`export.spreadsheet_csv`'s format), reporting
progress after each chunk, so a cancel stops it between chunks.
"""

from __future__ import annotations

import asyncio
import csv
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from idmevents import i18n
from idmevents.auth.services import CurrentUser
from idmevents.jobs import services as jobs
from idmevents.registrations import desk, export

KIND = "registrations-csv"
CHUNK = 1000


async def queue_export_job(
    meeting: dict,
    filters: desk.DeskFilters,
    *,
    separator: str,
    now: datetime,
    by: CurrentUser | None,
) -> int:
    """Queue the CSV export of the filtered list; returns the job's id."""
    if separator not in export.DELIMITERS:
        raise ValueError(f"separator must be one of {sorted(export.DELIMITERS)}")
    return await jobs.enqueue(
        KIND,
        meeting_id=meeting["id"],
        params={
            "filters": {
                "status": filters.status,
                "category": filters.category,
                "country": filters.country,
                "session": filters.session,
                "q": filters.q,
                "sort": filters.sort,
                "delegation": filters.delegation,
                "hold": filters.hold,
                "attendance": filters.attendance,
                "burst": filters.burst,
                "unconfirmed": "1" if filters.unconfirmed else "",
            },
            "sep": separator,
            "language": i18n.current_language(),
        },
        user_id=by.id if by else None,
        now=now,
    )


async def run_export_job(job: jobs.JobContext) -> jobs.Result:
    token = i18n.set_language(job.params.get("language") or "en")
    try:
        return await _export(job)
    finally:
        i18n.reset_language(token)


async def _export(job: jobs.JobContext) -> jobs.Result:
    meeting = await desk.get_meeting_by_id(job.meeting_id)
    filters = await desk.check_filters(meeting, **job.params["filters"])
    # Ids first, rows a chunk at a time: memory stays flat however large the meeting.
    ids = await desk.ordered_ids(meeting, filters)
    total = len(ids)
    await job.progress(0, total)
    places = await desk.session_places(meeting["id"])
    now = datetime.now(UTC).astimezone(ZoneInfo(meeting["timezone"]))
    name = f"{meeting['slug']}-registrations-{now:%Y-%m-%d}.csv"
    path = job.directory / name
    delimiter = export.DELIMITERS[job.params["sep"]]
    with path.open("w", encoding="utf-8", newline="") as out:
        out.write(export.BOM)
        writer = csv.writer(
            out,
            delimiter=delimiter,
            quotechar='"',
            quoting=csv.QUOTE_MINIMAL,
            lineterminator="\r\n",
        )
        for start in range(0, max(total, 1), CHUNK):
            rows = await desk.rows_of(meeting["id"], ids[start : start + CHUNK])
            header, table = export.registrations_table(meeting, rows, places)
            if start == 0:
                writer.writerow([export.cell(name) for name in header])
            writer.writerows([[export.cell(value) for value in row] for row in table])
            done = min(total, start + CHUNK)
            await job.progress(done, total)
            await asyncio.sleep(0)  # let the web requests of this process through
    summary = i18n.ngettext("%(count)d registration", "%(count)d registrations", total) % {
        "count": total
    }
    return jobs.Result(path=path, name=name, media_type="text/csv", summary=summary)


def register_job_handlers() -> None:
    jobs.register_handler(KIND, run_export_job)
