"""Many people registering at the same moment, through HTTP against a running server.

Arrival order is commit order: the meeting row is locked for each decision, so the registrations'
ids and waiting-list numbers are handed out one decision after another.
"""

import asyncio
import json
import re

import httpx
import pytest

from idmevents import db
from idmevents.mail.tables import OutboxMessage
from idmevents.registrations import services
from idmevents.registrations.tables import Registration
from tests.factories.meetings import make_meeting
from tests.factories.registrations import form
from tests.support.live_server import LiveServer

SEATS = 50
PEOPLE = 200
IN_FLIGHT = 20  # requests open at once: enough to contend, not enough to exhaust connections
# A meeting that already holds thousands: PostgreSQL's function reads its counts from the tally
# (migration 2026-12-05T01:00:00) instead of counting them.
SEEDED_CONFIRMED, SEEDED_CANCELLED, SEEDED_PENDING = 3000, 100, 50


@pytest.fixture(scope="module")
def server():
    live = LiveServer(
        env={"IDMEVENTS_REGISTRATION_RATE_LIMIT": "0/minute", "IDMEVENTS_DB_POOL_SIZE": "10"}
    ).start()
    yield live
    live.stop()


async def post_all(server, url: str, bodies: list[dict]) -> list[httpx.Response]:
    gate = asyncio.Semaphore(IN_FLIGHT)
    limits = httpx.Limits(max_connections=IN_FLIGHT)
    async with httpx.AsyncClient(base_url=server.url, timeout=60, limits=limits) as http:

        async def one(body: dict) -> httpx.Response:
            async with gate:
                return await http.post(url, json=body)

        return await asyncio.gather(*(one(body) for body in bodies))


async def test_200_concurrent_registrations_for_50_seats_never_overbook(server):
    meeting = await make_meeting(slug="crowded", capacity=SEATS, opens_at=None, closes_at=None)
    url = "/api/v1/meetings/crowded/registrations"
    responses = await post_all(server, url, [form(n) for n in range(1, PEOPLE + 1)])

    # One answer for all: what happened to each goes by email.
    assert [r.status_code for r in responses] == [202] * PEOPLE

    rows = (
        await Registration.select()
        .where(Registration.meeting == meeting["id"])
        .order_by(Registration.id)
    )
    # In commit order: the 50 seats first, then the waiting list in its own order.
    assert [row["status"] for row in rows] == ["confirmed"] * SEATS + ["waitlisted"] * (
        PEOPLE - SEATS
    )
    waiting = rows[SEATS:]
    seqs = [row["waitlist_seq"] for row in waiting]
    assert seqs == sorted(set(seqs))  # distinct, and in commit order
    positions = list(range(1, PEOPLE - SEATS + 1))
    # The service agrees at both ends and in the middle (a query each: the rest follows from
    # distinct numbers in order).
    for index in (0, len(waiting) // 2, len(waiting) - 1):
        assert await services.waitlist_position(waiting[index]) == positions[index]
    # Each person is told, by email, the position they really hold.
    told = {
        row["registration"]: json.loads(row["recipe"])["position"]
        for row in await OutboxMessage.select(
            OutboxMessage.registration, OutboxMessage.recipe
        ).where(OutboxMessage.kind == "registration-waitlisted")
    }
    assert [told[row["id"]] for row in waiting] == positions

    # A confirmed person cancels from their private page: the first in line gets the seat.
    leaving = rows[7]
    first_in_line = waiting[0]
    async with httpx.AsyncClient(base_url=server.url, timeout=30) as browser:
        page = await browser.get(f"/r/{leaving['token']}/cancel")
        csrf = re.search(r'name="_csrf_token" value="([^"]+)"', page.text).group(1)
        done = await browser.post(f"/r/{leaving['token']}/cancel", data={"_csrf_token": csrf})
    assert done.status_code == 303
    after = {
        row["id"]: row["status"]
        for row in await Registration.select().where(Registration.meeting == meeting["id"])
    }
    assert (after[leaving["id"]], after[first_in_line["id"]]) == ("cancelled", "confirmed")
    assert list(after.values()).count("confirmed") == SEATS
    promoted = await OutboxMessage.select().where(
        (OutboxMessage.kind == "registration-promoted")
        & (OutboxMessage.registration == first_in_line["id"])
    )
    assert [row["to_address"] for row in promoted] == [first_in_line["email"]]
    still_waiting = (
        await Registration.select()
        .where((Registration.meeting == meeting["id"]) & (Registration.status == "waitlisted"))
        .order_by(Registration.waitlist_seq)
    )
    assert [row["id"] for row in still_waiting] == [row["id"] for row in waiting[1:]]
    assert [
        await services.waitlist_position(still_waiting[0]),
        await services.waitlist_position(still_waiting[-1]),
    ] == [1, PEOPLE - SEATS - 1]


async def test_the_same_email_at_once_registers_once(server):
    await make_meeting(slug="twins", capacity=SEATS, opens_at=None, closes_at=None)
    url = "/api/v1/meetings/twins/registrations"
    responses = await post_all(
        server,
        url,
        [form(1, email=f"{'TWIN' if n % 2 else 'twin'}@example.org") for n in range(20)],
    )
    # Every one gets the same answer: nobody learns the address was registered already.
    assert [r.status_code for r in responses] == [202] * 20
    assert len({r.text for r in responses}) == 2  # the address as given: TWIN@ or twin@
    assert await Registration.count() == 1
    # The coarse network it came from is kept for the desk's suspicious bursts, never the address.
    assert await Registration.select(Registration.client_network) == [
        {"client_network": "127.0.0.0/24"}
    ]
    # The link went out again once, not nineteen times.
    assert await OutboxMessage.count().where(OutboxMessage.kind == "registration-link") == 1


async def seed(meeting: dict) -> int:
    """Thousands of registrations written straight in the database, as an import would: confirmed
    people, cancelled ones that had waited (numbers 1..SEEDED_CANCELLED, still taken: the next
    number is above every one given) and some awaiting approval. Returns the last id."""
    kinds = (
        [("confirmed", None)] * SEEDED_CONFIRMED
        + [("cancelled", seq) for seq in range(1, SEEDED_CANCELLED + 1)]
        + [("pending", None)] * SEEDED_PENDING
    )
    rows = [
        {
            "meeting": meeting["id"],
            "token": f"seeded-{i}",
            "feed_token": f"seeded-feed-{i}",
            "given_name": "Seeded",
            "family_name": f"Person {i}",
            "email": f"seeded{i}@example.org",
            "email_key": f"seeded{i}@example.org",
            "category": "member-state",
            "status": status,
            "waitlist_seq": seq,
        }
        for i, (status, seq) in enumerate(kinds)
    ]
    for start in range(0, len(rows), 500):  # SQLite binds at most 32,766 values a statement
        await db.insert_many(Registration, rows[start : start + 500])
    top = await Registration.select(Registration.id).order_by(Registration.id, ascending=False)
    return top[0]["id"]


async def test_racing_registrations_into_a_meeting_of_thousands_never_overbook(server):
    meeting = await make_meeting(
        slug="thousands", capacity=SEEDED_CONFIRMED + SEATS, opens_at=None, closes_at=None
    )
    last_seeded = await seed(meeting)
    url = "/api/v1/meetings/thousands/registrations"
    responses = await post_all(server, url, [form(n) for n in range(1, PEOPLE + 1)])
    assert [r.status_code for r in responses] == [202] * PEOPLE

    rows = (
        await Registration.select()
        .where((Registration.meeting == meeting["id"]) & (Registration.id > last_seeded))
        .order_by(Registration.id)
    )
    # In commit order: the last SEATS seats, then the waiting list, numbered after the seeded.
    assert [row["status"] for row in rows] == ["confirmed"] * SEATS + ["waitlisted"] * (
        PEOPLE - SEATS
    )
    assert (
        await Registration.count().where(
            (Registration.meeting == meeting["id"]) & (Registration.status == "confirmed")
        )
        == SEEDED_CONFIRMED + SEATS
    )
    waiting = rows[SEATS:]
    assert [row["waitlist_seq"] for row in waiting] == list(
        range(SEEDED_CANCELLED + 1, SEEDED_CANCELLED + 1 + PEOPLE - SEATS)
    )
    told = {
        row["registration"]: json.loads(row["recipe"])["position"]
        for row in await OutboxMessage.select(
            OutboxMessage.registration, OutboxMessage.recipe
        ).where(OutboxMessage.kind == "registration-waitlisted")
    }
    assert [told[row["id"]] for row in waiting] == list(range(1, PEOPLE - SEATS + 1))
    assert await services.waitlist_position(waiting[-1]) == PEOPLE - SEATS
    if not db.is_sqlite():
        tally = await Registration.raw(
            "SELECT confirmed, waitlisted, waitlisted_ranked FROM registration_tally "
            "WHERE meeting = {}",
            meeting["id"],
        )
        assert tally == [
            {
                "confirmed": SEEDED_CONFIRMED + SEATS,
                "waitlisted": PEOPLE - SEATS,
                "waitlisted_ranked": PEOPLE - SEATS,
            }
        ]
