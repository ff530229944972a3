"""Telling participants what changed: one email each, listing their changes, with their calendar updated.

A participant is affected by a change to a session of their agenda: every plenary session, and the
side events in which they hold a place (registrations.invitation). Only confirmed registrations
hear about changes: theirs are the calendars the confirmation's invitation filled, and the notice
updates those very events (same UIDs, a higher SEQUENCE), or takes cancelled ones away. The emails
are queued in the same transaction that marks the changes notified, so pressing the button twice
(or two organizers pressing it at once) sends nothing new the second time.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime

from idmevents import i18n, urls
from idmevents.audit import Actor
from idmevents.calendar_events import calendar_head, fill
from idmevents.db import locked, write_transaction
from idmevents.errors import NotFound
from idmevents.i18n import gettext
from idmevents.mail.message import Attachment, Email
from idmevents.mail.outbox import enqueue
from idmevents.mail.render import render_email
from idmevents.meetings import builder
from idmevents.meetings.tables import AgendaChange, Meeting, MeetingSession
from idmevents.registrations.emails import attendee, organizer
from idmevents.registrations.invitation import is_side_event, session_event
from idmevents.registrations.tables import Registration, SessionAttendance


@dataclass(frozen=True)
class NoticeResult:
    emails: int
    changes: int


async def pending_changes(meeting: dict) -> list[dict]:
    """Changes recorded since the last notice, oldest first."""
    return (
        await AgendaChange.select()
        .where(AgendaChange.meeting == meeting["id"])
        .where(AgendaChange.notified_at.is_null())
        .order_by(AgendaChange.changed_at)
        .order_by(AgendaChange.id)
        .output(load_json=True)
    )


async def notify_participants(slug: str, *, by: Actor, now: datetime) -> NoticeResult:
    """Queue one email per affected participant with all their changes since the last notice."""
    async with write_transaction():
        meeting = await locked(Meeting.select().where(Meeting.slug == slug)).first()
        if meeting is None:
            raise NotFound(gettext("There is no meeting called “%(slug)s”.") % {"slug": slug})
        changes = await pending_changes(meeting)
        if not changes:
            return NoticeResult(emails=0, changes=0)
        session_ids = sorted({c["meeting_session"] for c in changes})
        sessions = {
            row["id"]: row
            for row in await MeetingSession.select(
                MeetingSession.all_columns(), MeetingSession.room.name.as_alias("room_name")
            ).where(MeetingSession.id.is_in(session_ids))
        }
        registrations = (
            await Registration.select()
            .where(Registration.meeting == meeting["id"])
            .where(Registration.status == "confirmed")
            .order_by(Registration.id)
        )
        chosen: dict[int, set[int]] = defaultdict(set)
        if registrations:
            for row in await SessionAttendance.select(
                SessionAttendance.registration, SessionAttendance.meeting_session
            ).where(
                SessionAttendance.registration.is_in([r["id"] for r in registrations])
                & (SessionAttendance.status == "confirmed")
            ):
                chosen[row["registration"]].add(row["meeting_session"])
        sent = 0
        for registration in registrations:
            mine = chosen.get(registration["id"], set())
            relevant = [
                c
                for c in changes
                if not is_side_event(sessions[c["meeting_session"]]) or c["meeting_session"] in mine
            ]
            if relevant:
                await enqueue(
                    _notice_email(meeting, registration, relevant, sessions, now=now), now=now
                )
                sent += 1
        await AgendaChange.update({AgendaChange.notified_at: now}).where(
            AgendaChange.id.is_in([c["id"] for c in changes])
        )
        await Meeting.update({Meeting.last_notified_at: now}).where(Meeting.id == meeting["id"])
        await builder.audit(
            by,
            "meeting.notify",
            "meeting",
            meeting["id"],
            meeting_slug=slug,
            summary=f"Notified {sent} participant(s) of {len(changes)} change(s)",
            data={"emails": sent, "changes": [c["id"] for c in changes]},
            now=now,
        )
    return NoticeResult(emails=sent, changes=len(changes))


def _notice_email(
    meeting: dict,
    registration: dict,
    changes: list[dict],
    sessions: dict[int, dict],
    *,
    now: datetime,
) -> Email:
    language = registration["language"] or "en"
    token = i18n.set_language(language)
    try:
        lines = [
            builder.change_summary(c["kind"], c["before"], c["after"], meeting["timezone"])
            for c in changes
        ]
    finally:
        i18n.reset_language(token)
    changed_sessions = [sessions[i] for i in dict.fromkeys(c["meeting_session"] for c in changes)]
    subject, text, html = render_email(
        "agenda-changed",
        {
            "meeting": meeting,
            "registration": registration,
            "lines": lines,
            "sessions": changed_sessions,
            "meeting_url": urls.meeting_page(meeting["slug"]),
            "manage_url": urls.manage_page(registration["token"]),
        },
        language,
    )
    return Email(
        kind="agenda-changed",
        to_address=registration["email"],
        to_name=f"{registration['given_name']} {registration['family_name']}".strip(),
        subject=subject,
        text=text,
        html=html,
        attachments=changes_calendars(meeting, changed_sessions, registration, now=now),
        meeting_id=meeting["id"],
        registration_id=registration["id"],
    )


def changes_calendars(
    meeting: dict, sessions: list[dict], registration: dict, *, now: datetime
) -> tuple[Attachment, ...]:
    """The changed sessions as they are now, as updates of the events the person's invitation made.

    Same UIDs as the invitation and the feeds, the person as ATTENDEE, a SEQUENCE above the last
    message's (calendar_events): a METHOD:REQUEST moves the sessions still held, a METHOD:CANCEL
    takes away those cancelled (or all, when the meeting is cancelled). One object per method, as
    iTIP wants one METHOD per calendar object.
    """
    who, by = attendee(registration), organizer()

    def cancelled(row: dict) -> bool:
        return row["status"] == "cancelled" or meeting["status"] == "cancelled"

    attachments = []
    for method, filename, rows in (
        ("REQUEST", "agenda-changes.ics", [r for r in sessions if not cancelled(r)]),
        ("CANCEL", "agenda-cancellations.ics", [r for r in sessions if cancelled(r)]),
    ):
        if not rows:
            continue
        events = [
            session_event(
                meeting, row, organizer=by, attendee=who, now=now, cancelled=method == "CANCEL"
            )
            for row in rows
        ]
        attachments.append(
            Attachment(
                filename=filename,
                content_type="text/calendar",
                data=fill(calendar_head(method), events).to_ical(),
                method=method,
            )
        )
    return tuple(attachments)
