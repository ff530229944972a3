"""Telling participants what changed: one email each, listing their changes, with an updated .ics.

A participant is affected by a change if they chose that session, or if they chose no session at
all (they follow the whole meeting). Only confirmed registrations hear about changes. The emails
are queued in the same transaction that marks the changes notified, so pressing the button twice
(or two organizers pressing it at once) sends nothing new the second time.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from icalendar import Calendar, Event

from idmevents import i18n
from idmevents.audit import Actor
from idmevents.db import locked, write_transaction
from idmevents.errors import NotFound
from idmevents.i18n import gettext
from idmevents.mail.message import Attachment, Email
from idmevents.mail.outbox import enqueue
from idmevents.mail.render import render_email
from idmevents.meetings import builder
from idmevents.meetings.tables import AgendaChange, Meeting, MeetingSession
from idmevents.registrations.tables import Registration, SessionAttendance
from idmevents.settings import get_settings
from idmevents.vtimezone import vtimezone


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
            ).where(SessionAttendance.registration.is_in([r["id"] for r in registrations])):
                chosen[row["registration"]].add(row["meeting_session"])
        sent = 0
        for registration in registrations:
            mine = chosen.get(registration["id"])
            relevant = [c for c in changes if not mine or c["meeting_session"] in mine]
            if relevant:
                await enqueue(
                    _notice_email(meeting, registration, relevant, sessions, now), now=now
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
    base_url = get_settings().base_url
    subject, text, html = render_email(
        "agenda-changed",
        {
            "meeting": meeting,
            "registration": registration,
            "lines": lines,
            "sessions": changed_sessions,
            "meeting_url": f"{base_url}/meetings/{meeting['slug']}",
            "manage_url": f"{base_url}/r/{registration['token']}",
        },
        language,
    )
    calendar = changes_calendar(meeting, changed_sessions, now)
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


def changes_calendar(meeting: dict, sessions: list[dict], now: datetime) -> bytes:
    """The changed sessions as they are now, with their UIDs and SEQUENCEs: calendars update them.

    METHOD:PUBLISH, because participants are not invitees whose replies we collect; a cancelled
    session goes out with STATUS:CANCELLED so calendars strike it rather than keep the old time.
    """
    calendar = Calendar()
    calendar.add("prodid", "-//IOM//idmevents//EN")
    calendar.add("version", "2.0")
    calendar.add("method", "PUBLISH")
    calendar.add("x-wr-calname", meeting["title"])
    zone = ZoneInfo(meeting["timezone"])
    first: date | None = None
    last: date | None = None
    for row in sessions:
        event = Event()
        event.add("uid", row["uid"])
        event.add("sequence", row["sequence"])
        event.add("dtstamp", now.astimezone(UTC))
        event.add("last-modified", row["updated_at"].astimezone(UTC))
        event.add("dtstart", row["starts_at"].astimezone(zone))
        event.add("dtend", row["ends_at"].astimezone(zone))
        event.add("summary", row["title"])
        location = ", ".join(
            part for part in (row.get("room_name"), meeting["venue_name"], meeting["city"]) if part
        )
        if location:
            event.add("location", location)
        if row["description"]:
            event.add("description", row["description"])
        event.add("status", "CANCELLED" if row["status"] == "cancelled" else "CONFIRMED")
        event.add(
            "url", f"{get_settings().base_url}/meetings/{meeting['slug']}#session-{row['id']}"
        )
        calendar.add_component(event)
        day = row["starts_at"].astimezone(zone).date()
        first = day if first is None or day < first else first
        last = day if last is None or day > last else last
    if first is not None and last is not None:
        # The zone as the feeds write it (idmevents.vtimezone): the rules of the events' years,
        # ahead of the events that use it.
        calendar.subcomponents.insert(0, vtimezone(meeting["timezone"], first.year, last.year))
    return calendar.to_ical()
