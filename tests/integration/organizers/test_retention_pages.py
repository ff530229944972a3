"""Personal data's lifetime through the web: the meeting's retention (form and API), a person's
own export from their private page, and one registration's erasure from the desk."""

from __future__ import annotations

import json

from idmevents.audit.tables import AuditEntry
from idmevents.auth import services as auth
from idmevents.meetings.tables import Meeting
from idmevents.registrations.tables import Registration
from tests.factories.badges import add_registration
from tests.factories.meetings import make_meeting


async def _signed_in(client, make_user, login, role: str = "organizer") -> dict:
    user, password = await make_user(role)
    assert (await login(client, user["email"], password)).status_code == 303
    return user


async def test_retention_days_through_the_api(client, make_user):
    await make_meeting(slug="kept")
    user, _ = await make_user("organizer")
    _, token = await auth.create_token(user, "test")
    headers = {"Authorization": f"Bearer {token}"}
    shown = await client.get("/api/v1/meetings/kept", headers=headers)
    assert shown.json()["retention_days"] == 180
    changed = await client.patch(
        "/api/v1/meetings/kept", json={"retention_days": 30}, headers=headers
    )
    assert changed.status_code == 200, changed.text
    assert changed.json()["retention_days"] == 30
    for bad in (0, 3651, "long"):
        refused = await client.patch(
            "/api/v1/meetings/kept", json={"retention_days": bad}, headers=headers
        )
        assert refused.status_code in (400, 422), bad
    assert (await Meeting.select(Meeting.retention_days).first())["retention_days"] == 30
    schema = (await client.get("/schema/openapi.json")).json()
    assert "retention_days" in json.dumps(schema["components"]["schemas"])


async def test_retention_days_through_the_meeting_form(client, make_user, login):
    await make_meeting(slug="kept")
    await _signed_in(client, make_user, login)
    form = await client.get("/admin/meetings/kept/edit")
    assert 'name="retention_days"' in form.text and 'value="180"' in form.text
    meeting = await Meeting.select().first()
    data = {
        "slug": "kept",
        "title": meeting["title"],
        "timezone": meeting["timezone"],
        "starts_on": meeting["starts_on"].isoformat(),
        "ends_on": meeting["ends_on"].isoformat(),
        "_csrf_token": client.cookies.get("csrftoken"),
    }
    refused = await client.post(
        "/admin/meetings/kept/edit", data=data | {"retention_days": "0"}, follow_redirects=False
    )
    assert refused.status_code == 422
    assert "A whole number of days from 1 to 3,650." in refused.text
    saved = await client.post(
        "/admin/meetings/kept/edit", data=data | {"retention_days": "90"}, follow_redirects=False
    )
    assert saved.status_code == 303, saved.text[:400]
    assert (await Meeting.select(Meeting.retention_days).first())["retention_days"] == 90


async def test_a_person_downloads_their_data_from_their_private_page(client):
    meeting = await make_meeting(slug="kept")
    ana = await add_registration(meeting, email="ana@example.org", accessibility_needs="Ramp")
    page = await client.get(f"/r/{ana['token']}")
    assert f"/r/{ana['token']}/data.json" in page.text
    response = await client.get(f"/r/{ana['token']}/data.json")
    assert response.status_code == 200
    assert response.headers["cache-control"] == "no-store"
    assert response.headers["content-type"].startswith("application/json")
    data = response.json()
    assert data["registration"]["email"] == "ana@example.org"
    assert data["registration"]["accessibility_needs"] == "Ramp"
    assert (await client.get("/r/not-a-real-token/data.json")).status_code == 404


async def test_the_desk_erases_a_cancelled_registration_on_request(client, make_user, login):
    meeting = await make_meeting(slug="kept")
    ana = await add_registration(meeting, email="ana@example.org", given_name="Ana")
    user = await _signed_in(client, make_user, login)
    page = await client.get(f"/admin/registrations/{ana['id']}")
    assert "Erase personal data" in page.text
    csrf = client.cookies.get("csrftoken")
    refused = await client.post(
        f"/admin/registrations/{ana['id']}/erase",
        data={"_csrf_token": csrf},
        follow_redirects=True,
    )
    assert "Cancel the registration first" in refused.text
    assert (await Registration.select().first())["email"] == "ana@example.org"
    await Registration.update({Registration.status: "cancelled"}).where(
        Registration.id == ana["id"]
    )
    erased = await client.post(
        f"/admin/registrations/{ana['id']}/erase",
        data={"_csrf_token": csrf},
        follow_redirects=True,
    )
    assert "personal data is erased" in erased.text
    row = await Registration.select().first()
    assert (row["given_name"], row["email"]) == ("—", f"erased-{ana['id']}@erased.invalid")
    assert (await client.get(f"/r/{ana['token']}")).status_code == 404  # the old link is dead
    entry = await AuditEntry.select(AuditEntry.user).where(
        AuditEntry.action == "registration.erased"
    )
    assert entry == [{"user": user["id"]}]
