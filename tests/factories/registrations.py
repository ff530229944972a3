"""Registrations: a form as the API takes it, and a desk meeting with people in every state.

The desk meeting serves the desk's tests through HTTP, the API and Chromium.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import timedelta

from idmevents.registrations import services
from idmevents.registrations.tables import Registration
from tests.factories.meetings import NOW, make_meeting, make_session


def form(n: int | str = 1, **overrides) -> dict:
    """A valid registration, as the API takes it."""
    values = {
        "given_name": "Ana",
        "family_name": f"Person {n}",
        "email": f"person{n}@example.org",
        "organization": "Permanent Mission of Chile",
        "position": "First Secretary",
        "category": "member-state",
        "country": "CL",
        "language": "en",
        "accessibility_needs": "",
        "consent": True,
        "sessions": [],
    }
    return values | overrides


@dataclass
class DeskMeeting:
    meeting: dict
    side_event: dict
    plenary: dict
    ids: dict[str, int]  # key → registration id


# key, given name, family name, category, country, organization, sessions
PEOPLE = (
    ("jose", "José", "Álvarez", "member-state", "CL", "Ministerio de Relaciones Exteriores, Chile"),
    ("zoe", "Zoë", "Müller", "civil-society", "DE", "Migrant Voices e.V."),
    ("ana", "Ana", "Person", "member-state", "US", "Permanent Mission of the United States"),
    ("bob", "Bob", "Pending", "media", "FR", "Le Monde"),
    ("carla", "Carla", "Zúñiga", "un-igo", "", "UNHCR"),
    ("dan", "Dan", "Waiting", "academia", "CH", "University of Geneva"),
)


async def desk_meeting(slug: str = "desk-meeting", capacity: int = 3) -> DeskMeeting:
    """Capacity 3, civil society and media need approval. After it: José, Ana and Carla are
    confirmed (the meeting is full), Zoë and Bob pending, Dan first on the waiting list. The side
    event (one place) is José's; Ana waits for it."""
    meeting = await make_meeting(
        slug=slug,
        capacity=capacity,
        approval_categories=("civil-society", "media"),
        title="Desk workshop",
    )
    side_event = await make_session(
        meeting, "side", capacity=1, kind="side-event", title="Side event"
    )
    plenary = await make_session(
        meeting, "plenary", starts_at=NOW.replace(year=2027, month=4, day=21), title="Plenary"
    )
    ids: dict[str, int] = {}
    for minute, (key, given, family, category, country, organization) in enumerate(PEOPLE):
        sessions = [side_event["id"]] if key in {"jose", "ana"} else []
        if key == "dan":
            sessions = [plenary["id"]]
        result = await services.register(
            meeting,
            form(
                key,
                given_name=given,
                family_name=family,
                email=f"{key}@example.org",
                category=category,
                country=country,
                organization=organization,
                sessions=sessions,
            ),
            now=NOW + timedelta(minutes=minute),
        )
        ids[key] = result.registration["id"]
    return DeskMeeting(meeting=meeting, side_event=side_event, plenary=plenary, ids=ids)


async def add_people(meeting: dict, names: list[tuple[str, str]], **fields) -> list[dict]:
    """(given, family) registered straight into the table, confirmed, in one insert (ids in
    `names`' order), for lists too long to register one by one; returns every registration of
    the meeting (id and names)."""
    rows = []
    for given, family in names:
        email = f"{secrets.token_hex(6)}@example.org"
        values = {
            "meeting": meeting["id"],
            "token": secrets.token_urlsafe(32),
            "feed_token": secrets.token_urlsafe(32),
            "given_name": given,
            "family_name": family,
            "email": email,
            "email_key": email,
            "category": "member-state",
            "country": "CH",
            "status": "confirmed",
        }
        rows.append(Registration(**(values | fields)))
    await Registration.insert(*rows)
    return await Registration.select(
        Registration.id, Registration.given_name, Registration.family_name
    ).where(Registration.meeting == meeting["id"])
