"""Importing registrations on the desk: upload, map the columns on a preview, run as a job."""

from __future__ import annotations

import csv
import io

from idmevents.jobs import worker
from idmevents.registrations.tables import Registration
from tests.factories.meetings import make_meeting

CSV = (
    "Nom;Prénom;Courriel;Organisation;Catégorie;Pays\r\n"
    "Álvarez;José;jose@example.org;Ministerio;member-state;CL\r\n"
    "Müller;Zoë;not-an-address;Migrant Voices;civil-society;DE\r\n"
    "Person;Ana;ana@example.org;Mission;member-state;US\r\n"
).encode()


async def signed_in(client, make_user, login):
    user, password = await make_user("organizer")
    await login(client, user["email"], password)


async def upload(client, data=CSV, filename="people.csv"):
    await client.get("/admin/meetings/import-meeting/registrations/import/")
    return await client.post(
        "/admin/meetings/import-meeting/registrations/import/",
        files={"file": (filename, data, "text/csv")},
        data={"_csrf_token": client.cookies.get("csrftoken")},
    )


def hidden(page: str, name: str) -> str:
    marker = f'name="{name}" value="'
    start = page.index(marker) + len(marker)
    return page[start : page.index('"', start)]


async def test_import_from_the_desk_with_a_preview_and_a_report(client, make_user, login):
    await make_meeting(slug="import-meeting", capacity=10)
    await signed_in(client, make_user, login)
    desk = await client.get("/admin/meetings/import-meeting/registrations")
    assert 'href="/admin/meetings/import-meeting/registrations/import"' in desk.text

    mapping = await upload(client)
    assert mapping.status_code == 200
    page = mapping.text
    assert "people.csv: 3 rows." in page
    # French headers mapped: "Prénom" is the given name, "Nom" the family name.
    assert '<option value="1" selected>Prénom</option>' in page
    assert '<option value="0" selected>Nom</option>' in page
    assert "<td>José</td><td>Álvarez</td><td>jose@example.org</td>" in page  # the preview

    answer = await client.post(
        "/admin/meetings/import-meeting/registrations/import/run",
        data={
            "token": hidden(page, "token"),
            "filename": "people.csv",
            "map_given_name": "1",
            "map_family_name": "0",
            "map_email": "2",
            "map_organization": "3",
            "map_category": "4",
            "map_country": "5",
            "_csrf_token": client.cookies.get("csrftoken"),
        },
        follow_redirects=False,
    )
    assert answer.status_code == 303
    job_page = answer.headers["location"]
    assert await Registration.count() == 0  # the job does the work
    assert await worker.run_one() is True
    done = await client.get(job_page)
    assert "2 registrations created (2 confirmed, 0 on the waiting list" in done.text
    assert "1 rows with errors" in done.text
    report = await client.get(f"{job_page}/download")
    lines = list(csv.reader(io.StringIO(report.content.decode("utf-8-sig"))))
    assert lines[2] == [
        "3",
        "not-an-address",
        "error",
        "email: Enter an email address in the form name@example.org.",
    ]
    names = await Registration.select(Registration.given_name).order_by(Registration.id)
    assert [row["given_name"] for row in names] == ["José", "Ana"]


async def test_import_refuses_a_mapping_without_the_email(client, make_user, login):
    await make_meeting(slug="import-meeting")
    await signed_in(client, make_user, login)
    page = (await upload(client)).text
    answer = await client.post(
        "/admin/meetings/import-meeting/registrations/import/run",
        data={
            "token": hidden(page, "token"),
            "filename": "people.csv",
            "map_given_name": "1",
            "map_family_name": "0",
            "_csrf_token": client.cookies.get("csrftoken"),
        },
    )
    assert answer.status_code == 422
    assert "Choose the column that holds this." in answer.text
    assert await worker.run_one() is False


async def test_import_refuses_an_unreadable_file_or_a_lost_upload(client, make_user, login):
    await make_meeting(slug="import-meeting")
    await signed_in(client, make_user, login)
    refused = await upload(client, data=b"PK\x03\x04nonsense", filename="people.xlsx")
    assert refused.status_code == 422
    assert "This file cannot be read" in refused.text
    lost = await client.post(
        "/admin/meetings/import-meeting/registrations/import/run",
        data={"token": "../../etc/passwd", "_csrf_token": client.cookies.get("csrftoken")},
    )
    assert lost.status_code == 422
    assert "This upload is no longer here: choose the file again." in lost.text
