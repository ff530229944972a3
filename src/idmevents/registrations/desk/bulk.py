"""Several registrations at once: approving the chosen pending ones."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from idmevents.audit import Actor
from idmevents.errors import Conflict, InvalidInput, NotFound
from idmevents.i18n import gettext
from idmevents.registrations import services
from idmevents.registrations.desk.common import (
    MAX_BULK,
    is_id,
)
from idmevents.registrations.tables import Registration

# ---------------------------------------------------------------------------------------------
# Several at once


@dataclass
class BulkResult:
    confirmed: list[str] = field(default_factory=list)
    waitlisted: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)  # no longer pending (someone else acted)


async def approve_many(
    meeting: dict, registration_ids: list[int], *, by: Actor, now: datetime
) -> BulkResult:
    """Approve the chosen pending registrations, earliest registered first (so that when seats
    run out, those who came first have them), each in its own transaction with its own email."""
    ids = sorted({i for i in registration_ids if is_id(i)})
    if not ids:
        raise InvalidInput(
            gettext("Some fields need your attention."),
            fields={"ids": gettext("Choose at least one registration awaiting approval.")},
        )
    if len(ids) > MAX_BULK:
        raise InvalidInput(
            gettext("Some fields need your attention."),
            fields={"ids": gettext("Approve at most %(limit)s at once.") % {"limit": MAX_BULK}},
        )
    rows = (
        await Registration.select(
            Registration.id, Registration.given_name, Registration.family_name
        )
        .where(Registration.id.is_in(ids) & (Registration.meeting == meeting["id"]))
        .order_by(Registration.created_at)
        .order_by(Registration.id)
    )
    result = BulkResult()
    for row in rows:
        name = f"{row['given_name']} {row['family_name']}"
        try:
            outcome = await services.approve(row["id"], by=by, now=now)
        except (Conflict, NotFound):
            result.skipped.append(name)
            continue
        (result.confirmed if outcome.status == "confirmed" else result.waitlisted).append(name)
    return result
