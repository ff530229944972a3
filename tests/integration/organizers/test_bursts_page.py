"""The suspicious bursts page through HTTP: its groups, and each group's link filtering the desk."""

from __future__ import annotations

import html
from datetime import timedelta

from idmevents.registrations.tables import Registration
from tests.factories.badges import add_registration
from tests.factories.meetings import NOW, make_meeting
from tests.integration.organizers.test_registration_desk import (
    listed_names,
    post_form,
    signed_in,
    text_of,
)
from tests.support.outbox import outbox_messages

BURSTS = "/admin/meetings/test-meeting/registrations/bursts"


async def test_bursts_page_lists_groups_linking_to_the_filtered_desk(client, make_user, login):
    meeting = await make_meeting()
    for i in range(6):
        await add_registration(
            meeting,
            given_name=f"Squat{i}",
            family_name="Bulk",
            email=f"s{i}@squat.example",
            client_network="203.0.113.0/24",
            created_at=NOW + timedelta(minutes=i),
        )
    await add_registration(meeting, given_name="Ana", family_name="Alone", email="ana@un.example")
    await signed_in(client, make_user, login)

    desk = await client.get("/admin/meetings/test-meeting/registrations")
    assert f'href="{BURSTS}"' in desk.text
    page = await client.get(BURSTS)
    assert page.status_code == 200
    text = text_of(page.text)
    assert "2 groups" in text
    assert "Email domain squat.example 6 6 6 within 5 min" in text
    assert "Network 203.0.113.0/24 6 6 6 within 5 min" in text
    assert "un.example" not in text

    link = "/admin/meetings/test-meeting/registrations?burst=domain%3Asquat.example"
    assert f'href="{html.escape(link)}"' in page.text
    filtered = await client.get(link)
    assert sorted(listed_names(filtered.text)) == [f"Bulk, Squat{i}" for i in range(6)]
    assert "Showing one suspicious group: domain:squat.example." in text_of(filtered.text)
    bad = await client.get("/admin/meetings/test-meeting/registrations?burst=nonsense")
    assert bad.status_code == 422


async def test_bursts_page_without_groups_says_so(client, make_user, login):
    meeting = await make_meeting()
    await add_registration(meeting, email="ana@un.example")
    await signed_in(client, make_user, login)
    page = await client.get(BURSTS)
    assert "No suspicious group among this meeting's registrations." in text_of(page.text)


async def test_bursts_page_is_for_organizers(client, make_user, login):
    await make_meeting()
    assert (await client.get(BURSTS, follow_redirects=False)).status_code in (302, 303)
    await signed_in(client, make_user, login, role="checkin")
    assert (await client.get(BURSTS)).status_code == 403


async def test_a_group_is_cancelled_at_once_and_its_seats_go_to_others(client, make_user, login):
    meeting = await make_meeting(capacity=6)
    for i in range(6):
        await add_registration(
            meeting,
            given_name=f"Squat{i}",
            family_name="Bulk",
            email=f"s{i}@squat.example",
            created_at=NOW + timedelta(minutes=i),
        )
    await add_registration(meeting, email="ana@un.example", status="waitlisted", waitlist_seq=1)
    await signed_in(client, make_user, login)
    await client.get(BURSTS)
    cancel = f"{BURSTS}/cancel"
    unsure = await post_form(client, cancel, {"burst": "domain:squat.example"})
    assert unsure.status_code == 303
    assert await Registration.count().where(Registration.status == "cancelled") == 0
    page = await client.get(BURSTS)
    assert "Tick the box to say you looked at the people first." in text_of(page.text)

    done = await post_form(client, cancel, {"burst": "domain:squat.example", "sure": "yes"})
    assert (done.status_code, done.headers["location"]) == (303, BURSTS)
    statuses = {
        r["email"]: r["status"]
        for r in await Registration.select(Registration.email, Registration.status)
    }
    assert statuses == {
        **{f"s{i}@squat.example": "cancelled" for i in range(6)},
        "ana@un.example": "confirmed",
    }
    assert len(await outbox_messages("registration-cancelled")) == 6
    assert len(await outbox_messages("registration-promoted")) == 1
    page = await client.get(BURSTS)
    assert "Cancelled and emailed: 6 registrations of the group." in text_of(page.text)
