"""Telling participants what changed: one email each, listing their changes, with an updated .ics.

A participant is affected by a change if they chose that session, or if they chose no session at
all (they follow the whole meeting). Only confirmed registrations hear about changes. The emails
are queued in the same transaction that marks the changes notified, so pressing the button twice
(or two organizers pressing it at once) sends nothing new the second time.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime

from icalendar import vText

from idmevents import content, i18n, urls
from idmevents.audit import Actor
from idmevents.calendar_events import CalendarEvent, calendar_head, fill, location
from idmevents.db import locked, write_transaction
from idmevents.errors import NotFound
from idmevents.i18n import gettext
from idmevents.mail.message import Attachment, Email
from idmevents.mail.outbox import enqueue
from idmevents.mail.render import render_email
from idmevents.meetings import builder
from idmevents.meetings.tables import AgendaChange, Meeting, MeetingSession
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
                MeetingSession.all_columns(),
                MeetingSession.room.name.as_alias("room_name"),
                MeetingSession.room.translations.as_alias("room_translations"),
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
            ).where(SessionAttendance.registration.is_in([r["id"] for r in registrations])):
                chosen[row["registration"]].add(row["meeting_session"])
        sent = 0
        for registration in registrations:
            mine = chosen.get(registration["id"])
            relevant = [c for c in changes if not mine or c["meeting_session"] in mine]
            if relevant:
                await enqueue(_notice_email(meeting, registration, relevant, sessions), now=now)
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
) -> Email:
    language = registration["language"] or "en"
    # Meeting content in the person's language where it is translated (idmevents.content).
    original = content.original_language(meeting)
    meeting = content.localized(meeting, content.MEETING_TEXT, language)
    sessions = {sid: _session_in(row, language, original) for sid, row in sessions.items()}
    token = i18n.set_language(language)
    try:
        lines = [
            builder.change_summary(
                c["kind"],
                _titled(c["before"], sessions[c["meeting_session"]]),
                _titled(c["after"], sessions[c["meeting_session"]]),
                meeting["timezone"],
            )
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
    calendar = changes_calendar(meeting, changed_sessions)
    return Email(
        kind="agenda-changed",
        to_address=registration["email"],
        to_name=f"{registration['given_name']} {registration['family_name']}".strip(),
        subject=subject,
        text=text,
        html=html,
        attachments=(
            Attachment(
                filename="agenda-changes.ics",
                content_type="text/calendar",
                data=calendar,
                method="PUBLISH",
            ),
        ),
        meeting_id=meeting["id"],
        registration_id=registration["id"],
    )


def _session_in(row: dict, language: str, original: str) -> dict:
    """A changed session with its title, description and room's name in `language`."""
    room = {"name": row.get("room_name") or "", "translations": row.get("room_translations")}
    return content.localized(row, content.SESSION_TEXT, language, original=original) | {
        "room_name": content.text(room, "name", language, original=original)
    }


def _titled(view: dict, session: dict) -> dict:
    """A change's frozen view, named by the session's title in the reader's language."""
    return view | {"title": session["title"]} if view.get("title") else view


def changes_calendar(meeting: dict, sessions: list[dict]) -> bytes:
    """The changed sessions as they are now, with their UIDs and SEQUENCEs: calendars update them.

    Each event is written as the meeting's feed writes it (idmevents.calendar_events): same UID,
    SEQUENCE and DTSTAMP (the session's last change, not the time of the notice), so a calendar
    that also subscribes to the feed sees one version of each session. METHOD:PUBLISH, because
    participants are not invitees whose replies we collect; a cancelled session (or any session of
    a cancelled meeting) goes out with STATUS:CANCELLED so calendars strike it rather than keep the
    old time.
    """
    events = [
        CalendarEvent(
            uid=row["uid"],
            start=row["starts_at"],
            end=row["ends_at"],
            timezone=meeting["timezone"],
            summary=row["title"],
            changed_at=row["updated_at"],
            sequence=row["sequence"],
            cancelled=row["status"] == "cancelled" or meeting["status"] == "cancelled",
            description=row["description"] or "",
            location=location(
                row.get("room_name"), meeting["venue_name"], meeting["venue_address"]
            ),
            url=urls.session_anchor(meeting["slug"], row["id"]),
            created_at=row["created_at"],
            busy=row["kind"] != "break",  # as in the feeds: a break keeps nobody busy
        )
        for row in sessions
    ]
    head = calendar_head("PUBLISH")
    head.add("X-WR-CALNAME", vText(meeting["title"]))
    return fill(head, events).to_ical()
