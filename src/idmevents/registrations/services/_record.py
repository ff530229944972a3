"""What a change of state writes beside the registration row: its audit entry, and the email
that tells the person about a place on the waiting list."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from idmevents import audit
from idmevents.audit import Actor
from idmevents.registrations import emails
from idmevents.registrations.services._locks import _Meeting
from idmevents.registrations.views import waitlist_position


async def _audit_change(
    by: Actor,
    action: str,
    registration: dict,
    meeting: _Meeting,
    *,
    now: datetime,
    summary: str = "",
    data: dict | None = None,
) -> None:
    """The audit entry of a change to one registration, filed under its meeting."""
    await audit.write(
        by,
        action,
        "registration",
        registration["id"],
        meeting_slug=meeting.row["slug"],
        summary=summary,
        data=data,
        now=now,
    )


async def _queue_with_place(
    kind: str, registration: dict, meeting: _Meeting, *, now: datetime, **options: Any
) -> None:
    """Email `kind` (no meeting dates), with the person's place on the waiting list (None when
    they are not waiting)."""
    await emails.queue(
        kind,
        registration,
        meeting.row,
        span=None,
        now=now,
        position=await waitlist_position(registration),
        **options,
    )
