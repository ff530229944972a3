"""What an account holder does to their own account, in the audit log."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from idmevents import audit


async def record_own(
    user_id: int,
    email: str,
    action: str,
    summary: str,
    *,
    data: dict[str, Any] | None = None,
    now: datetime | None = None,
) -> None:
    """One audit entry of a user acting on their own account (sign in, new password, name)."""
    await audit.record(
        user_id=user_id,
        actor=email,
        action=action,
        entity_type="user",
        entity_id=user_id,
        summary=summary,
        data=data,
        now=now,
    )
