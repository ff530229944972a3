"""Agenda changes made the way the agenda builder makes them, for tests of feeds.

Every change a calendar can see bumps the session's SEQUENCE and updated_at and moves the
meeting's agenda_changed_at (notes/interfaces.md), which is all a feed relies on.
"""

from __future__ import annotations

import secrets
from datetime import datetime

from idmevents.db import write_transaction
from idmevents.meetings.tables import Meeting, MeetingSession
from idmevents.registrations.tables import Registration, SessionAttendance


async def _touch(session_id: int, values: dict, now: datetime) -> None:
    async with write_transaction():
        await MeetingSession.update(
            {
                **values,
                MeetingSession.sequence: MeetingSession.sequence + 1,
                MeetingSession.updated_at: now,
            }
        ).where(MeetingSession.id == session_id)
        row = await MeetingSession.select(MeetingSession.meeting).where(
            MeetingSession.id == session_id
        )
        await Meeting.update({Meeting.agenda_changed_at: now}).where(
            Meeting.id == row[0]["meeting"]
        )


async def retime_session(
    session_id: int, *, starts_at: datetime, ends_at: datetime, now: datetime
) -> None:
    await _touch(
        session_id, {MeetingSession.starts_at: starts_at, MeetingSession.ends_at: ends_at}, now
    )


async def cancel_session(session_id: int, *, now: datetime) -> None:
    await _touch(session_id, {MeetingSession.status: "cancelled"}, now)


async def add_session(
    meeting_slug: str, *, title: str, starts_at: datetime, ends_at: datetime, now: datetime
) -> int:
    async with write_transaction():
        meeting = await Meeting.select(Meeting.id).where(Meeting.slug == meeting_slug).first()
        rows = await MeetingSession.insert(
            MeetingSession(
                meeting=meeting["id"],
                uid=f"{meeting_slug}-{secrets.token_hex(6)}@idmevents",
                title=title,
                kind="side-event",
                starts_at=starts_at,
                ends_at=ends_at,
                created_at=now,
                updated_at=now,
            )
        ).returning(MeetingSession.id)
        await Meeting.update({Meeting.agenda_changed_at: now}).where(Meeting.id == meeting["id"])
    return rows[0]["id"]


async def session_id(uid: str) -> int:
    row = await MeetingSession.select(MeetingSession.id).where(MeetingSession.uid == uid).first()
    return row["id"]


async def make_registration(
    meeting_slug: str,
    *,
    status: str = "confirmed",
    email: str = "ana.silva@example.org",
    choices: dict[int, str] | None = None,
) -> dict:
    """A registration with its private tokens, and its chosen sessions ({session id: status})."""
    meeting = await Meeting.select(Meeting.id).where(Meeting.slug == meeting_slug).first()
    token, feed_token = secrets.token_urlsafe(32), secrets.token_urlsafe(32)
    rows = await Registration.insert(
        Registration(
            meeting=meeting["id"],
            token=token,
            feed_token=feed_token,
            given_name="Ana",
            family_name="Silva",
            email=email,
            email_key=email.lower(),
            category="member-state",
            status=status,
        )
    ).returning(Registration.id)
    for chosen, attendance in (choices or {}).items():
        await SessionAttendance.insert(
            SessionAttendance(registration=rows[0]["id"], meeting_session=chosen, status=attendance)
        )
    return {"id": rows[0]["id"], "token": token, "feed_token": feed_token}
