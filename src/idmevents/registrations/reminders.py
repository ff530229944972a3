"""Reminders: each participant gets each of their meeting's reminders once, in their language.

The worker runs `queue_due_reminders(now)` (registered as a worker chore by the wiring). For every
published meeting whose reminders are on, each reminder that is due and not past its cut-off
(`meetings.reminder_schedule`) is queued for the registrations it concerns:

- confirmed people get their sessions in local time, what changed in them since they registered,
  their badge and personal feed links, and those sessions as a calendar with the feeds' UIDs;
- waitlisted people get their position on the waiting list instead;
- pending, rejected and cancelled people get nothing, nor anyone who registered after the
  reminder was due (their confirmation told them everything). A follow-up after the end goes to
  confirmed people only.

**Once.** A `reminder_delivery` row (UNIQUE on registration and offset) is inserted with ON
CONFLICT DO NOTHING in the transaction that inserts the outbox row, and only the rows this
transaction did insert get an email. A second worker doing the same work at the same time waits on
the index (PostgreSQL) or on the write lock (SQLite), then inserts nothing; a worker killed before
committing leaves neither row; an offset edited back into the schedule finds its rows already
there. The email itself is queued as a recipe (`mail.recipes`) and rendered by the worker.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from piccolo.query.functions.aggregate import Count

from idmevents import content, i18n, urls
from idmevents.audit import Actor
from idmevents.audit import write as audit
from idmevents.db import write_transaction
from idmevents.errors import NotFound
from idmevents.mail import outbox, recipes
from idmevents.mail.message import Attachment, Email
from idmevents.mail.render import render_email
from idmevents.mail.tables import OutboxMessage
from idmevents.meetings import builder
from idmevents.meetings.reminder_schedule import (
    FOLLOW_UP_CUTOFF,
    Reminder,
    parse_offset,
    schedule,
    stored_offsets,
)
from idmevents.meetings.tables import AgendaChange, Meeting, MeetingSession
from idmevents.registrations.emails import to_registrant
from idmevents.registrations.notices import changes_calendar
from idmevents.registrations.tables import Registration, ReminderDelivery
from idmevents.registrations.views import recipe_registration, remote_link, session_choices

RENDERER = "reminder"
KIND = "registration-reminder"
STEP = "reminders"
# Registrations per transaction: short transactions, and SQLite's cap on a statement's parameters.
BATCH = 200
# Meetings that ended longer ago than this have nothing left to send (the follow-up cut-off).
LOOKBACK = FOLLOW_UP_CUTOFF + timedelta(days=2)


async def _bounds(meeting_id: int) -> tuple[datetime | None, datetime | None]:
    rows = await MeetingSession.select(MeetingSession.starts_at, MeetingSession.ends_at).where(
        (MeetingSession.meeting == meeting_id) & (MeetingSession.status == "scheduled")
    )
    if not rows:
        return None, None
    return min(r["starts_at"] for r in rows), max(r["ends_at"] for r in rows)


async def meeting_schedule(meeting: dict) -> list[Reminder]:
    """The meeting's reminders with their due times and cut-offs."""
    first, last = await _bounds(meeting["id"])
    return schedule(meeting, first, last)


async def queue_due_reminders(now: datetime) -> int:
    """Queue every reminder that is due; returns how many emails were queued. Safe to run from
    any number of workers at once, and again after a crash."""
    meetings = await Meeting.select().where(
        (Meeting.status == "published")
        & (Meeting.reminders_enabled == True)  # noqa: E712 - a Piccolo condition
        & (Meeting.ends_on >= (now - LOOKBACK).date())
    )
    queued = 0
    for meeting in meetings:
        for reminder in await meeting_schedule(meeting):
            if reminder.due_at <= now < reminder.cutoff_at:
                queued += await _queue_reminder(meeting, reminder, now)
    return queued


async def _waiting_positions(meeting_id: int) -> dict[int, int]:
    rows = (
        await Registration.select(Registration.id)
        .where(
            (Registration.meeting == meeting_id)
            & (Registration.status == "waitlisted")
            & Registration.waitlist_seq.is_not_null()
        )
        .order_by(Registration.waitlist_seq)
    )
    return {row["id"]: rank for rank, row in enumerate(rows, start=1)}


async def _queue_reminder(meeting: dict, reminder: Reminder, now: datetime) -> int:
    statuses = ["confirmed"] if reminder.follow_up else ["confirmed", "waitlisted"]
    done = {
        row["registration"]
        for row in await ReminderDelivery.select(ReminderDelivery.registration).where(
            (ReminderDelivery.meeting == meeting["id"])
            & (ReminderDelivery.reminder_offset == reminder.offset)
        )
    }
    audience = [
        row
        for row in await Registration.select(
            Registration.id, Registration.email, Registration.status
        )
        .where(
            (Registration.meeting == meeting["id"])
            & Registration.status.is_in(statuses)
            & (Registration.created_at <= reminder.due_at)
        )
        .order_by(Registration.id)
        if row["id"] not in done
    ]
    queued = 0
    for start in range(0, len(audience), BATCH):
        queued += await _queue_batch(meeting, reminder, audience[start : start + BATCH], now)
    return queued


async def _queue_batch(meeting: dict, reminder: Reminder, batch: list[dict], now: datetime) -> int:
    async with write_transaction():
        # Read again inside the transaction: someone may have cancelled since the list was made.
        current = {
            row["id"]: row
            for row in await Registration.select(
                Registration.id, Registration.email, Registration.status
            ).where(Registration.id.is_in([r["id"] for r in batch]))
        }
        wanted = ("confirmed",) if reminder.follow_up else ("confirmed", "waitlisted")
        people = [
            current[r["id"]] for r in batch if current.get(r["id"], {}).get("status") in wanted
        ]
        if not people:
            return 0
        positions = (
            await _waiting_positions(meeting["id"])
            if any(p["status"] == "waitlisted" for p in people)
            else {}
        )
        values = {
            person["id"]: recipes.recipe_values(
                RENDERER,
                {
                    "registration": person["id"],
                    "offset": reminder.offset,
                    "status": person["status"],
                    "position": positions.get(person["id"]),
                },
                kind=KIND,
                to_address=person["email"],
                meeting_id=meeting["id"],
                registration_id=person["id"],
                now=now,
            )
            for person in people
        }
        inserted = await (
            ReminderDelivery.insert(
                *(
                    ReminderDelivery(
                        meeting=meeting["id"],
                        registration=person["id"],
                        reminder_offset=reminder.offset,
                        status=person["status"],
                        message_id=values[person["id"]]["message_id"],
                        created_at=now,
                    )
                    for person in people
                )
            )
            .on_conflict(action="DO NOTHING")
            .returning(ReminderDelivery.registration)
        )
        ours = [row["registration"] for row in inserted]
        if ours:
            await OutboxMessage.insert(*(OutboxMessage(**values[rid]) for rid in ours))
    return len(ours)


# ---------------------------------------------------------------------------------------------
# What organizers see and do


async def reminder_overview(meeting: dict) -> list[dict[str, Any]]:
    """Each scheduled reminder: offset, due and cut-off times, how many were queued and sent."""
    queued = {
        row["reminder_offset"]: row["count"]
        for row in await ReminderDelivery.select(ReminderDelivery.reminder_offset, Count())
        .where(ReminderDelivery.meeting == meeting["id"])
        .group_by(ReminderDelivery.reminder_offset)
    }
    sent_ids = {
        row["message_id"]
        for row in await OutboxMessage.select(OutboxMessage.message_id).where(
            (OutboxMessage.meeting == meeting["id"])
            & (OutboxMessage.kind == KIND)
            & (OutboxMessage.status == "sent")
        )
    }
    sent: dict[str, int] = {}
    if sent_ids:
        for row in await ReminderDelivery.select(
            ReminderDelivery.reminder_offset, ReminderDelivery.message_id
        ).where(ReminderDelivery.meeting == meeting["id"]):
            if row["message_id"] in sent_ids:
                sent[row["reminder_offset"]] = sent.get(row["reminder_offset"], 0) + 1
    return [
        {
            "offset": r.offset,
            "due_at": r.due_at,
            "cutoff_at": r.cutoff_at,
            "follow_up": r.follow_up,
            "queued": queued.get(r.offset, 0),
            "sent": sent.get(r.offset, 0),
        }
        for r in await meeting_schedule(meeting)
    ]


async def set_reminders_enabled(slug: str, enabled: bool, *, by: Actor, now: datetime) -> dict:
    """Switch a meeting's reminders on or off."""
    return await builder.update_meeting(slug, {"reminders_enabled": enabled}, by=by, now=now)


async def send_test_reminder(
    slug: str, *, to_address: str, language: str, by: Actor, now: datetime
) -> int:
    """Queue the meeting's next reminder (or its first) to an organizer, as a participant with
    every session would get it, its private links replaced by examples. Returns the outbox id."""
    meeting = await Meeting.select().where(Meeting.slug == slug).first()
    if meeting is None:
        raise NotFound(i18n.gettext("There is no meeting called “%(slug)s”.") % {"slug": slug})
    upcoming = [r for r in await meeting_schedule(meeting) if r.cutoff_at > now]
    reminders = upcoming or await meeting_schedule(meeting)
    offset = reminders[0].offset if reminders else (stored_offsets(meeting) or ["-P1D"])[0]
    sample = {
        "id": None,
        "meeting": meeting["id"],
        "token": "example",
        "feed_token": "example",
        "given_name": to_address.partition("@")[0],
        "family_name": "",
        "email": to_address,
        "language": language,
        "status": "confirmed",
        "created_at": now,
    }
    email = await compose_reminder(sample, meeting, offset=offset, position=None, test=True)
    async with write_transaction():
        outbox_id = await outbox.enqueue(email, now=now)
        await audit(
            by,
            "meeting.reminder_test",
            "meeting",
            meeting["id"],
            meeting_slug=slug,
            summary=f"Sent a test reminder ({offset}) to {to_address}",
            data={"offset": offset, "to": to_address},
            now=now,
        )
    return outbox_id


# ---------------------------------------------------------------------------------------------
# The email


async def _sessions_followed(meeting: dict, registration: dict) -> tuple[list, list[dict]]:
    """(the sessions to list, the rows of the sessions in their calendar): the ones they chose,
    or the whole agenda if they chose none, as their personal feed has it."""
    choices = (
        await session_choices(meeting["id"], registration) if registration["id"] else []
    ) or await session_choices(meeting["id"], None)
    chosen = [c for c in choices if c.chosen]
    listed = chosen or choices
    confirmed_ids = {c.id for c in chosen if c.status == "confirmed"}
    query = MeetingSession.select(
        MeetingSession.all_columns(), MeetingSession.room.name.as_alias("room_name")
    ).where(MeetingSession.meeting == meeting["id"])
    rows = await query.order_by(MeetingSession.starts_at).order_by(MeetingSession.id)
    if chosen:
        rows = [r for r in rows if r["id"] in confirmed_ids]
    return listed, rows


async def _changes_since(meeting: dict, registration: dict, session_ids: set[int]) -> list[str]:
    rows = (
        await AgendaChange.select()
        .where(
            (AgendaChange.meeting == meeting["id"])
            & (AgendaChange.changed_at > registration["created_at"])
        )
        .order_by(AgendaChange.changed_at)
        .order_by(AgendaChange.id)
        .output(load_json=True)
    )
    return [
        builder.change_summary(c["kind"], c["before"], c["after"], meeting["timezone"])
        for c in rows
        if not session_ids or c["meeting_session"] in session_ids
    ]


async def compose_reminder(
    registration: dict,
    meeting: dict,
    *,
    offset: str,
    position: int | None,
    test: bool = False,
) -> Email:
    """The reminder `offset` for `registration` (status as it was when queued), in its language."""
    language = registration["language"] or "en"
    follow_up = not parse_offset(offset).before
    waiting = registration["status"] == "waitlisted"
    sessions: list = []
    rows: list[dict] = []
    changes: list[str] = []
    if not waiting and not follow_up:
        sessions, rows = await _sessions_followed(meeting, registration)
        chosen_ids = {s.id for s in sessions if s.chosen}
        token = i18n.set_language(language)
        try:
            changes = await _changes_since(meeting, registration, chosen_ids)
        finally:
            i18n.reset_language(token)
    context = {
        "registration": registration,
        # The meeting's title, venue and city in the person's language where translated.
        "meeting": content.localized(meeting, content.MEETING_TEXT, language),
        "sessions": sessions,
        "changes": changes,
        "position": position,
        "waiting": waiting,
        "follow_up": follow_up,
        "follow_up_url": meeting.get("follow_up_url") or "",
        "test": test,
        "meeting_url": urls.meeting_page(meeting["slug"]),
        "manage_url": urls.manage_page(registration["token"]),
        "badge_url": ""
        if registration.get("attendance") == "online"
        else urls.badge(registration["token"]),
        "feed_url": urls.personal_feed(registration["feed_token"]),
        "remote_url": "" if test else remote_link(meeting, registration),
        "webcast_url": meeting.get("webcast_url") or "",
    }
    rendered = render_email("registration/reminder", context, language)
    attachments: tuple[Attachment, ...] = ()
    if rows:
        with i18n.speaking(language):  # the calendar's labels and lines in the person's language
            calendar = changes_calendar(meeting, rows, remote_url=context["remote_url"])
        attachments = (
            Attachment(
                filename="my-agenda.ics",
                content_type="text/calendar",
                data=calendar,
                method="PUBLISH",
            ),
        )
    kind = KIND if not test else "reminder-test"
    return to_registrant(kind, registration, meeting, rendered, attachments)


async def render_reminder(recipe: dict[str, Any], queued_at: datetime) -> Email:
    """Render a reminder queued as a recipe (the "reminder" renderer)."""
    registration, meeting = await recipe_registration(recipe)
    return await compose_reminder(
        registration, meeting, offset=recipe["offset"], position=recipe["position"]
    )


def register_mail_renderers() -> None:
    recipes.register_renderer(RENDERER, render_reminder)
