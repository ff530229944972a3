"""The agenda builder's interpretation rules: a new session takes the meeting's languages unless
given its own, a bad code changes nothing, and a copy of the meeting keeps them."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from idmevents.audit import SYSTEM
from idmevents.errors import InvalidInput
from idmevents.meetings import builder
from idmevents.meetings.tables import Meeting, MeetingSession

NOW = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)
SESSION = {
    "title": "Interpreted panel",
    "starts_at": datetime(2027, 4, 20, 18, tzinfo=UTC),
    "ends_at": datetime(2027, 4, 20, 19, tzinfo=UTC),
}


async def test_new_sessions_take_the_meetings_languages_unless_given(demo):
    await builder.update_meeting(
        "idm-new-york", {"interpretation": ["ar", "EN", "fr", "ar"]}, by=SYSTEM, now=NOW
    )
    meeting = await builder.get_meeting_any("idm-new-york")
    assert meeting["interpretation"] == "ar,en,fr"
    plain = await builder.create_session("idm-new-york", SESSION, by=SYSTEM, now=NOW)
    own = await builder.create_session(
        "idm-new-york", SESSION | {"interpretation": ["es"]}, by=SYSTEM, now=NOW
    )
    assert (plain["interpretation"], own["interpretation"]) == ("ar,en,fr", "es")


async def test_a_bad_code_changes_nothing(demo):
    session = await MeetingSession.select().first()
    with pytest.raises(InvalidInput) as refused:
        await builder.update_session(
            session["id"], {"interpretation": ["en", "elvish"]}, by=SYSTEM, now=NOW
        )
    assert set(refused.value.fields) == {"interpretation"}
    after = await MeetingSession.select().where(MeetingSession.id == session["id"]).first()
    assert (after["interpretation"], after["sequence"]) == ("", session["sequence"])
    with pytest.raises(InvalidInput):
        await builder.update_meeting(
            "idm-new-york", {"interpretation": "en;fr"}, by=SYSTEM, now=NOW
        )
    assert (await Meeting.select(Meeting.interpretation).first())["interpretation"] == ""


async def test_a_copy_of_the_meeting_keeps_its_languages(demo):
    await builder.update_meeting(
        "idm-new-york", {"interpretation": ["en", "fr"]}, by=SYSTEM, now=NOW
    )
    first = (
        await MeetingSession.select(MeetingSession.id)
        .where(MeetingSession.meeting.slug == "idm-new-york")
        .order_by(MeetingSession.starts_at)
        .first()
    )
    await builder.update_session(first["id"], {"interpretation": ["ar", "es"]}, by=SYSTEM, now=NOW)
    copy = await builder.duplicate_meeting(
        "idm-new-york",
        slug="idm-copy",
        starts_on=date(2027, 10, 5),
        timezone="Europe/Zurich",
        by=SYSTEM,
        now=NOW,
    )
    assert copy["interpretation"] == "en,fr"
    copied = (
        await MeetingSession.select(MeetingSession.interpretation)
        .where(MeetingSession.meeting == copy["id"])
        .order_by(MeetingSession.starts_at)
        .first()
    )
    assert copied == {"interpretation": "ar,es"}
