"""The audit log: who changed what and when. Written in the same transaction as the change itself."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from idmevents.auth.tables import AuditEntry

ENTITY_TYPES = (
    "meeting",
    "room",
    "session",
    "panelist",
    "registration",
    "checkin",
    "mail",
    "user",
    "token",
)


async def record(
    *,
    user_id: int | None,
    actor: str,
    action: str,
    entity_type: str,
    entity_id: int | None = None,
    meeting_slug: str = "",
    summary: str = "",
    data: dict[str, Any] | None = None,
    now: datetime | None = None,
) -> int:
    """Write one audit entry and return its id.

    Call it inside the write transaction of the change it describes, so that a change that rolls
    back leaves no entry and a change that commits always has one. `actor` is what the log shows
    (an email, "participant", "system"); `user_id` links to the account when there is one.
    """
    rows = await AuditEntry.insert(
        AuditEntry(
            at=now or datetime.now(UTC),
            user=user_id,
            actor=actor[:320],
            action=action[:60],
            entity_type=entity_type[:40],
            entity_id=entity_id,
            meeting_slug=meeting_slug[:100],
            summary=summary,
            data=data or {},
        )
    ).returning(AuditEntry.id)
    return rows[0]["id"]
