"""Delegations made through their service, as an organizer would."""

from __future__ import annotations

from idmevents.audit import SYSTEM
from idmevents.delegations import services
from tests.factories.meetings import NOW


async def make_delegation(meeting: dict, country: str = "CH", quota: int = 3, **overrides) -> dict:
    data = {
        "country": country,
        "focal_point_name": "Focal Point",
        "focal_point_email": f"focal.{country.lower() or 'org'}@mission.example.org",
        "focal_point_mission": f"Permanent Mission of {country}",
        "quota": quota,
    } | overrides
    return await services.create_delegation(meeting, data, by=SYSTEM, now=NOW)


def nominee(n: int | str = 1, **overrides) -> services.Nominee:
    values = {
        "given_name": "Delegate",
        "family_name": f"Number {n}",
        "email": f"delegate{n}@mission.example.org",
        "honorific": "Ms",
        "position": "Counsellor",
    } | overrides
    return services.Nominee(**values)


async def latest_access_code() -> str:
    """The one-time code in the latest email that asked a focal point to confirm their address."""
    import json

    from idmevents.mail.tables import OutboxMessage

    row = (
        await OutboxMessage.select(OutboxMessage.recipe)
        .where(OutboxMessage.kind == "focal-point-code")
        .order_by(OutboxMessage.id, ascending=False)
        .first()
    )
    return json.loads(row["recipe"])["code"]


async def confirm_focal_point(client, delegation: dict) -> None:
    """Open the focal point's link in this client as they would: confirm the address, type the
    code emailed to it. The client then keeps the link's cookie."""
    import re

    page = f"/d/{delegation['token']}"
    form = await client.get(page)
    csrf = re.search(r'name="_csrf_token" value="([^"]+)"', form.text).group(1)
    sent = await client.post(
        page + "/access",
        data={"email": delegation["focal_point_email"], "_csrf_token": csrf},
    )
    assert sent.status_code == 200, sent.text
    confirmed = await client.post(
        page + "/confirm",
        data={"code": await latest_access_code(), "_csrf_token": csrf},
        follow_redirects=False,
    )
    assert confirmed.status_code == 303, confirmed.text
