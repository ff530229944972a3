"""Badge batches as jobs: rendered on a process pool, merged into one PDF, cancel puts marks back."""

from __future__ import annotations

from datetime import UTC, datetime
from io import BytesIO

from pypdf import PdfReader

from idmevents.badges import batch
from idmevents.jobs import services as jobs
from idmevents.jobs import worker
from idmevents.jobs.tables import Job
from idmevents.registrations.tables import Registration
from tests.factories.badges import add_registration, meeting

NOW = datetime(2027, 3, 1, 9, 0, tzinfo=UTC)


def test_chunks_are_whole_pages_and_small_batches_are_one_chunk():
    assert batch.chunk_size(8, 6, 2) == 8
    assert batch.chunk_size(120, 6, 2) == 120
    assert batch.chunk_size(5000, 6, 2) == 120  # capped: progress every chunk
    assert batch.chunk_size(130, 6, 2) == 18  # 17 wanted, rounded up to whole pages
    assert batch.chunk_size(130, 4, 16) == 4


async def test_a_large_batch_renders_on_a_process_pool_with_progress(demo, monkeypatch):
    monkeypatch.setattr(worker, "REPORT_EVERY_SECONDS", 0.0)
    reported: list[int] = []
    real_report = worker._Lease.report

    async def spy(self, done, total):
        reported.append(done)
        return await real_report(self, done, total)

    monkeypatch.setattr(worker._Lease, "report", spy)
    new_york = await meeting()
    for n in range(130):
        await add_registration(new_york, family_name=f"Family{n:03d}", category="media")
    job_id = await batch.queue_print_job(
        new_york, now=NOW, paper="a4", size="4x3", category=None, not_printed_only=True, by=None
    )
    await worker.run_one()
    path, job = await jobs.result_file(job_id)
    assert (job.status, job.summary) == ("done", "130 badges on 22 pages")
    reader = PdfReader(BytesIO(path.read_bytes()))
    assert len(reader.pages) == 22
    assert "Family000" in reader.pages[0].extract_text()
    assert "Family129" in reader.pages[21].extract_text()
    # One report before rendering, then one per chunk of 18 (8 chunks), in increasing order.
    assert reported[0] == 0 and reported[-1] == 130 and len(reported) == 9
    assert reported == sorted(reported)
    assert await Registration.count().where(Registration.badge_printed_at.is_not_null()) == 130


async def test_a_cancelled_batch_puts_the_printed_marks_back(demo):
    new_york = await meeting()
    for _ in range(3):
        await add_registration(new_york)
    job_id = await batch.queue_print_job(
        new_york, now=NOW, paper="a4", size="4x3", category=None, not_printed_only=True, by=None
    )
    # Cancelled just as the worker took it: it stops at its first report, after marking.
    await Job.update({Job.cancel_requested: True}).where(Job.id == job_id)
    await worker.run_one()
    assert (await jobs.get_job(job_id)).status == "cancelled"
    assert await Registration.count().where(Registration.badge_printed_at.is_not_null()) == 0
