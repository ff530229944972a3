"""Suspicious bursts: the coarse network, the folded mailbox, and which groups are suspicious."""

from __future__ import annotations

from datetime import timedelta

import pytest

from idmevents.errors import InvalidInput
from idmevents.registrations import desk, services
from idmevents.registrations.desk import bursts
from idmevents.registrations.tables import Registration
from tests.factories.badges import add_registration
from tests.factories.meetings import NOW, make_meeting
from tests.factories.registrations import form


@pytest.mark.parametrize(
    ("host", "network"),
    [
        ("203.0.113.77", "203.0.113.0/24"),
        ("::ffff:198.51.100.9", "198.51.100.0/24"),
        ("2001:db8:abcd:12::1", "2001:db8:abcd::/48"),
        ("testclient", ""),
        ("", ""),
        (None, ""),
    ],
)
def test_the_network_kept_is_coarse(host, network):
    assert bursts.coarse_network(host) == network


def test_a_folded_address_drops_tags_and_dots():
    assert [
        bursts.folded_address(a)
        for a in ("ana.ruiz+1@mail.example", "anaruiz@mail.example", "a.n.a.ruiz+x+y@mail.example")
    ] == ["anaruiz@mail.example"] * 3


async def add_at(meeting, minutes: float, email: str, network: str = "", status="confirmed"):
    return await add_registration(
        meeting,
        email=email,
        client_network=network,
        status=status,
        created_at=NOW + timedelta(minutes=minutes),
    )


async def test_groups_shown_are_bursts_not_slow_colleagues():
    meeting = await make_meeting()
    # Five from one network, each within 5 minutes of the previous: a burst.
    for i in range(5):
        await add_at(meeting, i * 4, f"squat{i}@fast.example", "203.0.113.0/24")
    # Six from one ministry's domain, a day apart: no burst.
    for i in range(6):
        await add_at(meeting, 10_000 + i * 1440, f"staff{i}@ministry.example")
    # One mailbox written three ways, weeks apart: a group (one person may register once).
    await add_at(meeting, 50_000, "ana.ruiz@mail.example")
    await add_at(meeting, 60_000, "anaruiz+2@mail.example", status="cancelled")
    await add_at(meeting, 70_000, "a.naruiz@mail.example")

    found = await bursts.find_bursts(meeting["id"])

    assert [(b.kind, b.key, b.count, b.active, b.largest_run, b.run_minutes) for b in found] == [
        ("domain", "fast.example", 5, 5, 5, 16),
        ("network", "203.0.113.0/24", 5, 5, 5, 16),
        ("address", "anaruiz@mail.example", 3, 2, 1, 0),
    ]
    assert (found[0].first_at, found[0].last_at) == (NOW, NOW + timedelta(minutes=16))
    assert found[0].filter == "domain:fast.example"


async def test_the_desk_filters_to_one_group():
    meeting = await make_meeting()
    other = await make_meeting(slug="other")
    mine = [await add_at(meeting, i, f"x{i}@fast.example", "198.51.100.0/24") for i in range(5)]
    await add_at(meeting, 1, "alone@elsewhere.example")
    await add_at(other, 1, "x9@fast.example", "198.51.100.0/24")  # another meeting's

    filters = await desk.check_filters(meeting, burst="network:198.51.100.0/24")
    rows = await desk.find_registrations(meeting, filters)

    assert sorted(row["id"] for row in rows) == sorted(row["id"] for row in mine)
    assert filters.query() == {"burst": "network:198.51.100.0/24"}
    stale = await desk.check_filters(meeting, burst="network:192.0.2.0/24")
    assert await desk.find_registrations(meeting, stale) == []
    for bad in ("nothing", "ip:1.2.3.0/24", "domain:"):
        with pytest.raises(InvalidInput) as caught:
            await desk.check_filters(meeting, burst=bad)
        assert list(caught.value.fields) == ["burst"]


async def test_registering_keeps_the_coarse_network():
    meeting = await make_meeting()
    result = await services.register(meeting, form(1), now=NOW, client_network="203.0.113.0/24")
    row = await Registration.select(Registration.client_network).where(
        Registration.id == result.registration["id"]
    )
    assert row == [{"client_network": "203.0.113.0/24"}]
