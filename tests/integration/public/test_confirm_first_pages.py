""" "Confirm your address first" through the web: the setting (meeting form and API, documented),
the confirmation link's page and button, the private page's notice, the desk's filter."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

from idmevents.auth import services as auth
from idmevents.meetings.tables import Meeting
from idmevents.registrations import services
from idmevents.registrations.tables import Registration
from tests.factories.badges import add_registration
from tests.factories.meetings import make_meeting
from tests.factories.registrations import form
from tests.integration.organizers.test_registration_desk import (
    listed_names,
    post_form,
    signed_in,
    text_of,
)


async def test_the_setting_through_the_api(client, make_user):
    await make_meeting(slug="kept")
    user, _ = await make_user("organizer")
    _, token = await auth.create_token(user, "test")
    headers = {"Authorization": f"Bearer {token}"}
    shown = (await client.get("/api/v1/meetings/kept", headers=headers)).json()
    assert (shown["confirm_email_first"], shown["confirm_within_hours"]) == (False, 24)
    changed = await client.patch(
        "/api/v1/meetings/kept",
        json={"confirm_email_first": True, "confirm_within_hours": 6},
        headers=headers,
    )
    assert changed.status_code == 200, changed.text
    assert (changed.json()["confirm_email_first"], changed.json()["confirm_within_hours"]) == (
        True,
        6,
    )
    for bad in (
        {"confirm_within_hours": 0},
        {"confirm_within_hours": 721},
        {"confirm_email_first": "y"},
    ):
        refused = await client.patch("/api/v1/meetings/kept", json=bad, headers=headers)
        assert refused.status_code in (400, 422), bad
        assert next(iter(bad)) in refused.text
    row = await Meeting.select(Meeting.confirm_email_first, Meeting.confirm_within_hours).first()
    assert row == {"confirm_email_first": True, "confirm_within_hours": 6}
    schema = (await client.get("/schema/openapi.json")).json()
    patch = json.dumps(schema["components"]["schemas"])
    assert '"confirm_email_first"' in patch and '"confirm_within_hours"' in patch


async def test_the_setting_through_the_meeting_form(client, make_user, login):
    await make_meeting(slug="kept")
    await signed_in(client, make_user, login)
    page = await client.get("/admin/meetings/kept/edit")
    assert 'name="confirm_email_first"' in page.text and 'name="confirm_within_hours"' in page.text
    meeting = await Meeting.select().first()
    data = {
        "slug": "kept",
        "title": meeting["title"],
        "timezone": meeting["timezone"],
        "starts_on": meeting["starts_on"].isoformat(),
        "ends_on": meeting["ends_on"].isoformat(),
        "retention_days": "180",
        "confirm_email_first": "yes",
    }
    refused = await post_form(
        client, "/admin/meetings/kept/edit", data | {"confirm_within_hours": "0"}
    )
    assert refused.status_code == 422
    assert "A whole number of hours from 1 to 720." in refused.text
    saved = await post_form(
        client, "/admin/meetings/kept/edit", data | {"confirm_within_hours": "12"}
    )
    assert saved.status_code == 303, saved.text[:400]
    row = await Meeting.select(Meeting.confirm_email_first, Meeting.confirm_within_hours).first()
    assert row == {"confirm_email_first": True, "confirm_within_hours": 12}


async def confirm_first(slug: str = "kept") -> dict:
    meeting = await make_meeting(slug=slug, capacity=5, opens_at=None, closes_at=None)
    await Meeting.update({Meeting.confirm_email_first: True}).where(Meeting.id == meeting["id"])
    return await Meeting.select().where(Meeting.id == meeting["id"]).first()


async def test_the_link_opens_a_page_whose_button_confirms(client):
    meeting = await confirm_first()
    result = await services.register(meeting, form(1), now=datetime.now(UTC))
    token = result.registration["token"]

    manage = await client.get(f"/r/{token}")
    assert "Your place is held until" in text_of(manage.text)
    page = await client.get(f"/r/{token}/confirm")
    assert page.status_code == 200
    assert page.headers["cache-control"] == "no-store"
    assert "Confirm that person1@example.org is your address to keep it." in text_of(page.text)
    # Opening the link confirms nothing (a mail scanner may open it): the button does.
    assert (await Registration.select(Registration.unconfirmed_until).first())["unconfirmed_until"]
    forged = await client.post(f"/r/{token}/confirm", follow_redirects=False)
    assert forged.status_code == 403
    done = await post_form(client, f"/r/{token}/confirm")
    assert (done.status_code, done.headers["location"]) == (
        303,
        f"/r/{token}?done=address-confirmed",
    )
    assert (await Registration.select(Registration.unconfirmed_until).first()) == {
        "unconfirmed_until": None
    }
    after = text_of((await client.get(done.headers["location"])).text)
    assert "Thank you: your address is confirmed and your place is yours." in after
    assert "Your place is held until" not in after
    again = await client.get(f"/r/{token}/confirm")
    assert "Your address is confirmed" in text_of(again.text)
    assert (await client.get("/r/not-a-token/confirm")).status_code == 404


async def test_the_desk_shows_and_filters_unconfirmed_places(client, make_user, login):
    meeting = await confirm_first("test-meeting")
    held = datetime.now(UTC) + timedelta(hours=5)
    await add_registration(meeting, given_name="Una", family_name="Held", unconfirmed_until=held)
    await add_registration(meeting, given_name="Cy", family_name="Sure")
    await signed_in(client, make_user, login)
    desk = "/admin/meetings/test-meeting/registrations"
    everyone = await client.get(desk)
    assert sorted(listed_names(everyone.text)) == ["Held, Una", "Sure, Cy"]
    assert "Address not confirmed: held until" in text_of(everyone.text)
    only = await client.get(f"{desk}?unconfirmed=1")
    assert listed_names(only.text) == ["Held, Una"]
    assert (await client.get(f"{desk}?unconfirmed=maybe")).status_code == 422
