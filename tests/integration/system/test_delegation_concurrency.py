"""Held seats and quotas under concurrency, through HTTP against two server processes: public
registrations racing never take a seat held for a delegation, and ten nominations at once for a
quota of three make three delegates (seven 409s)."""

import asyncio
import itertools

import httpx
import pytest

from idmevents.registrations.tables import Registration
from tests.factories.delegations import make_delegation
from tests.factories.meetings import make_meeting
from tests.factories.registrations import form
from tests.support.live_server import LiveServer

IN_FLIGHT = 20


@pytest.fixture(scope="module")
def servers():
    env = {"IDMEVENTS_REGISTRATION_RATE_LIMIT": "0/minute", "IDMEVENTS_DB_POOL_SIZE": "10"}
    live = [LiveServer(env=env).start(), LiveServer(env=env).start()]
    yield live
    for server in live:
        server.stop()


async def post_all(servers, url: str, bodies: list[dict], headers=None) -> list[httpx.Response]:
    """Every body POSTed to `url`, alternately to each server process, IN_FLIGHT at a time."""
    gate = asyncio.Semaphore(IN_FLIGHT)
    clients = [
        httpx.AsyncClient(base_url=server.url, timeout=120, headers=headers or {})
        for server in servers
    ]
    try:
        turn = itertools.cycle(clients)

        async def one(client: httpx.AsyncClient, body: dict) -> httpx.Response:
            async with gate:
                return await client.post(url, json=body)

        return await asyncio.gather(*(one(next(turn), body) for body in bodies))
    finally:
        for client in clients:
            await client.aclose()


async def test_300_public_registrations_never_take_a_held_seat(servers):
    meeting = await make_meeting(slug="held", capacity=30, opens_at=None, closes_at=None)
    await make_delegation(meeting, "CH", quota=12)
    await make_delegation(meeting, "FR", quota=8)
    responses = await post_all(
        servers, "/api/v1/meetings/held/registrations", [form(n) for n in range(300)]
    )
    assert [r.status_code for r in responses] == [202] * 300
    statuses = [r["status"] for r in await Registration.select(Registration.status)]
    # 30 seats less 20 held: exactly 10 for the public, whatever the interleaving.
    assert (statuses.count("confirmed"), statuses.count("waitlisted")) == (10, 290)


async def test_300_public_registrations_for_a_meeting_whose_free_seats_are_all_held(servers):
    meeting = await make_meeting(slug="all-held", capacity=20, opens_at=None, closes_at=None)
    await make_delegation(meeting, "CH", quota=20)
    responses = await post_all(
        servers, "/api/v1/meetings/all-held/registrations", [form(n) for n in range(300)]
    )
    assert sorted({r.status_code for r in responses}) == [202]
    statuses = {r["status"] for r in await Registration.select(Registration.status)}
    assert statuses == {"waitlisted"}
    assert await Registration.count().where(Registration.status == "confirmed") == 0


async def test_ten_nominations_across_two_processes_for_a_quota_of_three(servers, api_token):
    meeting = await make_meeting(slug="quota", capacity=50, opens_at=None, closes_at=None)
    delegation = await make_delegation(meeting, "CH", quota=3)
    _, token = await api_token()
    bodies = [
        {"given_name": "Delegate", "family_name": str(n), "email": f"d{n}@mission.example.org"}
        for n in range(10)
    ]
    responses = await post_all(
        servers,
        f"/api/v1/delegations/{delegation['id']}/delegates",
        bodies,
        headers={"Authorization": f"Bearer {token}"},
    )
    assert sorted(r.status_code for r in responses) == [201] * 3 + [409] * 7
    assert {r.json()["reason"] for r in responses if r.status_code == 409} == {"quota"}
    assert await Registration.count().where(Registration.status == "confirmed") == 3
