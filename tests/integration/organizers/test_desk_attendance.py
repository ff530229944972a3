"""A hybrid meeting at the registrations desk, through HTTP: where each person takes part, the
filter, the places and waiting list of each side, moving someone (409 when the side is full, the
freed place to the next in line), the API's same answers; badges and check-in stay for the room."""

from __future__ import annotations

import re

import pytest

from idmevents.audit.tables import AuditEntry
from idmevents.badges import services as badges
from idmevents.registrations import services
from idmevents.registrations.tables import Registration
from tests.factories.meetings import NOW, make_meeting
from tests.factories.registrations import form
from tests.integration.organizers.test_registration_desk import (
    listed_names,
    parse_csv,
    post_form,
    signed_in,
    text_of,
)

DESK = "/admin/meetings/hybrid-desk/registrations"


@pytest.fixture
async def hybrid() -> dict[str, dict]:
    """Two seats in the room, one place online: Ana has a seat in the room (one is left), Bea the
    place online, and Cleo waits for one online, first in that line."""
    meeting = await make_meeting(
        slug="hybrid-desk", capacity=2, mode="hybrid", capacity_online=1, title="Hybrid desk"
    )
    people = {}
    for key, given, attendance in (
        ("ana", "Ana", "in_person"),
        ("bea", "Bea", "online"),
        ("cleo", "Cleo", "online"),
    ):
        result = await services.register(
            meeting,
            form(key, given_name=given, family_name="Hybrid", attendance=attendance),
            now=NOW,
        )
        people[key] = result.registration
    assert [p["status"] for p in people.values()] == ["confirmed", "confirmed", "waitlisted"]
    return people | {"meeting": meeting}


async def row_of(registration: dict) -> dict:
    return (
        await Registration.select(Registration.status, Registration.attendance)
        .where(Registration.id == registration["id"])
        .first()
    )


def pools_on(page: str) -> dict[str, list[str]]:
    """The desk's "In the room and online" table: each side's cells, as read."""
    return {
        side: text_of(row).split(" ")
        for side, row in re.findall(r'<tr id="pool-(\w+)">(.*?)</tr>', page, re.S)
    }


async def test_desk_shows_sides_filters_and_counts(client, make_user, login, hybrid):
    await signed_in(client, make_user, login)
    page = (await client.get(DESK)).text
    # Places, confirmed, places left, waiting, awaiting approval.
    assert pools_on(page) == {
        "in_person": ["In", "the", "room", "2", "1", "1", "0", "0"],
        "online": ["Online", "1", "1", "0", "1", "0"],
    }
    assert '<label for="filter-attendance">Taking part</label>' in page
    online = (await client.get(f"{DESK}?attendance=online")).text
    assert sorted(listed_names(online)) == ["Hybrid, Bea", "Hybrid, Cleo"]
    assert "No. 1" in online  # Cleo is first in the online line
    room = (await client.get(f"{DESK}?attendance=in_person")).text
    assert listed_names(room) == ["Hybrid, Ana"]
    assert "Move online" in room
    bad = await client.get(f"{DESK}?attendance=balcony")
    assert bad.status_code == 422
    assert "Choose one of: in_person, online." in bad.text


async def test_desk_of_a_meeting_in_one_place_shows_no_sides(client, make_user, login):
    await signed_in(client, make_user, login)
    meeting = await make_meeting(slug="in-room-only")
    await services.register(meeting, form("x"), now=NOW)
    page = (await client.get("/admin/meetings/in-room-only/registrations")).text
    assert "In the room and online" not in page and "Move online" not in page


async def test_organizer_moves_people_while_there_is_room(client, make_user, login, hybrid):
    await signed_in(client, make_user, login)
    ana, bea, cleo = hybrid["ana"], hybrid["bea"], hybrid["cleo"]
    # Bea moves to the room's free seat; her place online goes to Cleo, first in that line.
    await client.get(DESK)
    response = await post_form(
        client,
        f"/admin/registrations/{bea['id']}/attendance",
        {"attendance": "in_person", "next": DESK},
    )
    assert (response.status_code, response.headers["location"]) == (303, DESK)
    assert await row_of(bea) == {"status": "confirmed", "attendance": "in_person"}
    assert await row_of(cleo) == {"status": "confirmed", "attendance": "online"}
    page = (await client.get(DESK)).text
    assert "Bea Hybrid now takes part in the room." in text_of(page)
    assert pools_on(page)["in_person"][3:] == ["2", "2", "0", "0", "0"]
    assert await AuditEntry.count().where(AuditEntry.action == "registration.attendance") == 1

    # Now both sides are full: Ana cannot go online, and nothing changes.
    response = await post_form(
        client, f"/admin/registrations/{ana['id']}/attendance", {"attendance": "online"}
    )
    assert response.status_code == 303
    detail = text_of((await client.get(response.headers["location"])).text)
    assert "No place is free online: Ana Hybrid keeps their current place." in detail
    assert "Taking part: In the room" in detail
    assert await row_of(ana) == {"status": "confirmed", "attendance": "in_person"}


async def test_api_filters_counts_and_moves_with_409_when_full(client, api_token, hybrid):
    _, token = await api_token("organizer")
    headers = {"Authorization": f"Bearer {token}"}
    api = "/api/v1/meetings/hybrid-desk/registrations"
    body = (await client.get(f"{api}?attendance=online", headers=headers)).json()
    assert sorted(item["given_name"] for item in body["items"]) == ["Bea", "Cleo"]
    assert body["counts"]["pools"] == [
        {
            "attendance": "in_person",
            "capacity": 2,
            "confirmed": 1,
            "places_left": 1,
            "waiting": 0,
            "pending": 0,
        },
        {
            "attendance": "online",
            "capacity": 1,
            "confirmed": 1,
            "places_left": 0,
            "waiting": 1,
            "pending": 0,
        },
    ]
    assert (await client.get(f"{api}?attendance=roof", headers=headers)).status_code == 422
    ana = hybrid["ana"]
    full = await client.post(
        f"/api/v1/registrations/{ana['id']}/attendance",
        json={"attendance": "online"},
        headers=headers,
    )
    assert full.status_code == 409, full.text
    assert full.json()["reason"] == "full"
    bad = await client.post(
        f"/api/v1/registrations/{ana['id']}/attendance",
        json={"attendance": "roof"},
        headers=headers,
    )
    assert bad.status_code == 422
    assert await row_of(ana) == {"status": "confirmed", "attendance": "in_person"}
    moved = await client.post(
        f"/api/v1/registrations/{hybrid['cleo']['id']}/attendance",
        json={"attendance": "in_person"},
        headers=headers,
    )
    assert moved.status_code == 200, moved.text
    assert (moved.json()["status"], moved.json()["attendance"]) == ("confirmed", "in_person")
    schema = (await client.get("/schema/openapi.json")).json()
    operation = schema["paths"]["/api/v1/registrations/{registration_id}/attendance"]["post"]
    assert "409" in operation["responses"]
    listing = schema["paths"]["/api/v1/meetings/{slug}/registrations"]["get"]
    assert "attendance" in {p["name"] for p in listing["parameters"]}


async def test_badges_and_check_in_are_for_the_room_only(client, api_token, hybrid):
    bea, ana = hybrid["bea"], hybrid["ana"]
    assert "Print your badge" not in (await client.get(f"/r/{bea['token']}")).text
    assert (await badges.badge_for_token(bea["token"])).badge is None
    _, token = await api_token("checkin", email="door@example.org")
    headers = {"Authorization": f"Bearer {token}"}
    refused = await client.post(
        "/api/v1/checkin/hybrid-desk", json={"registration_id": bea["id"]}, headers=headers
    )
    assert refused.status_code == 409 and refused.json()["reason"] == "online"
    welcomed = await client.post(
        "/api/v1/checkin/hybrid-desk", json={"registration_id": ana["id"]}, headers=headers
    )
    assert welcomed.status_code == 201
    # Moved to the room by an organizer, Bea gets a badge and is let in.
    _, organizer = await api_token("organizer", email="org@example.org")
    moved = await client.post(
        f"/api/v1/registrations/{bea['id']}/attendance",
        json={"attendance": "in_person"},
        headers={"Authorization": f"Bearer {organizer}"},
    )
    assert moved.status_code == 200, moved.text
    assert (await badges.badge_for_token(bea["token"])).badge is not None
    let_in = await client.post(
        "/api/v1/checkin/hybrid-desk", json={"registration_id": bea["id"]}, headers=headers
    )
    assert let_in.status_code == 201, let_in.text


async def test_csv_of_a_hybrid_meeting_says_where_and_follows_the_filter(
    client, make_user, login, hybrid
):
    await signed_in(client, make_user, login)
    page = (await client.get(f"{DESK}?attendance=online")).text
    assert f'href="{DESK}.csv?attendance=online"' in page
    rows = parse_csv((await client.get(f"{DESK}.csv?attendance=online&sort=name")).content)
    assert rows[0][:4] == ["ID", "Status", "Waiting list position", "Taking part"]
    assert [(row[1], row[2], row[3], row[4]) for row in rows[1:]] == [
        ("Confirmed", "", "Online", "Bea"),
        ("Waiting list", "1", "Online", "Cleo"),
    ]
