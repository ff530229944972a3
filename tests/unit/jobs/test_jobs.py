"""Jobs without HTTP: queueing, progress, cancelling, failures, leases and expired results."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime, timedelta

import pytest

from idmevents.errors import Conflict, NotFound
from idmevents.jobs import services as jobs
from idmevents.jobs import worker
from idmevents.jobs.tables import Job
from idmevents.registrations import desk
from idmevents.registrations.export_job import queue_export_job
from tests.factories.badges import add_registration, meeting

STEPS = "test-steps"
seen: list[tuple[int, int, int]] = []  # (done, total, percent read back from the database)


async def steps(job: jobs.JobContext):
    """Four steps; after the second, the job asks itself to be cancelled when told to."""
    for done in range(5):
        await job.progress(done, 4)
        view = await jobs.get_job(job.id)
        seen.append((done, 4, view.percent))
        if done == 2 and job.params.get("cancel_at_half"):
            await jobs.cancel(job.id, now=datetime.now(UTC))
        if done == 2 and job.params.get("fail_at_half"):
            raise RuntimeError("the printer caught fire")
    path = job.directory / "steps.txt"
    path.write_text("four steps")
    return jobs.Result(path=path, name="steps.txt", media_type="text/plain", summary="4 steps")


jobs.register_handler(STEPS, steps)


@pytest.fixture(autouse=True)
def fast_reports(monkeypatch):
    monkeypatch.setattr(worker, "REPORT_EVERY_SECONDS", 0.0)
    seen.clear()


async def queue(**params) -> int:
    return await jobs.enqueue(STEPS, meeting_id=None, params=params, user_id=None, now=NOW)


NOW = datetime(2027, 3, 1, 9, 0, tzinfo=UTC)


async def test_a_queued_job_runs_with_progress_and_keeps_its_file():
    job_id = await queue()
    assert (await jobs.get_job(job_id)).status == "queued"
    assert await worker.run_one() is True
    assert seen == [(0, 4, 0), (1, 4, 25), (2, 4, 50), (3, 4, 75), (4, 4, 100)]
    job = await jobs.get_job(job_id)
    assert (job.status, job.percent, job.summary, job.has_result) == ("done", 100, "4 steps", True)
    path, _ = await jobs.result_file(job_id)
    assert path.read_text() == "four steps"
    assert await worker.run_one() is False  # nothing left


async def test_a_running_job_stops_between_chunks_when_cancelled():
    job_id = await queue(cancel_at_half=True)
    await worker.run_one()
    assert [done for done, _, _ in seen] == [0, 1, 2]  # step 3 was never reached
    job = await jobs.get_job(job_id)
    assert (job.status, job.has_result) == ("cancelled", False)
    assert not (jobs.results_dir() / str(job_id)).exists()  # the partial work is gone
    with pytest.raises(Conflict):
        await jobs.cancel(job_id, now=NOW)


async def test_a_queued_job_cancelled_never_runs():
    job_id = await queue()
    assert (await jobs.cancel(job_id, now=NOW)).status == "cancelled"
    assert await worker.run_one() is False
    assert seen == []


async def test_a_failing_job_is_failed_with_its_error():
    job_id = await queue(fail_at_half=True)
    await worker.run_one()
    job = await jobs.get_job(job_id)
    assert (job.status, job.error, job.has_result) == ("failed", "the printer caught fire", False)
    with pytest.raises(NotFound):
        await jobs.result_file(job_id)


async def test_a_job_of_a_dead_worker_is_taken_over_after_its_lease():
    job_id = await queue()
    # A worker claimed it and died (the web process restarted): the row stays `running`.
    await Job.update(
        {Job.status: "running", Job.claimed_until: NOW + timedelta(seconds=60), Job.attempts: 1}
    ).where(Job.id == job_id)
    assert await worker.run_one(now=NOW) is False  # the lease still holds
    assert await worker.run_one(now=NOW + timedelta(seconds=61)) is True
    assert (await jobs.get_job(job_id)).status == "done"


async def test_a_job_whose_workers_keep_dying_is_failed():
    job_id = await queue()
    await Job.update(
        {Job.status: "running", Job.claimed_until: NOW, Job.attempts: worker.MAX_ATTEMPTS}
    ).where(Job.id == job_id)
    await worker.run_one(now=NOW + timedelta(seconds=1))
    assert (await jobs.get_job(job_id)).status == "failed"
    assert seen == []


async def test_results_are_deleted_after_a_day():
    job_id = await queue()
    await worker.run_one()
    path, job = await jobs.result_file(job_id)
    assert await jobs.delete_expired_results(job.finished_at + timedelta(hours=23)) == 0
    assert path.exists()
    assert await jobs.delete_expired_results(job.finished_at + timedelta(hours=25)) == 1
    assert not path.exists()
    job = await jobs.get_job(job_id)
    assert (job.status, job.has_result) == ("done", False)
    with pytest.raises(NotFound):
        await jobs.result_file(job_id)


async def test_a_job_of_an_unknown_kind_fails():
    job_id = await jobs.enqueue("nobody-knows", meeting_id=None, params={}, user_id=None, now=NOW)
    await worker.run_one()
    job = await jobs.get_job(job_id)
    assert (job.status, job.error) == ("failed", "no handler for jobs of kind 'nobody-knows'")


async def test_registrations_csv_export_job(demo):
    new_york = await meeting()
    await add_registration(
        new_york, given_name="José", family_name="=Müller", email="jm@example.org"
    )
    await add_registration(new_york, given_name="Ana", family_name="Pérez", status="cancelled")
    filters = await desk.check_filters(new_york, status="confirmed")
    job_id = await queue_export_job(new_york, filters, separator="semicolon", now=NOW, by=None)
    await worker.run_one()
    path, job = await jobs.result_file(job_id)
    assert (job.status, job.summary, job.percent) == ("done", "1 registration", 100)
    text = path.read_bytes().decode("utf-8")
    assert text.startswith("\ufeffID;Status;")
    rows = list(csv.reader(io.StringIO(text.lstrip("\ufeff")), delimiter=";"))
    assert len(rows) == 2
    assert rows[1][3:6] == ["José", "'=Müller", "jm@example.org"]  # formula defused


async def test_registrations_csv_export_job_keeps_the_delegation_filter(demo):
    from idmevents.audit import SYSTEM
    from idmevents.delegations import services as delegations
    from tests.factories.delegations import make_delegation, nominee

    new_york = await meeting()
    await add_registration(new_york, given_name="Outside", email="outside@example.org")
    switzerland = await make_delegation(new_york, "CH", quota=2)
    await delegations.nominate(
        switzerland, nominee(1, given_name="Livia", honorific="H.E. Ms"), by=SYSTEM, now=NOW
    )
    hold = await delegations.hold_of(new_york["id"], switzerland["id"])
    filters = await desk.check_filters(new_york, delegation=switzerland["id"], hold=hold)
    job_id = await queue_export_job(new_york, filters, separator="comma", now=NOW, by=None)
    await worker.run_one()
    path, job = await jobs.result_file(job_id)
    assert job.summary == "1 registration"
    rows = list(csv.reader(io.StringIO(path.read_text("utf-8").lstrip("\ufeff"))))
    assert rows[0][-2:] == ["Honorific", "Delegation"]
    assert [(row[3], row[-2], row[-1]) for row in rows[1:]] == [("Livia", "H.E. Ms", "Switzerland")]
