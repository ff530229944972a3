"""Meeting teams: an organizer of meeting A gets 404 on every organizer route naming meeting B.

The routes are read from the app itself, so a new route that forgets the scope fails here.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime

import pytest

from idmevents.app import create_app
from idmevents.auth import services as auth
from idmevents.delegations.tables import Delegation, VisaLetter
from idmevents.jobs.services import results_dir
from idmevents.jobs.tables import Job
from idmevents.mail.tables import OutboxMessage
from idmevents.meetings.tables import (
    MeetingTeam,
    Panelist,
    PanelistUnavailability,
    Room,
    SessionPanelist,
)
from idmevents.registrations.tables import VisaRequest
from tests.factories.badges import add_registration
from tests.factories.meetings import make_meeting, make_session

# Routes that name no meeting: signing in and out, one's own account, the accounts (admins only).
ACCOUNT_ROUTES = re.compile(
    r"^/admin/(login|logout|password-reset|account|users)(/|$)|^/admin/?$|^/api/v1/?$"
)
# The public registration API, a participant's own visa request (by their link) and the focal
# points' code request: anyone, any meeting.
PUBLIC_API = {"api_register", "api_visa_request", "api_nomination_access_code"}
# 403 for an organizer of the meeting (404 for anyone else, like every route)
ADMIN_ONLY = {"admin_meeting_team_add", "admin_meeting_team_remove"}


async def _meeting_with_everything(key: str, title: str) -> dict:
    meeting = await make_meeting(slug=f"team-{key}", title=title)
    room = (await Room.insert(Room(meeting=meeting["id"], name=f"Room {key}")).returning(Room.id))[
        0
    ]
    session = await make_session(meeting, key)
    panelist = (
        await Panelist.insert(Panelist(slug=f"speaker-{key}", name=f"{title} Speaker")).returning(
            Panelist.id
        )
    )[0]
    await SessionPanelist.insert(
        SessionPanelist(meeting_session=session["id"], panelist=panelist["id"])
    )
    period = (
        await PanelistUnavailability.insert(
            PanelistUnavailability(
                panelist=panelist["id"],
                starts_at=datetime(2027, 4, 1, tzinfo=UTC),
                ends_at=datetime(2027, 4, 2, tzinfo=UTC),
            )
        ).returning(PanelistUnavailability.id)
    )[0]
    registration = await add_registration(meeting, email=f"{key}-person@example.org")
    # An issued visa letter, so that its organizer download answers.
    code = f"TEAMS{key.upper()}23456789ABCDEF"
    await VisaLetter.insert(VisaLetter(registration=registration["id"], code=code))
    await VisaRequest.insert(
        VisaRequest(
            registration=registration["id"],
            status="approved",
            passport_name="PERSON",
            nationality="CH",
            birth_date=date(1980, 1, 1),
            passport_number="X1234567",
            passport_expiry=date(2031, 1, 1),
            arrival=date(2027, 4, 19),
            departure=date(2027, 4, 22),
            purpose="To attend",
            letter_code=code,
            decided_at=datetime(2027, 3, 1, tzinfo=UTC),
        )
    )
    outbox = (
        await OutboxMessage.insert(
            OutboxMessage(
                message_id=f"<{key}@test>",
                kind="registration-confirmed",
                to_address=f"{key}-person@example.org",
                subject=f"{title} email",
                raw="Subject: x\r\n\r\nbody",
                meeting=meeting["id"],
                registration=registration["id"],
            )
        ).returning(OutboxMessage.id)
    )[0]
    delegation = (
        await Delegation.insert(
            Delegation(meeting=meeting["id"], organization=f"{title} Mission", quota=1)
        ).returning(Delegation.id)
    )[0]
    # A finished job with its file, so that every job route of meeting A answers 200.
    result = results_dir() / f"teams-{key}" / "registrations.csv"
    result.parent.mkdir(parents=True, exist_ok=True)
    result.write_text("given_name\n")
    job = (
        await Job.insert(
            Job(
                kind="registrations-csv",
                meeting=meeting["id"],
                status="done",
                result_path=str(result),
                result_name="registrations.csv",
                result_type="text/csv",
                finished_at=datetime.now(UTC),
            )
        ).returning(Job.id)
    )[0]
    return {
        "slug": meeting["slug"],
        "delegation_id": delegation["id"],
        "job_id": job["id"],
        "meeting_id": meeting["id"],
        "session_id": session["id"],
        "room_id": room["id"],
        "panelist_id": panelist["id"],
        "period_id": period["id"],
        "registration_id": registration["id"],
        "outbox_id": outbox["id"],
        "user_id": 1,
        "token_id": 1,
    }


def organizer_routes() -> list[tuple[str, str, str]]:
    """(method, path, name) of every route of the app an organizer or check-in account uses."""
    found = []
    for route in create_app().routes:
        if not route.path.startswith(("/admin", "/api/v1")) or ACCOUNT_ROUTES.match(route.path):
            continue
        for handler in route.route_handlers:
            if handler.name in PUBLIC_API:
                continue
            for method in sorted(handler.http_methods - {"OPTIONS", "HEAD"}):
                found.append((method, route.path, handler.name))
    # DELETE last: it takes meeting A's session away from the routes after it.
    return sorted(found, key=lambda r: (r[0] == "DELETE", r[1], r[0]))


def fill(path: str, ids: dict) -> str:
    return re.sub(r"\{(\w+):\w+\}", lambda m: str(ids[m.group(1)]), path)


@pytest.fixture
async def teams(make_user):
    """Meetings Alpha and Bravo, each with everything; an organizer and a check-in account of
    Alpha only, each signed in by API token too."""
    alpha = await _meeting_with_everything("a", "Meeting Alpha")
    bravo = await _meeting_with_everything("b", "Meeting Bravo")
    accounts = {}
    for role in ("organizer", "checkin"):
        user, password = await make_user(role, email=f"{role}-a@example.org")
        await MeetingTeam.delete().where(
            MeetingTeam.user == user["id"], MeetingTeam.meeting == bravo["meeting_id"]
        )
        _, token = await auth.create_token(user, "test")
        accounts[role] = (user, password, token)
    return alpha, bravo, accounts


async def _call(client, method: str, url: str, *, token: str | None):
    if url.startswith("/api/"):
        headers = {"Authorization": f"Bearer {token}"}
        if method in ("POST", "PATCH", "PUT"):
            return await client.request(method, url, json={}, headers=headers)
        return await client.request(method, url, headers=headers)
    if method == "GET":
        return await client.get(url, follow_redirects=False)
    return await client.request(
        method,
        url,
        data={"_csrf_token": client.cookies.get("csrftoken")},
        follow_redirects=False,
    )


def test_every_path_parameter_is_scoped():
    from idmevents.web.scope import OWNERS, UNSCOPED

    for _, path, name in organizer_routes():
        for parameter in re.findall(r"\{(\w+):\w+\}", path):
            assert parameter in OWNERS or parameter in UNSCOPED, (name, parameter)


async def test_organizer_of_a_gets_404_on_every_route_of_b(client, login, teams):
    alpha, bravo, accounts = teams
    user, password, token = accounts["organizer"]
    assert (await login(client, user["email"], password)).status_code == 303
    routes = organizer_routes()
    assert len(routes) > 60  # the walk found the app's routes
    checked = 0
    for method, path, _ in routes:
        if "{" not in path:
            continue
        response = await _call(client, method, fill(path, bravo), token=token)
        assert response.status_code == 404, (method, path, response.status_code)
        checked += 1
    assert checked > 50
    for method, path, name in routes:
        if "{" not in path:
            continue
        response = await _call(client, method, fill(path, alpha), token=token)
        if name in ADMIN_ONLY:
            assert response.status_code == 403, (method, path, response.status_code)
            continue
        assert response.status_code not in (403, 404), (method, path, response.text[:300])
        assert response.status_code < 500, (method, path, response.text[:300])
        if method == "GET":
            assert response.status_code == 200, (method, path, response.status_code)


async def test_organizer_lists_show_only_their_meetings(client, login, teams):
    _, _, accounts = teams
    user, password, token = accounts["organizer"]
    assert (await login(client, user["email"], password)).status_code == 303
    for method, path, _ in organizer_routes():
        if "{" in path or method != "GET":
            continue
        response = await _call(client, method, path, token=token)
        assert response.status_code == 200, (path, response.status_code)
        for secret in ("Meeting Bravo", "team-b", "b-person@example.org"):
            assert secret not in response.text, (path, secret)
    meetings = await client.get("/admin/meetings")
    assert "Meeting Alpha" in meetings.text
    api = await client.get("/api/v1/meetings", headers={"Authorization": f"Bearer {token}"})
    assert [m["slug"] for m in api.json()] == ["team-a"]
    panelists = await client.get("/api/v1/panelists", headers={"Authorization": f"Bearer {token}"})
    assert [p["name"] for p in panelists.json()] == ["Meeting Alpha Speaker"]


async def test_meeting_filter_of_another_meeting_is_404(client, login, teams):
    _, _, accounts = teams
    user, password, token = accounts["organizer"]
    assert (await login(client, user["email"], password)).status_code == 303
    for url in ("/admin/registrations", "/admin/outbox", "/admin/audit"):
        assert (await client.get(f"{url}?meeting=team-b")).status_code == 404, url
        assert (await client.get(f"{url}?meeting=team-a")).status_code == 200, url
    api = await client.get(
        "/api/v1/outbox?meeting=team-b", headers={"Authorization": f"Bearer {token}"}
    )
    assert api.status_code == 404
    assert api.headers["content-type"].startswith("application/json")


async def test_checkin_staff_of_a_see_only_a(client, login, teams):
    _, bravo, accounts = teams
    user, password, token = accounts["checkin"]
    assert (await login(client, user["email"], password)).status_code == 303
    index = await client.get("/admin/checkin")
    assert index.status_code == 200
    assert "Meeting Alpha" in index.text and "Meeting Bravo" not in index.text
    assert (await client.get("/admin/checkin/team-b")).status_code == 404
    assert (await client.get("/admin/checkin/team-a")).status_code == 200
    headers = {"Authorization": f"Bearer {token}"}
    assert (await client.get("/api/v1/checkin/team-b/counts", headers=headers)).status_code == 404
    assert (await client.get("/api/v1/checkin/team-a/counts", headers=headers)).status_code == 200
    # Meeting A's path with meeting B's registration: B's registration is not A's to touch.
    mixed = f"/api/v1/checkin/team-a/{bravo['registration_id']}"
    assert (await client.delete(mixed, headers=headers)).status_code == 404


async def test_admin_sees_every_meeting_and_manages_the_team(client, login, make_user, teams):
    _, bravo, accounts = teams
    organizer = accounts["organizer"][0]
    admin, password = await make_user("admin", email="boss@example.org")
    assert (await login(client, admin["email"], password)).status_code == 303
    meetings = await client.get("/admin/meetings")
    assert "Meeting Alpha" in meetings.text and "Meeting Bravo" in meetings.text
    page = await client.get("/admin/meetings/team-b/team")
    assert page.status_code == 200
    assert "organizer-a@example.org" in page.text  # offered: not in Bravo's team
    csrf = client.cookies.get("csrftoken")
    added = await client.post(
        "/admin/meetings/team-b/team",
        data={"user": str(organizer["id"]), "_csrf_token": csrf},
        follow_redirects=False,
    )
    assert added.status_code == 303
    assert await MeetingTeam.exists().where(
        MeetingTeam.user == organizer["id"], MeetingTeam.meeting == bravo["meeting_id"]
    )
    again = await client.post(
        "/admin/meetings/team-b/team",
        data={"user": str(organizer["id"]), "_csrf_token": csrf},
        follow_redirects=True,
    )
    assert "is in the team already" in again.text
    admin_as_member = await client.post(
        "/admin/meetings/team-b/team",
        data={"user": str(admin["id"]), "_csrf_token": csrf},
        follow_redirects=True,
    )
    assert "Choose an organizer or check-in account." in admin_as_member.text
    removed = await client.post(
        f"/admin/meetings/team-b/team/{organizer['id']}/remove",
        data={"_csrf_token": csrf},
        follow_redirects=False,
    )
    assert removed.status_code == 303
    assert not await MeetingTeam.exists().where(
        MeetingTeam.user == organizer["id"], MeetingTeam.meeting == bravo["meeting_id"]
    )
    gone = await client.post(
        f"/admin/meetings/team-b/team/{organizer['id']}/remove",
        data={"_csrf_token": csrf},
        follow_redirects=False,
    )
    assert gone.status_code == 404


async def test_an_organizer_sees_the_team_but_cannot_change_it(client, login, teams):
    _, _, accounts = teams
    user, password, _ = accounts["organizer"]
    assert (await login(client, user["email"], password)).status_code == 303
    page = await client.get("/admin/meetings/team-a/team")
    assert page.status_code == 200
    assert "organizer-a@example.org" in page.text
    assert "Add to the team" not in page.text


async def test_the_creator_of_a_meeting_joins_its_team(client, login, make_user):
    user, password = await make_user("organizer", email="maker@example.org")
    assert (await login(client, user["email"], password)).status_code == 303
    await client.get("/admin/meetings/new")
    created = await client.post(
        "/admin/meetings/new",
        data={
            "slug": "made-here",
            "title": "Made here",
            "timezone": "Europe/Zurich",
            "starts_on": "2027-05-03",
            "ends_on": "2027-05-04",
            "_csrf_token": client.cookies.get("csrftoken"),
        },
        follow_redirects=False,
    )
    assert created.status_code == 303, created.text[:500]
    assert (await client.get("/admin/meetings/made-here")).status_code == 200
    team = await MeetingTeam.select(MeetingTeam.user).where(MeetingTeam.meeting.slug == "made-here")
    assert team == [{"user": user["id"]}]
