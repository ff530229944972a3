"""A nomination link is bound to its focal point's address: a browser uses it only after typing
the code emailed to that address; a forwarded link used with another address is refused (page
and API); a revoked or renewed link stops working, with a page saying whom to ask."""

from __future__ import annotations

import re

from idmevents.delegations.tables import Delegation
from idmevents.mail.tables import OutboxMessage
from idmevents.registrations.tables import Registration
from tests.factories.delegations import confirm_focal_point, latest_access_code, make_delegation
from tests.factories.meetings import make_meeting
from tests.support.outbox import body_text, outbox_messages


def csrf(page) -> str:
    return re.search(r'name="_csrf_token" value="([^"]+)"', page.text).group(1)


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


async def codes_sent() -> int:
    return await OutboxMessage.count().where(OutboxMessage.kind == "focal-point-code")


async def test_a_new_browser_is_asked_to_confirm_the_address(client):
    meeting = await make_meeting()
    delegation = await make_delegation(meeting)
    page = await client.get(f"/d/{delegation['token']}")
    assert page.status_code == 200
    assert "Confirm your email address" in page.text
    assert "Seats used" not in page.text  # nothing of the delegation before the code
    assert page.headers["cache-control"] == "no-store"


async def test_forwarded_link_used_with_another_address_is_refused_on_the_page(client):
    meeting = await make_meeting()
    delegation = await make_delegation(meeting)
    path = f"/d/{delegation['token']}"
    form = await client.get(path)
    refused = await client.post(
        path + "/access", data={"email": "colleague@elsewhere.org", "_csrf_token": csrf(form)}
    )
    assert refused.status_code == 403
    assert "This nomination link was sent to another person" in refused.text
    assert await codes_sent() == 0
    # Nor can the forwarded link act without the code: every action is refused.
    named = await client.post(
        path + "/delegates",
        data={"given_name": "Eve", "family_name": "Forward", "_csrf_token": csrf(form)},
    )
    assert named.status_code == 403
    assert await Registration.count() == 0


async def test_forwarded_link_used_with_another_address_is_refused_by_the_api(client):
    meeting = await make_meeting()
    delegation = await make_delegation(meeting)
    url = f"/api/v1/nominations/{delegation['token']}/access-code"
    refused = await client.post(url, json={"email": "colleague@elsewhere.org"})
    assert refused.status_code == 403
    assert refused.json()["reason"] == "forwarded"
    assert "only the focal point it was sent to can use it" in refused.json()["detail"]
    assert await codes_sent() == 0
    sent = await client.post(url, json={"email": delegation["focal_point_email"].upper()})
    assert sent.status_code == 202
    assert await codes_sent() == 1
    [message] = await outbox_messages("focal-point-code")
    assert message["To"].addresses[0].addr_spec == delegation["focal_point_email"]
    assert await latest_access_code() in message["Subject"]
    assert (
        await client.post("/api/v1/nominations/nope/access-code", json={"email": "a@b.org"})
    ).status_code == 404


async def test_the_rightful_focal_point_passes_and_a_wrong_code_does_not(client):
    meeting = await make_meeting()
    delegation = await make_delegation(meeting, quota=2)
    path = f"/d/{delegation['token']}"
    form = await client.get(path)
    sent = await client.post(
        path + "/access", data={"email": delegation["focal_point_email"], "_csrf_token": csrf(form)}
    )
    assert sent.status_code == 200
    assert "Type the code we emailed you" in sent.text
    [message] = await outbox_messages("focal-point-code")
    code = await latest_access_code()
    assert code in body_text(message)
    wrong = "000000" if code != "000000" else "111111"
    refused = await client.post(path + "/confirm", data={"code": wrong, "_csrf_token": csrf(form)})
    assert refused.status_code == 403
    assert "This is not the code we sent" in refused.text
    confirmed = await client.post(
        path + "/confirm", data={"code": code, "_csrf_token": csrf(form)}, follow_redirects=False
    )
    assert confirmed.status_code == 303
    shown = await client.get(path)
    assert "Seats used: 0 of 2." in shown.text
    # The code works once.
    again = await client.post(path + "/confirm", data={"code": code, "_csrf_token": csrf(form)})
    assert again.status_code == 403


async def test_too_many_wrong_codes_need_a_new_code(client):
    meeting = await make_meeting()
    delegation = await make_delegation(meeting)
    path = f"/d/{delegation['token']}"
    form = await client.get(path)
    await client.post(
        path + "/access", data={"email": delegation["focal_point_email"], "_csrf_token": csrf(form)}
    )
    code = await latest_access_code()
    wrong = "000000" if code != "000000" else "111111"
    for _ in range(5):
        await client.post(path + "/confirm", data={"code": wrong, "_csrf_token": csrf(form)})
    late = await client.post(path + "/confirm", data={"code": code, "_csrf_token": csrf(form)})
    assert late.status_code == 403
    assert "ask for a new one" in late.text


async def test_revoked_link_is_404_with_a_helpful_page(client, api_token):
    meeting = await make_meeting()
    delegation = await make_delegation(meeting)
    await confirm_focal_point(client, delegation)
    _, token = await api_token()
    revoked = await client.post(
        f"/api/v1/delegations/{delegation['id']}/nomination-link/revoke", headers=bearer(token)
    )
    assert revoked.status_code == 200
    assert revoked.json()["nomination_url"] is None
    page = await client.get(f"/d/{delegation['token']}")
    assert page.status_code == 404
    assert "This nomination link is not valid: ask the secretariat for a new one." in page.text


async def test_new_link_is_emailed_and_the_old_one_and_its_browsers_stop_working(client, api_token):
    meeting = await make_meeting()
    delegation = await make_delegation(meeting)
    await confirm_focal_point(client, delegation)
    _, token = await api_token()
    renewed = await client.post(
        f"/api/v1/delegations/{delegation['id']}/nomination-link", headers=bearer(token)
    )
    assert renewed.status_code == 201
    new_url = renewed.json()["nomination_url"]
    assert (await client.get(f"/d/{delegation['token']}")).status_code == 404
    [message] = await outbox_messages("focal-point-new-link")
    assert new_url in body_text(message)
    assert "The link you had before no longer works." in body_text(message)
    # The browser confirmed for the old link must confirm again for the new one.
    new_path = new_url.split("testserver.local", 1)[-1]
    assert "Confirm your email address" in (await client.get(new_path)).text


async def test_changing_the_focal_points_address_kills_the_link(client):
    meeting = await make_meeting()
    delegation = await make_delegation(meeting)
    await confirm_focal_point(client, delegation)
    await Delegation.update({Delegation.focal_point_email: "new.focal@mission.example.org"}).where(
        Delegation.id == delegation["id"]
    )
    assert (await client.get(f"/d/{delegation['token']}")).status_code == 404
