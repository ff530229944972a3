"""Where a meeting's status reaches its participants: cancelling a published meeting emails them.

The meetings domain knows nothing of registrations, so its verbs change a meeting and tell nobody.
Every caller that may cancel a meeting (the organizers' cancel page, the API's PATCH) comes here
instead: the status change, the emails to everyone still registered and the audit entry that says
how many were emailed are one write transaction.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from idmevents.audit import Actor
from idmevents.db import write_transaction
from idmevents.errors import InvalidInput
from idmevents.i18n import gettext
from idmevents.meetings import builder
from idmevents.registrations import emails
from idmevents.validation import check_text

# The organizers' message in the email that tells participants a meeting is cancelled.
CANCEL_MESSAGE_MAX = 2000


@dataclass(frozen=True)
class Cancellation:
    meeting: dict
    notified: int  # participants emailed that the meeting is cancelled
    already: bool  # it was cancelled before: nothing changed and nobody was emailed


async def cancel_meeting(slug: str, *, by: Actor, now: datetime, message: str = "") -> Cancellation:
    """Cancel the meeting: it stays on the site and in calendars, marked cancelled.

    If it was published, everyone still registered (confirmed, waiting or awaiting approval) is
    emailed in their language, once, in this transaction; confirmed people's calendar entry is
    cancelled with it. `message`, if any, is the organizers' word to them. Cancelling a cancelled
    meeting changes nothing and emails nobody.
    """
    values = {"message": message}
    errors: dict[str, str] = {}
    check_text(errors, values, "message", CANCEL_MESSAGE_MAX, required=False, lines="multi_line")
    if errors:
        raise InvalidInput(gettext("Please correct the marked fields."), fields=errors)
    update, notified = await _change(
        slug,
        {"status": "cancelled"},
        by=by,
        now=now,
        message=values["message"],
    )
    return Cancellation(update.meeting, notified, already="status" not in update.changed)


async def update_meeting(
    slug: str, values: dict, *, by: Actor, now: datetime, confirm_clashes: bool = False
) -> dict:
    """`builder.update_meeting`, except that a published meeting that becomes cancelled emails
    its participants, as `cancel_meeting` does (without a message)."""
    update, _ = await _change(slug, values, by=by, now=now, confirm_clashes=confirm_clashes)
    return update.meeting


async def cancellation_audience(meeting: dict) -> int:
    """How many participants cancelling the meeting now would email."""
    if meeting["status"] != "published":
        return 0
    return len(await emails.meeting_cancelled_audience(meeting["id"]))


async def _change(
    slug: str,
    values: dict,
    *,
    by: Actor,
    now: datetime,
    confirm_clashes: bool = False,
    message: str = "",
) -> tuple[builder.MeetingUpdate, int]:
    """Change the meeting and, if that cancels it while published, queue its participants' emails;
    returns the change and how many were emailed."""
    async with write_transaction():
        update = await builder.change_meeting(
            slug, values, now=now, confirm_clashes=confirm_clashes
        )
        # Only a published meeting has participants; a draft is cancelled without a word.
        if not update.cancels_published:
            await builder.audit_meeting_update(update, by=by, now=now)
            return update, 0
        notified = await emails.queue_meeting_cancelled(
            update.meeting["id"], message=message, now=now
        )
        await builder.audit_meeting_update(
            update,
            by=by,
            now=now,
            also=f"emailed {notified} participant(s) that the meeting is cancelled",
            data={"notified": notified, "message": message},
        )
    return update, notified
