"""Badge batches as jobs: thousands of badges rendered on every core, with progress and cancel.

`queue_print_job` checks the choices and queues a `badges` job; the worker runs `run_print_job`:
it chooses the badges and marks them printed in one transaction (so two batches of "not printed
yet" never share a badge), then renders them in chunks of whole pages on a process pool of
`os.cpu_count()` processes (WeasyPrint is CPU-bound and holds the GIL: threads would not help),
reporting progress after each chunk, and joins the chunks into one PDF with pypdf. Cancelled or
failed, the printed marks are put back as they were.
"""

from __future__ import annotations

import asyncio
import contextlib
import math
import os
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor
from datetime import UTC, datetime
from multiprocessing import get_context

from idmevents import i18n
from idmevents.auth.services import CurrentUser
from idmevents.badges import render, services
from idmevents.badges.layout import SheetLayout, default_paper, sheet_layout
from idmevents.jobs import services as jobs
from idmevents.meetings.tables import Meeting
from idmevents.settings import get_settings

KIND = "badges"
# Badges per chunk at most: small enough for progress every few seconds, large enough that
# starting a WeasyPrint document (about 0.1 s) is a small part of each chunk.
MAX_CHUNK = 120


async def queue_print_job(
    meeting: dict,
    *,
    now: datetime,
    paper: str | None,
    size: str,
    category: str | None,
    not_printed_only: bool,
    by: CurrentUser | None,
) -> int:
    """Check the choices and queue the batch; returns the job's id (InvalidInput on bad choices).
    Without a paper, the meeting's usual one (`layout.default_paper`)."""
    paper = paper or default_paper(meeting["timezone"])
    services.check_print_options(paper, size)
    return await jobs.enqueue(
        KIND,
        meeting_id=meeting["id"],
        params={
            "paper": paper,
            "size": size,
            "category": category or "",
            "not_printed_only": not_printed_only,
            "language": i18n.current_language(),
            "by": [by.id, by.email] if by else None,
        },
        user_id=by.id if by else None,
        now=now,
    )


def chunk_size(count: int, per_page: int, workers: int) -> int:
    """Badges per chunk: whole pages, a few chunks per worker so that all finish together; a
    batch of at most MAX_CHUNK badges is one chunk."""
    if count <= MAX_CHUNK:
        return max(count, 1)
    wanted = max(1, math.ceil(count / (workers * 4)))
    pages = max(1, math.ceil(min(wanted, MAX_CHUNK) / per_page))
    return pages * per_page


def render_chunk(
    badges: list[render.BadgeView], layout: SheetLayout, title: str, language: str
) -> bytes:
    """One chunk's PDF, in a pool process (a top-level function, so that it pickles)."""
    token = i18n.set_language(language)
    try:
        return render.sheets_pdf(badges, layout, title)
    finally:
        i18n.reset_language(token)


def merge_pdfs(parts: list[bytes]) -> bytes:
    import io

    from pypdf import PdfWriter

    writer = PdfWriter()
    for part in parts:
        writer.append(io.BytesIO(part))
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def _by(params: dict) -> CurrentUser | None:
    if not params.get("by"):
        return None
    user_id, email = params["by"]
    return CurrentUser(id=user_id, email=email, display_name="", role="organizer")


async def run_print_job(job: jobs.JobContext) -> jobs.Result | None:
    params = job.params
    meeting = await Meeting.select().where(Meeting.id == job.meeting_id).first()
    if meeting is None:
        raise ValueError("the meeting no longer exists")
    now = datetime.now(UTC)
    layout = sheet_layout(params["paper"], params["size"])
    rows = await services.choose_and_mark(
        meeting,
        now=now,
        paper=params["paper"],
        size=params["size"],
        category=params["category"] or None,
        not_printed_only=params["not_printed_only"],
        by=_by(params),
    )
    if not rows:
        with i18n_language(params["language"]):
            summary = i18n.gettext("No badge matches these choices: nothing was printed.")
        return jobs.Result(path=None, name="", media_type="", summary=summary)
    try:
        return await _render(job, meeting, rows, layout, params["language"], now)
    except BaseException:
        await services.restore_printed_marks(rows, now)
        raise


async def _render(
    job: jobs.JobContext,
    meeting: dict,
    rows: list[dict],
    layout: SheetLayout,
    language: str,
    now: datetime,
) -> jobs.Result:
    rows.sort(key=services.sort_key)
    secret_key = get_settings().secret_key
    holds = await services.holds_of(rows)
    with i18n_language(language):
        badges = services.badge_views(rows, meeting, secret_key, holds)
    total = len(badges)
    await job.progress(0, total)
    workers = os.cpu_count() or 1
    size = chunk_size(total, layout.per_page, workers)
    chunks = [badges[start : start + size] for start in range(0, total, size)]
    if len(chunks) == 1:
        # A small batch: starting processes (a second or two each) would cost more than it saves.
        parts = [await asyncio.to_thread(render_chunk, badges, layout, meeting["title"], language)]
        await job.progress(total, total)
    else:
        parts = await _render_in_pool(job, chunks, layout, meeting["title"], language, workers)
    pdf = await asyncio.to_thread(merge_pdfs, parts) if len(parts) > 1 else parts[0]
    name = f"badges-{meeting['slug']}-{now:%Y%m%d-%H%M%S}.pdf"
    path = job.directory / name
    await asyncio.to_thread(path.write_bytes, pdf)
    pages = -(-total // layout.per_page)
    with i18n_language(language):
        summary = i18n.ngettext(
            "%(count)d badge on %(pages)d page", "%(count)d badges on %(pages)d pages", total
        ) % {"count": total, "pages": pages}
    return jobs.Result(path=path, name=name, media_type="application/pdf", summary=summary)


async def _render_in_pool(
    job: jobs.JobContext,
    chunks: list[list[render.BadgeView]],
    layout: SheetLayout,
    title: str,
    language: str,
    workers: int,
) -> list[bytes]:
    total = sum(len(chunk) for chunk in chunks)
    loop = asyncio.get_running_loop()
    # "spawn": the worker runs in an event loop with database connections open; forking it
    # would copy them into every child.
    with ProcessPoolExecutor(
        max_workers=min(workers, len(chunks)), mp_context=get_context("spawn")
    ) as pool:
        futures = [
            loop.run_in_executor(pool, render_chunk, chunk, layout, title, language)
            for chunk in chunks
        ]

        async def numbered(index: int) -> tuple[int, bytes]:
            return index, await futures[index]

        parts: list[bytes] = [b""] * len(chunks)
        done = 0
        try:
            # Progress as chunks finish, in whatever order: the bar moves from the first chunk.
            for finished in asyncio.as_completed([numbered(i) for i in range(len(chunks))]):
                index, part = await finished
                parts[index] = part
                done += len(chunks[index])
                await job.progress(done, total)
        except BaseException:
            # Cancelled or failed: chunks not started are dropped; those running finish first.
            pool.shutdown(wait=False, cancel_futures=True)
            raise
        return parts


@contextlib.contextmanager
def i18n_language(language: str) -> Iterator[None]:
    """Text in the language of the organizer who queued the job."""
    token = i18n.set_language(language)
    try:
        yield
    finally:
        i18n.reset_language(token)


def register_job_handlers() -> None:
    jobs.register_handler(KIND, run_print_job)
