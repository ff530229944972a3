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
