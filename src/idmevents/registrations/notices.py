"""Telling participants what changed: one email each, listing their changes, with their calendar updated.

A participant is affected by a change to a session of their agenda: every plenary session, and the
side events in which they hold a place (registrations.invitation). Only confirmed registrations
hear about changes: theirs are the calendars the confirmation's invitation filled, and the notice
updates those very events (same UIDs, a higher SEQUENCE), or takes cancelled ones away. The job
that queues the emails (`notice_job`) is queued in the same transaction that marks the changes
notified, so pressing the button twice (or two organizers pressing it at once) sends nothing new
the second time; the page answers at once, however many participants there are.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime

from icalendar import vText

from idmevents import content, i18n, urls
from idmevents.audit import Actor
from idmevents.calendar_events import calendar_head, fill
from idmevents.db import locked, write_transaction
from idmevents.errors import Conflict, NotFound
from idmevents.i18n import LANGUAGES, gettext
from idmevents.jobs import services as jobs
from idmevents.mail.message import Attachment, Email
from idmevents.mail.render import render_email
from idmevents.meetings import builder
from idmevents.meetings.tables import AgendaChange, Meeting, MeetingSession
from idmevents.registrations.emails import attendee, organizer, to_registrant
from idmevents.registrations.invitation import agenda_invitation, is_side_event, session_as_event
from idmevents.registrations.tables import Registration, SessionAttendance
from idmevents.registrations.views import remote_link

# The kind of the job that queues a notice's emails (registrations.notice_job runs it).
NOTICE_JOB = "agenda-notice"


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


@dataclass(frozen=True)
class Recipient:
    """A participant a notice would reach, and the changes it would tell them."""

    registration: dict
    changes: list[dict]


@dataclass(frozen=True)
class NoticePreview:
    """What pressing "Notify participants" would do now: who is told, and what each language reads."""

    meeting: dict
    changes: list[dict]
    recipients: list[Recipient]
    # language code → (subject, plain text, HTML) of the notice as a participant reads it
    samples: dict[str, tuple[str, str, str]]

    @property
    def change_ids(self) -> list[int]:
        return [c["id"] for c in self.changes]


async def changed_sessions(changes: list[dict]) -> dict[int, dict]:
    """The sessions `changes` concern, as they are now, with their room's name (by id)."""
    session_ids = sorted({c["meeting_session"] for c in changes})
    return {
        row["id"]: row
        for row in await MeetingSession.select(
            MeetingSession.all_columns(),
            MeetingSession.room.name.as_alias("room_name"),
            MeetingSession.room.translations.as_alias("room_translations"),
        ).where(MeetingSession.id.is_in(session_ids))
    }


async def audience(
    meeting: dict, changes: list[dict], sessions: dict[int, dict], *columns
) -> list[Recipient]:
    """The confirmed participants each change concerns (see the module), in registration order.

    `columns`: the registration's columns to read (all of them by default). The side events'
    places are read by session, not by registration: a meeting of tens of thousands has few
    changed side events but far more participants than an IN (...) list may hold.
    """
    registrations = (
        await Registration.select(*columns)
        .where(Registration.meeting == meeting["id"])
        .where(Registration.status == "confirmed")
        .where(Registration.email != "")  # delegates named without an address
        .order_by(Registration.id)
    )
    side_events = sorted(sid for sid, row in sessions.items() if is_side_event(row))
    chosen: dict[int, set[int]] = defaultdict(set)
    if registrations and side_events:
        for row in await SessionAttendance.select(
            SessionAttendance.registration, SessionAttendance.meeting_session
        ).where(
            SessionAttendance.meeting_session.is_in(side_events)
            & (SessionAttendance.status == "confirmed")
        ):
            chosen[row["registration"]].add(row["meeting_session"])
    plenary = [c for c in changes if not is_side_event(sessions[c["meeting_session"]])]
    recipients = []
    for registration in registrations:
        mine = chosen.get(registration["id"])
        relevant = (
            [
                c
                for c in changes
                if c["meeting_session"] in mine or not is_side_event(sessions[c["meeting_session"]])
            ]
            if mine
            else plenary
        )
        if relevant:
            recipients.append(Recipient(registration, relevant))
    return recipients


# Who the preview's sample emails are addressed to; the private link is left out of them.
SAMPLE_LINK = "https://…/r/…"


async def preview_notice(slug: str) -> NoticePreview:
    """Who would be told of the changes not yet announced, and the email in each language."""
    meeting = await Meeting.select().where(Meeting.slug == slug).first()
    if meeting is None:
        raise NotFound(gettext("There is no meeting called “%(slug)s”.") % {"slug": slug})
    changes = await pending_changes(meeting)
    if not changes:
        return NoticePreview(meeting, [], [], {})
    sessions = await changed_sessions(changes)
    # What the preview lists of each person: tens of thousands of rows at a large meeting.
    recipients = await audience(
        meeting,
        changes,
        sessions,
        Registration.id,
        Registration.given_name,
        Registration.family_name,
        Registration.email,
        Registration.language,
    )
    samples = {}
    for language in LANGUAGES:
        token = i18n.set_language(language)
        try:
            name = gettext("Participant")
        finally:
            i18n.reset_language(token)
        sample = {
            "given_name": name,
            "family_name": "",
            "email": "participant@example.org",
            "token": "",
            "language": language,
        }
        samples[language] = _render_notice(
            meeting, sample, changes, sessions, manage_url=SAMPLE_LINK
        )
    return NoticePreview(meeting, changes, recipients, samples)


async def queue_notice(
    slug: str, *, by: Actor, now: datetime, expected: list[int] | None = None
) -> int | None:
    """Queue the job that emails each affected participant once with all their changes since the
    last notice (`notice_job`); returns its id, None when there was nothing to announce.

    The changes are marked notified in the transaction that queues the job, so pressing the button
    twice (or two organizers pressing it at once) queues one job. `expected`: the changes the
    organizer saw in the preview. If others have been recorded since (or some were already
    announced), nothing is queued: Conflict, so the preview is shown again.
    """
    async with write_transaction():
        meeting = await locked(Meeting.select().where(Meeting.slug == slug)).first()
        if meeting is None:
            raise NotFound(gettext("There is no meeting called “%(slug)s”.") % {"slug": slug})
        changes = await pending_changes(meeting)
        if expected is not None and sorted(expected) != sorted(c["id"] for c in changes):
            raise Conflict(
                gettext(
                    "The agenda changed since this preview was shown: check the new preview "
                    "before sending."
                ),
                reason="stale-preview",
            )
        if not changes:
            return None
        change_ids = [c["id"] for c in changes]
        job_id = await jobs.enqueue(
            NOTICE_JOB,
            meeting_id=meeting["id"],
            params={
                "changes": change_ids,
                "noticed_at": now.isoformat(),
                "language": i18n.current_language(),
            },
            user_id=by.user_id,
            now=now,
        )
        await AgendaChange.update({AgendaChange.notified_at: now}).where(
            AgendaChange.id.is_in(change_ids)
        )
        await Meeting.update({Meeting.last_notified_at: now}).where(Meeting.id == meeting["id"])
        await builder.audit(
            by,
            "meeting.notify",
            "meeting",
            meeting["id"],
            meeting_slug=slug,
            summary=f"Queued the notice of {len(changes)} change(s) to participants (job {job_id})",
            data={"job": job_id, "changes": change_ids},
            now=now,
        )
    return job_id


def _render_notice(
    meeting: dict,
    registration: dict,
    changes: list[dict],
    sessions: dict[int, dict],
    *,
    manage_url: str,
) -> tuple[str, str, str]:
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
    return render_email(
        "agenda-changed",
        {
            "meeting": meeting,
            "registration": registration,
            "lines": lines,
            "sessions": changed_sessions,
            "meeting_url": urls.meeting_page(meeting["slug"]),
            "manage_url": manage_url,
        },
        language,
    )


def notice_email(
    meeting: dict,
    registration: dict,
    changes: list[dict],
    sessions: dict[int, dict],
    *,
    now: datetime,
) -> Email:
    rendered = _render_notice(
        meeting,
        registration,
        changes,
        sessions,
        manage_url=urls.manage_page(registration["token"]),
    )
    language = registration["language"] or "en"
    original = content.original_language(meeting)
    localized = content.localized(meeting, content.MEETING_TEXT, language)
    changed_sessions = [
        _session_in(sessions[i], language, original)
        for i in dict.fromkeys(c["meeting_session"] for c in changes)
    ]
    with i18n.speaking(language):  # the calendars' labels and lines in the person's language
        attachments = changes_calendars(localized, changed_sessions, registration, now=now)
    return to_registrant("agenda-changed", registration, meeting, rendered, attachments)


def _session_in(row: dict, language: str, original: str) -> dict:
    """A changed session with its title, description and room's name in `language`."""
    room = {"name": row.get("room_name") or "", "translations": row.get("room_translations")}
    return content.localized(row, content.SESSION_TEXT, language, original=original) | {
        "room_name": content.text(room, "name", language, original=original)
    }


def _titled(view: dict, session: dict) -> dict:
    """A change's frozen view, named by the session's title in the reader's language."""
    return view | {"title": session["title"]} if view.get("title") else view


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
    remote_url = remote_link(meeting, registration)  # an online participant's own, as invited

    def cancelled(row: dict) -> bool:
        return row["status"] == "cancelled" or meeting["status"] == "cancelled"

    attachments = []
    for method, filename, rows in (
        ("REQUEST", "agenda-changes.ics", [r for r in sessions if not cancelled(r)]),
        ("CANCEL", "agenda-cancellations.ics", [r for r in sessions if cancelled(r)]),
    ):
        if not rows:
            continue
        data = agenda_invitation(
            method=method,
            meeting=meeting,
            sessions=rows,
            organizer=by,
            attendee=who,
            now=now,
            remote_url=remote_url,
        )
        attachments.append(
            Attachment(filename=filename, content_type="text/calendar", data=data, method=method)
        )
    return tuple(attachments)


def changes_calendar(meeting: dict, sessions: list[dict], *, remote_url: str = "") -> bytes:
    """The changed sessions as they are now, with their UIDs and SEQUENCEs: calendars update them.

    Each event is written as the meeting's feed writes it (idmevents.calendar_events): same UID,
    SEQUENCE and DTSTAMP (the session's last change, not the time of the notice), so a calendar
    that also subscribes to the feed sees one version of each session. METHOD:PUBLISH, because
    participants are not invitees whose replies we collect; a cancelled session (or any session of
    a cancelled meeting) goes out with STATUS:CANCELLED so calendars strike it rather than keep the
    old time. The webcast and, for an online participant, `remote_url` are CONFERENCEs, as in the
    person's feed (calendar_events.online_links), labelled in the current language.
    """
    events = [
        session_as_event(
            meeting,
            row,
            sequence=row["sequence"],
            description=row["description"] or "",
            remote_url=remote_url,
        )
        for row in sessions
    ]
    head = calendar_head("PUBLISH")
    head.add("X-WR-CALNAME", vText(meeting["title"]))
    return fill(head, events).to_ical()
