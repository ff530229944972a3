"""Several registrations at once: approving the chosen pending ones, cancelling a suspicious
group (desk/bursts.py)."""

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
from idmevents.registrations.labels import ACTIVE_STATUSES
from idmevents.registrations.tables import Registration

# ---------------------------------------------------------------------------------------------
# Several at once


@dataclass
class BulkResult:
    confirmed: list[str] = field(default_factory=list)
    waitlisted: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)  # no longer pending (someone else acted)
    cancelled: list[str] = field(default_factory=list)


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


async def cancel_many(
    meeting: dict, registration_ids: list[int], *, by: Actor, now: datetime
) -> BulkResult:
    """Cancel the meeting's active registrations among `registration_ids`, each as the desk's
    cancel does (its own transaction, its email, the waiting list moving); those already ended
    are skipped. Latest registered first: the group's own people waiting go before its seats
    are freed, so that the seats go to people outside the group."""
    ids = sorted({i for i in registration_ids if is_id(i)})[:MAX_BULK]
    rows = (
        await Registration.select(
            Registration.id, Registration.given_name, Registration.family_name
        )
        .where(
            Registration.id.is_in(ids or [0])
            & (Registration.meeting == meeting["id"])
            & Registration.status.is_in(list(ACTIVE_STATUSES))
        )
        .order_by(Registration.created_at, ascending=False)
        .order_by(Registration.id, ascending=False)
    )
    result = BulkResult()
    for row in rows:
        name = f"{row['given_name']} {row['family_name']}"
        try:
            await services.cancel(row["id"], by=by, now=now)
        except (Conflict, NotFound):
            result.skipped.append(name)
            continue
        result.cancelled.append(name)
    return result
