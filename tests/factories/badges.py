"""Registrations and users made straight in the tables, for the badge and check-in tests."""

from __future__ import annotations

import secrets
from itertools import count

from idmevents.auth.services import CurrentUser, current_user_from_row
from idmevents.auth.tables import User
from idmevents.meetings.services import get_meeting
from idmevents.registrations.tables import Registration
from tests.factories.teams import join_every_meeting

_serial = count(1)


async def meeting(slug: str = "idm-new-york") -> dict:
    return await get_meeting(slug, include_drafts=True)


async def add_registration(meeting_row: dict, **fields) -> dict:
    """A registration of `meeting_row` (confirmed, Member State, unless `fields` say otherwise)."""
    n = next(_serial)
    values = {
        "meeting": meeting_row["id"],
        "token": secrets.token_urlsafe(32),
        "feed_token": secrets.token_urlsafe(32),
        "given_name": f"Given{n}",
        "family_name": f"Family{n}",
        "email": f"person{n}@example.org",
        "organization": "Permanent Mission of Somewhere",
        "category": "member-state",
        "country": "CH",
        "status": "confirmed",
    } | fields
    values.setdefault("email_key", values["email"].lower())
    rows = await Registration.insert(Registration(**values)).returning(*Registration.all_columns())
    return rows[0]


async def add_user(role: str = "checkin", **fields) -> CurrentUser:
    n = next(_serial)
    values = {
        "email": f"desk{n}@example.org",
        "display_name": f"Desk Volunteer {n}",
        "password_hash": "not-a-real-hash",
        "role": role,
    } | fields
    rows = await User.insert(User(**values)).returning(*User.all_columns())
    await join_every_meeting(rows[0]["id"], rows[0]["role"])
    return current_user_from_row(rows[0])
