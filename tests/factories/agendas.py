"""In-memory agendas for the pure feed builders: no database, every value chosen by the test."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from idmevents.meetings.services import Agenda, AgendaItem, PanelistRole

NEW_YORK = ZoneInfo("America/New_York")
GENEVA = ZoneInfo("Europe/Zurich")
BASE_URL = "https://idm.example.org"
CHANGED = datetime(2027, 1, 5, 9, 30, tzinfo=UTC)


def make_meeting(**values) -> dict:
    meeting = {
        "id": 1,
        "slug": "idm-new-york",
        "title": "IDM 2027, New York",
        "theme": "Migration governance",
        "city": "New York",
        "venue_name": "United Nations Headquarters",
        "venue_address": "405 East 42nd Street, New York",
        "timezone": "America/New_York",
        "starts_on": date(2027, 4, 20),
        "ends_on": date(2027, 4, 21),
        "status": "published",
        "agenda_changed_at": CHANGED,
        "updated_at": CHANGED,
    }
    return meeting | values


def make_item(item_id: int, starts_at: datetime, ends_at: datetime, **values) -> AgendaItem:
    fields = {
        "id": item_id,
        "uid": f"session-{item_id}@idmevents",
        "title": f"Session {item_id}",
        "description": "",
        "kind": "panel",
        "starts_at": starts_at.astimezone(UTC),
        "ends_at": ends_at.astimezone(UTC),
        "status": "scheduled",
        "sequence": 0,
        "updated_at": CHANGED,
        "created_at": datetime(2027, 1, 2, 8, 0, tzinfo=UTC),
        "capacity": None,
        "room_id": None,
        "room_name": "",
        "illustrative": False,
        "panelists": [],
    }
    return AgendaItem(**(fields | values))


def person(panelist_id: int, name: str, role: str, *, position: str = "", order: int = 0):
    return PanelistRole(
        panelist_id=panelist_id,
        slug=name.lower().replace(" ", "-").replace(".", ""),
        honorific="Ms",
        name=name,
        position=position,
        organization="",
        role=role,
        order=order,
    )


def new_york_agenda() -> Agenda:
    """Two April days in New York (UTC−4), a panel with people, a cancelled side event."""
    return Agenda(
        meeting=make_meeting(),
        items=[
            make_item(
                1,
                datetime(2027, 4, 20, 10, 0, tzinfo=NEW_YORK),
                datetime(2027, 4, 20, 11, 0, tzinfo=NEW_YORK),
                title="Opening session",
                kind="opening",
                room_name="Trusteeship Council Chamber",
                description="Welcome; the compact, in context.",
                panelists=[
                    person(7, "Amina J. Mohammed", "keynote", position="Deputy Secretary-General"),
                    person(8, "Louise Arbour", "speaker", position="SRSG, International Migration"),
                ],
                sequence=2,
                updated_at=datetime(2027, 1, 4, 12, 0, tzinfo=UTC),
            ),
            make_item(
                2,
                datetime(2027, 4, 21, 13, 15, tzinfo=NEW_YORK),
                datetime(2027, 4, 21, 14, 45, tzinfo=NEW_YORK),
                title="Side event: data, borders, and rights",
                kind="side-event",
                room_name="Conference Room 11",
                status="cancelled",
                sequence=1,
            ),
        ],
    )


def geneva_agenda() -> Agenda:
    """One July day in Geneva (UTC+2)."""
    return Agenda(
        meeting=make_meeting(
            id=2,
            slug="idm-geneva",
            title="IDM 2027, Geneva",
            city="Geneva",
            venue_name="Palais des Nations",
            venue_address="Avenue de la Paix 8-14, Geneva",
            timezone="Europe/Zurich",
            starts_on=date(2027, 7, 20),
            ends_on=date(2027, 7, 20),
        ),
        items=[
            make_item(
                10,
                datetime(2027, 7, 20, 10, 0, tzinfo=GENEVA),
                datetime(2027, 7, 20, 11, 0, tzinfo=GENEVA),
                title="Opening session",
                kind="opening",
                room_name="Room XVII",
                panelists=[person(8, "Louise Arbour", "keynote")],
            )
        ],
    )
