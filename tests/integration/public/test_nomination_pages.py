"""The focal point's private page: name delegates, replace one, mark the head, errors on the page,
the quota, a revoked or forwarded link."""

from __future__ import annotations

import re

from idmevents.delegations.tables import Delegation
from idmevents.registrations.tables import Registration
from tests.factories.delegations import confirm_focal_point, make_delegation
from tests.factories.meetings import make_meeting


async def post_form(client, page: str, action: str, data: dict):
    form = await client.get(page)
    token = re.search(r'name="_csrf_token" value="([^"]+)"', form.text).group(1)
    return await client.post(action, data=data | {"_csrf_token": token}, follow_redirects=False)


async def test_focal_point_names_replaces_and_heads(client):
    meeting = await make_meeting()
    delegation = await make_delegation(meeting, quota=2)
    await confirm_focal_point(client, delegation)
    page = f"/d/{delegation['token']}"
    shown = await client.get(page)
    assert shown.status_code == 200
    assert "Switzerland" in shown.text
    assert "Seats used: 0 of 2." in shown.text

    added = await post_form(
        client,
        page,
        page + "/delegates",
        {"honorific": "H.E. Ms", "given_name": "Alice", "family_name": "Berne", "email": ""},
    )
    assert added.status_code == 303
    await post_form(
        client,
        page,
        page + "/delegates",
        {"given_name": "Bruno", "family_name": "Genf", "email": "bruno@mission.ch"},
    )
    full = await client.get(page)
    assert "Seats used: 2 of 2." in full.text
    assert "Every seat of your delegation is taken." in full.text

    bruno = await Registration.select().where(Registration.given_name == "Bruno").first()
    await post_form(client, page, page + "/head", {"registration_id": str(bruno["id"])})
    assert (await Delegation.select(Delegation.head).first())["head"] == bruno["id"]

    alice = await Registration.select().where(Registration.given_name == "Alice").first()
    replace = f"{page}/replace/{alice['id']}"
    replaced = await post_form(
        client, replace, replace, {"given_name": "Clara", "family_name": "Basel", "email": ""}
    )
    assert replaced.status_code == 303
    after = await client.get(replaced.headers["location"])
    assert "Clara" in after.text
    assert "Alice" not in after.text
    statuses = {
        r["given_name"]: r["status"]
        for r in await Registration.select(Registration.given_name, Registration.status)
    }
    assert statuses == {"Alice": "cancelled", "Bruno": "confirmed", "Clara": "confirmed"}
    # The head comes first.
    assert after.text.index("Bruno") < after.text.index("Clara")


async def test_form_errors_are_shown_beside_the_fields(client):
    meeting = await make_meeting()
    delegation = await make_delegation(meeting)
    await confirm_focal_point(client, delegation)
    page = f"/d/{delegation['token']}"
    response = await post_form(
        client, page, page + "/delegates", {"given_name": "", "family_name": "X", "email": "bad"}
    )
    assert response.status_code == 422
    assert "Enter the given name." in response.text
    assert "Enter an email address in the form name@example.org." in response.text
    assert await Registration.count() == 0


async def test_unknown_revoked_or_forwarded_link_is_404(client):
    meeting = await make_meeting()
    delegation = await make_delegation(meeting)
    assert (await client.get("/d/not-a-token")).status_code == 404
    await Delegation.update({Delegation.focal_point_email: "someone.else@mission.ch"}).where(
        Delegation.id == delegation["id"]
    )
    assert (await client.get(f"/d/{delegation['token']}")).status_code == 404


async def test_replacing_someone_not_in_the_delegation_is_404(client):
    meeting = await make_meeting()
    delegation = await make_delegation(meeting)
    await confirm_focal_point(client, delegation)
    assert (await client.get(f"/d/{delegation['token']}/replace/999")).status_code == 404


async def test_registration_form_asks_for_list_consent_separately(client, demo):
    from idmevents.registrations.tables import Registration
    from tests.factories.registrations import form

    path = "/meetings/idm-geneva/register"
    page = await client.get(path)
    assert 'name="list_consent"' in page.text
    for n, answer in ((1, "yes"), (2, "")):
        values = form(n) | {"consent": "yes", "list_consent": answer}
        values.pop("sessions")
        token = re.search(r'name="_csrf_token" value="([^"]+)"', page.text).group(1)
        response = await client.post(
            path, data=values | {"_csrf_token": token}, follow_redirects=False
        )
        assert response.status_code == 303
    stored = await Registration.select(Registration.email, Registration.list_consent)
    assert {r["email"]: r["list_consent"] for r in stored} == {
        "person1@example.org": True,
        "person2@example.org": False,
    }
