"""A hybrid meeting under a burst: the room's seats and the online places fill separately, and
each keeps its own waiting list in arrival order."""

import json

from idmevents.mail.tables import OutboxMessage
from idmevents.registrations import services
from idmevents.registrations.tables import Registration
from tests.factories.meetings import make_meeting
from tests.factories.registrations import form
from tests.integration.system.test_registration_concurrency import post_all, server  # noqa: F401

IN_ROOM, ONLINE, PEOPLE = 10, 20, 60


async def test_60_concurrent_registrations_fill_10_seats_and_20_online_places(server):  # noqa: F811
    meeting = await make_meeting(
        slug="hybrid",
        capacity=IN_ROOM,
        capacity_online=ONLINE,
        mode="hybrid",
        opens_at=None,
        closes_at=None,
    )
    # Half want the room, half online, interleaved.
    bodies = [
        form(n) | {"attendance": "in_person" if n % 2 else "online"} for n in range(1, PEOPLE + 1)
    ]
    responses = await post_all(server, "/api/v1/meetings/hybrid/registrations", bodies)
    assert [r.status_code for r in responses] == [202] * PEOPLE, responses[0].text
    wanted = {b["email"].lower(): b["attendance"] for b in bodies}

    rows = (
        await Registration.select()
        .where(Registration.meeting == meeting["id"])
        .order_by(Registration.id)
    )
    assert all(row["attendance"] == wanted[row["email_key"]] for row in rows)
    for attendance, seats in (("in_person", IN_ROOM), ("online", ONLINE)):
        mine = [row for row in rows if row["attendance"] == attendance]
        # In commit order: the seats first, then the waiting list in its own order.
        assert [row["status"] for row in mine] == ["confirmed"] * seats + ["waitlisted"] * (
            PEOPLE // 2 - seats
        ), attendance
        waiting = mine[seats:]
        seqs = [row["waitlist_seq"] for row in waiting]
        assert seqs == sorted(set(seqs))
        positions = list(range(1, len(waiting) + 1))
        assert [await services.waitlist_position(row) for row in waiting] == positions
        # Each is told, by email, the position they hold in their own list.
        told = {
            row["registration"]: json.loads(row["recipe"])["position"]
            for row in await OutboxMessage.select(
                OutboxMessage.registration, OutboxMessage.recipe
            ).where(OutboxMessage.kind == "registration-waitlisted")
        }
        assert [told[row["id"]] for row in waiting] == positions
