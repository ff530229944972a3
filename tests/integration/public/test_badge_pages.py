"""The participant's badge page and the organizers' batch printing, through HTTP."""

from io import BytesIO

from pypdf import PdfReader

from idmevents.badges import codes
from idmevents.jobs import worker as job_worker
from idmevents.registrations.tables import Registration
from tests.factories.badges import add_registration, meeting


async def test_badge_page_shows_the_badge_of_a_confirmed_participant(client, demo):
    person = await add_registration(
        await meeting(),
        given_name="Jürg",
        family_name="Lauber",
        organization="Permanent Mission of Switzerland",
        country="CH",
        category="member-state",
    )
    response = await client.get(f"/r/{person['token']}/badge")
    assert response.status_code == 200
    html = response.text
    for text in (
        "Jürg",
        "Lauber",
        "Permanent Mission of Switzerland",
        "Switzerland",
        "Member State",
    ):
        assert text in html
    checkin_id = (
        await Registration.select(Registration.checkin_id)
        .where(Registration.id == person["id"])
        .first()
    )["checkin_id"]
    new_york = await meeting()
    code = codes.make_code(checkin_id, new_york["id"], "test-secret-key-not-for-production")
    assert codes.display(code) in html
    assert 'class="badge-card badge-4x3"' in html
    # The printed page's size comes from a stylesheet (pages allow no inline style).
    assert '<link rel="stylesheet" href="/static/badge-print-4x3.css">' in html
    printed = await client.get("/static/badge-print-4x3.css")
    assert "@page { size: 4in 3in; margin: 0; }" in printed.text
    assert 'class="badge-band category-member-state"' in html
    badge = html[html.index("<article") : html.index("</article>")]
    assert person["token"] not in badge  # the private link's token is never on the badge
    assert response.headers["cache-control"] == "no-store"
    assert response.headers["referrer-policy"] == "no-referrer"


async def test_badge_page_in_a6(client, demo):
    person = await add_registration(await meeting())
    html = (await client.get(f"/r/{person['token']}/badge?size=a6")).text
    assert 'class="badge-card badge-a6"' in html
    assert '<link rel="stylesheet" href="/static/badge-print-a6.css">' in html
    printed = await client.get("/static/badge-print-a6.css")
    assert "@page { size: 105mm 148mm; margin: 0; }" in printed.text
    assert 'href="/r/{}/badge?size=a6" aria-current="page"'.format(person["token"]) in html


async def test_badge_page_with_an_unknown_size_shows_the_standard_badge(client, demo):
    person = await add_registration(await meeting())
    html = (await client.get(f"/r/{person['token']}/badge?size=huge")).text
    assert 'class="badge-card badge-4x3"' in html


async def test_badge_page_explains_why_a_pending_registration_has_no_badge(client, demo):
    person = await add_registration(await meeting(), status="pending")
    response = await client.get(f"/r/{person['token']}/badge")
    assert response.status_code == 200
    assert "Your registration is awaiting approval by the organizers." in response.text
    assert "badge-card" not in response.text


async def test_badge_page_explains_a_waiting_list_and_a_cancellation(client, demo):
    new_york = await meeting()
    waiting = await add_registration(new_york, status="waitlisted")
    cancelled = await add_registration(new_york, status="cancelled")
    assert "You are on the waiting list." in (await client.get(f"/r/{waiting['token']}/badge")).text
    assert (
        "This registration was cancelled, so it has no badge."
        in (await client.get(f"/r/{cancelled['token']}/badge")).text
    )


async def test_badge_page_of_an_unknown_token_is_not_found(client, demo):
    response = await client.get("/r/not-a-token/badge")
    assert response.status_code == 404


# --- batch printing ---------------------------------------------------------------------------


async def test_batch_printing_needs_an_organizer(client, demo, make_user, login):
    anonymous = await client.get("/admin/meetings/idm-new-york/badges/", follow_redirects=False)
    assert (anonymous.status_code, anonymous.headers["location"]) == (
        303,
        "/admin/login?next=/admin/meetings/idm-new-york/badges",
    )
    user, password = await make_user("checkin")
    await login(client, user["email"], password)
    assert (await client.get("/admin/meetings/idm-new-york/badges/")).status_code == 403


async def test_batch_printing_makes_a_pdf_and_marks_badges_printed(client, demo, make_user, login):
    new_york = await meeting()
    for n in range(8):
        await add_registration(new_york, family_name=f"Family{n:02d}", category="media")
    await add_registration(new_york, family_name="Waiting", status="waitlisted")
    user, password = await make_user("organizer")
    await login(client, user["email"], password)

    form = await client.get("/admin/meetings/idm-new-york/badges/")
    assert form.status_code == 200
    assert "Print badges" in form.text
    response = await client.post(
        "/admin/meetings/idm-new-york/badges/",
        data={
            "paper": "letter",
            "size": "4x3",
            "category": "",
            "not_printed": "1",
            "_csrf_token": client.cookies.get("csrftoken"),
        },
        follow_redirects=False,
    )
    # The batch is a job: the page answers at once with the job's page, and the worker prints.
    assert response.status_code == 303
    job_page = response.headers["location"]
    assert job_page.startswith("/admin/meetings/idm-new-york/jobs/")
    waiting = await client.get(job_page)
    assert "Waiting to start" in waiting.text
    assert 'src="/static/jobs.js"' in waiting.text
    assert await Registration.count().where(Registration.badge_printed_at.is_not_null()) == 0

    assert await job_worker.run_one() is True
    done = await client.get(job_page)
    assert "8 badges on 2 pages" in done.text
    assert "jobs.js" not in done.text  # finished: nothing left to poll
    download = await client.get(f"{job_page}/download")
    assert download.status_code == 200
    assert download.headers["content-type"] == "application/pdf"
    assert download.headers["content-disposition"].startswith(
        'attachment; filename="badges-idm-new-york-'
    )
    pages = PdfReader(BytesIO(download.content)).pages
    assert len(pages) == 2
    assert "Family00" in pages[0].extract_text() and "Family07" in pages[1].extract_text()
    printed = await Registration.count().where(Registration.badge_printed_at.is_not_null())
    assert printed == 8

    counts = await client.get("/admin/meetings/idm-new-york/badges/")
    assert '<td class="number">8</td>' in counts.text

    again = await client.post(
        "/admin/meetings/idm-new-york/badges/",
        data={
            "paper": "a4",
            "size": "a6",
            "not_printed": "1",
            "_csrf_token": client.cookies.get("csrftoken"),
        },
    )
    assert again.status_code == 200
    assert await job_worker.run_one() is True
    finished = await client.get(str(again.url))
    assert "No badge matches these choices: nothing was printed." in finished.text
    assert (await client.get(f"{again.url}/download")).status_code == 404


async def test_batch_printing_refuses_unknown_paper(client, demo, make_user, login):
    new_york = await meeting()
    await add_registration(new_york)
    user, password = await make_user("organizer")
    await login(client, user["email"], password)
    await client.get("/admin/meetings/idm-new-york/badges/")
    response = await client.post(
        "/admin/meetings/idm-new-york/badges/",
        data={"paper": "a0", "size": "4x3", "_csrf_token": client.cookies.get("csrftoken")},
    )
    assert response.status_code == 422
    assert "Choose A4 or US Letter." in response.text
    assert await Registration.count().where(Registration.badge_printed_at.is_not_null()) == 0


async def test_batch_printing_of_an_unknown_meeting_is_not_found(client, demo, make_user, login):
    user, password = await make_user("organizer")
    await login(client, user["email"], password)
    assert (await client.get("/admin/meetings/nowhere/badges/")).status_code == 404


async def test_private_page_links_to_the_badge_and_back(client, demo):
    person = await add_registration(await meeting())
    manage = await client.get(f"/r/{person['token']}")
    assert f'href="/r/{person["token"]}/badge"' in manage.text
    badge = await client.get(f"/r/{person['token']}/badge")
    assert f'href="/r/{person["token"]}"' in badge.text


async def test_agenda_builder_links_to_badges_and_the_desk(client, demo, make_user, login):
    user, password = await make_user("organizer")
    await login(client, user["email"], password)
    page = await client.get("/admin/meetings/idm-new-york")
    assert 'href="/admin/meetings/idm-new-york/badges"' in page.text
    assert 'href="/admin/checkin/idm-new-york"' in page.text
