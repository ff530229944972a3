"""The jobs API and the job page: progress as a percentage, cancel, the file, and who may see it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from idmevents.jobs import services as jobs
from idmevents.jobs import worker
from idmevents.jobs.tables import Job
from idmevents.registrations import desk
from idmevents.registrations.export_job import queue_export_job
from tests.factories.badges import add_registration, meeting

NOW = datetime(2027, 3, 1, 9, 0, tzinfo=UTC)


async def export_job() -> int:
    new_york = await meeting()
    await add_registration(new_york, given_name="José", family_name="Müller")
    filters = await desk.check_filters(new_york)
    return await queue_export_job(new_york, filters, separator="comma", now=NOW, by=None)


def bearer(token: str) -> dict:
    return {"Authorization": f"Bearer {token}"}


async def test_job_progress_is_a_percentage(client, demo, api_token):
    job_id = await export_job()
    _, token = await api_token("organizer")
    queued = await client.get(f"/api/v1/jobs/{job_id}", headers=bearer(token))
    assert queued.status_code == 200
    body = queued.json()
    assert (body["status"], body["progress"], body["result_url"]) == ("queued", 0, None)
    assert body["kind"] == "registrations-csv"

    await Job.update({Job.status: "running", Job.done: 1, Job.total: 4}).where(Job.id == job_id)
    running = (await client.get(f"/api/v1/jobs/{job_id}", headers=bearer(token))).json()
    assert (running["status"], running["progress"], running["finished"]) == ("running", 25, False)


async def test_job_result_downloads_through_the_api_until_it_expires(client, demo, api_token):
    job_id = await export_job()
    await worker.run_one()
    _, token = await api_token("organizer")
    body = (await client.get(f"/api/v1/jobs/{job_id}", headers=bearer(token))).json()
    assert (body["status"], body["progress"], body["summary"]) == ("done", 100, "1 registration")
    assert body["result_url"] == f"/api/v1/jobs/{job_id}/result"
    result = await client.get(body["result_url"], headers=bearer(token))
    assert result.status_code == 200
    assert result.headers["content-type"].startswith("text/csv")
    assert "Müller" in result.content.decode("utf-8")

    finished = datetime.fromisoformat(body["finished_at"])
    await jobs.delete_expired_results(finished + timedelta(hours=25))
    gone = await client.get(body["result_url"], headers=bearer(token))
    assert gone.status_code == 404
    assert gone.json()["detail"].startswith("This job has no file to download")


async def test_cancel_through_the_api(client, demo, api_token):
    job_id = await export_job()
    _, token = await api_token("organizer")
    cancelled = await client.post(f"/api/v1/jobs/{job_id}/cancel", headers=bearer(token))
    assert cancelled.status_code == 200
    assert cancelled.json()["status"] == "cancelled"
    again = await client.post(f"/api/v1/jobs/{job_id}/cancel", headers=bearer(token))
    assert again.status_code == 409
    assert "already finished" in again.json()["detail"]
    assert await worker.run_one() is False


async def test_jobs_api_needs_an_organizer_and_a_real_job(client, demo, api_token):
    job_id = await export_job()
    assert (await client.get(f"/api/v1/jobs/{job_id}")).status_code == 401
    _, checkin = await api_token("checkin")
    assert (await client.get(f"/api/v1/jobs/{job_id}", headers=bearer(checkin))).status_code == 403
    _, token = await api_token("organizer")
    missing = await client.get("/api/v1/jobs/999999", headers=bearer(token))
    assert missing.status_code == 404
    assert missing.json()["detail"] == "No such job."


async def test_job_page_cancels_and_polls_with_the_session(client, demo, make_user, login):
    job_id = await export_job()
    user, password = await make_user("organizer")
    await login(client, user["email"], password)
    page = await client.get(f"/admin/meetings/idm-new-york/jobs/{job_id}")
    assert page.status_code == 200
    assert f'data-status-url="/api/v1/jobs/{job_id}"' in page.text
    assert '<progress id="job-progress" max="100" value="0"' in page.text
    # What jobs.js reads: the API answers the signed-in organizer's session on a GET.
    polled = await client.get(f"/api/v1/jobs/{job_id}", headers={"Accept": "application/json"})
    assert (polled.status_code, polled.json()["progress"]) == (200, 0)

    cancelled = await client.post(
        f"/admin/meetings/idm-new-york/jobs/{job_id}/cancel",
        data={"_csrf_token": client.cookies.get("csrftoken")},
    )
    assert cancelled.status_code == 200
    assert "The job was asked to stop." in cancelled.text
    assert "Cancelled" in cancelled.text
    assert "jobs.js" not in cancelled.text
    # A job of another meeting is not found under this one.
    assert (await client.get(f"/admin/meetings/idm-geneva/jobs/{job_id}")).status_code == 404


async def test_desk_prepares_the_csv_as_a_job(client, demo, make_user, login):
    new_york = await meeting()
    await add_registration(new_york, family_name="Müller", status="confirmed")
    await add_registration(new_york, family_name="Withdrawn", status="cancelled")
    user, password = await make_user("organizer")
    await login(client, user["email"], password)
    desk_page = await client.get("/admin/meetings/idm-new-york/registrations?status=confirmed")
    assert 'action="/admin/meetings/idm-new-york/registrations/export-job?status=confirmed"' in (
        desk_page.text
    )
    queued = await client.post(
        "/admin/meetings/idm-new-york/registrations/export-job?status=confirmed",
        data={"sep": "semicolon", "_csrf_token": client.cookies.get("csrftoken")},
        follow_redirects=False,
    )
    assert queued.status_code == 303
    job_page = queued.headers["location"]
    await worker.run_one()
    page = await client.get(job_page)
    assert "1 registration" in page.text
    assert 'href="/admin/meetings/idm-new-york/registrations"' in page.text
    csv_file = await client.get(f"{job_page}/download")
    text = csv_file.content.decode("utf-8")
    assert text.startswith("\ufeffID;Status;")
    assert "Müller" in text and "Withdrawn" not in text
