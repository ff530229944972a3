"""The check-in JSON API for scanning apps, and concurrent scans against a live server."""

import asyncio

import httpx
import pytest

from idmevents.badges import codes, services
from idmevents.registrations.tables import CheckIn
from tests.factories.badges import add_registration, meeting

API = "/api/v1/checkin/idm-new-york"


async def badge_code(registration: dict) -> str:
    return (await services.badge_for_token(registration["token"])).badge.code


@pytest.fixture
async def scanner(client, demo, api_token):
    _user, token = await api_token("checkin", email="scanner@example.org")
    client.headers["Authorization"] = f"Bearer {token}"
    return client


async def test_api_needs_a_token(client, demo):
    response = await client.post(API, json={"code": "1ABCDEFGHJKMNPQRSTVW"})
    assert response.status_code == 401
    assert response.headers["www-authenticate"].startswith("Bearer")


async def test_api_checks_in_once_then_answers_already_checked_in(scanner):
    person = await add_registration(await meeting(), given_name="Ahmed", family_name="Hussen")
    code = await badge_code(person)

    first = await scanner.post(API, json={"code": code})
    second = await scanner.post(API, json={"code": code})

    assert first.status_code == 201
    body = first.json()
    assert (body["result"], body["message"]) == ("checked_in", "Checked in.")
    assert {k: body["registration"][k] for k in ("registration_id", "given_name", "status")} == {
        "registration_id": person["id"],
        "given_name": "Ahmed",
        "status": "confirmed",
    }
    assert second.status_code == 200
    again = second.json()
    assert (again["result"], again["registration"]["checked_in_by"]) == (
        "already_checked_in",
        "scanner@example.org",
    )
    assert again["registration"]["checked_in_at"] == body["registration"]["checked_in_at"]


async def test_api_refuses_a_forged_code(scanner):
    person = await add_registration(await meeting())
    code = await badge_code(person)
    forged = codes.make_code(codes.checkin_id_of(code), (await meeting())["id"], "other key")
    response = await scanner.post(API, json={"code": forged})
    assert response.status_code == 422
    assert (response.json()["reason"], list(response.json()["fields"])) == (
        "invalid_code",
        ["code"],
    )
    assert await CheckIn.count() == 0


async def test_api_refuses_a_badge_of_another_meeting(scanner):
    geneva = await meeting("idm-geneva")
    code = await badge_code(await add_registration(geneva))
    response = await scanner.post(API, json={"code": code})
    assert response.status_code == 409
    assert (response.json()["reason"], response.json()["meeting"]) == (
        "other_meeting",
        geneva["title"],
    )


async def test_api_refuses_a_pending_registration_and_says_who(scanner):
    person = await add_registration(await meeting(), status="pending", family_name="Waiting")
    response = await scanner.post(API, json={"registration_id": person["id"]})
    assert response.status_code == 409
    body = response.json()
    assert (body["reason"], body["registration"]["family_name"]) == ("pending", "Waiting")


async def test_api_checks_in_by_registration_id(scanner):
    person = await add_registration(await meeting())
    response = await scanner.post(API, json={"registration_id": person["id"]})
    assert (response.status_code, response.json()["result"]) == (201, "checked_in")


async def test_api_unknown_registration_id_is_not_found(scanner):
    response = await scanner.post(API, json={"registration_id": 999999})
    assert (response.status_code, response.json()["reason"]) == (404, "not_found")


@pytest.mark.parametrize(
    "body",
    [{}, {"code": "1ABCDEFGHJKMNPQRSTVW", "registration_id": 1}, {"code": 12}, {"cod": "x"}],
)
async def test_api_refuses_a_body_that_is_not_one_code_or_one_id(scanner, body):
    response = await scanner.post(API, json=body)
    assert response.status_code in (400, 422)
    assert await CheckIn.count() == 0


async def test_api_undo(scanner):
    person = await add_registration(await meeting())
    await scanner.post(API, json={"registration_id": person["id"]})
    undone = await scanner.delete(f"{API}/{person['id']}")
    again = await scanner.delete(f"{API}/{person['id']}")
    assert (undone.status_code, undone.json()["result"]) == (200, "undone")
    assert (again.status_code, again.json()["result"]) == (200, "not_checked_in")
    assert await CheckIn.count() == 0


async def test_api_counts(scanner):
    new_york = await meeting()
    person = await add_registration(new_york, category="media")
    await add_registration(new_york, category="media")
    await add_registration(new_york, category="member-state")
    await scanner.post(API, json={"registration_id": person["id"]})
    response = await scanner.get(f"{API}/counts")
    assert response.json() == {
        "expected": 3,
        "arrived": 1,
        "categories": [
            {"category": "media", "label": "Media", "expected": 2, "arrived": 1},
            {"category": "member-state", "label": "Member State", "expected": 1, "arrived": 0},
        ],
    }


async def test_api_search(scanner):
    new_york = await meeting()
    await add_registration(new_york, given_name="Jürg", family_name="Lauber")
    await add_registration(new_york, given_name="Louise", family_name="Arbour")
    response = await scanner.get(f"{API}/search", params={"q": "jurg"})
    body = response.json()
    assert (body["query"], body["more"]) == ("jurg", False)
    assert [r["family_name"] for r in body["results"]] == ["Lauber"]


async def test_api_of_an_unknown_meeting_is_not_found(scanner):
    response = await scanner.get("/api/v1/checkin/nowhere/counts")
    assert response.status_code == 404


async def test_concurrent_scans_through_a_live_server_make_one_check_in(
    live_server, demo, api_token
):
    person = await add_registration(await meeting())
    code = await badge_code(person)
    _, token = await api_token("checkin")
    async with httpx.AsyncClient(
        base_url=live_server.url, headers={"Authorization": f"Bearer {token}"}, timeout=60
    ) as http:
        responses = await asyncio.gather(*(http.post(API, json={"code": code}) for _ in range(16)))
    statuses = sorted(response.status_code for response in responses)
    assert statuses == [200] * 15 + [201]
    assert {response.json()["result"] for response in responses} == {
        "checked_in",
        "already_checked_in",
    }
    assert await CheckIn.count() == 1


async def test_api_ids_beyond_the_database_range_are_not_found(scanner):
    huge = 2**40
    checked = await scanner.post(API, json={"registration_id": huge})
    undone = await scanner.delete(f"{API}/{huge}")
    assert (checked.status_code, checked.json()["reason"]) == (404, "not_found")
    assert undone.status_code == 404
