"""The confirmation's calendar is the person's agenda, and the later emails update and remove it.

One event per session the person attends (every plenary session, and the side events in which
they hold a place), each with the UID the feeds give that session, the secretariat as ORGANIZER
and the person as ATTENDEE; an agenda-change notice updates those very events (same UIDs, higher
SEQUENCE) and a cancellation takes them all away (METHOD:CANCEL). Read back by three parsers:
icalendar, vobject and ical.js.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import vobject
from icalendar import Calendar

from idmevents.audit import PARTICIPANT, SYSTEM
from idmevents.feeds import services as feeds
from idmevents.meetings import builder
from idmevents.registrations import services
from tests.factories.meetings import NOW, make_meeting, make_session
from tests.factories.registrations import form
from tests.support import icaljs
from tests.support.icaljs import read_with_icaljs
from tests.support.notices import notify
from tests.support.outbox import calendar_part, outbox_messages

LATER = NOW + timedelta(days=1)
LATEST = NOW + timedelta(days=2)


def at(day: int, hour: int) -> datetime:
    return datetime(2027, 4, day, hour, tzinfo=UTC)


async def a_meeting_with_side_events() -> tuple[dict, dict[str, dict]]:
    meeting = await make_meeting(capacity=10)
    sessions = {
        "opening": await make_session(meeting, "opening", starts_at=at(20, 14), kind="opening"),
        "chosen": await make_session(
            meeting, "chosen", starts_at=at(20, 16), kind="side-event", capacity=20
        ),
        "other": await make_session(meeting, "other", starts_at=at(20, 16), kind="side-event"),
        "lunch": await make_session(meeting, "lunch", starts_at=at(21, 17), kind="break"),
        "panel": await make_session(meeting, "panel", starts_at=at(21, 19)),
    }
    await notify(meeting["slug"], now=NOW)
    return meeting, sessions


def calendars_of(message) -> list[bytes]:
    return [
        part.get_content().encode()
        for part in message.walk()
        if part.get_content_type() == "text/calendar"
    ]


def three_readings(data: bytes) -> list[tuple[str, list[tuple[str, int, int]]]]:
    """(METHOD, [(UID, SEQUENCE, start as Unix time)]) as icalendar, vobject and ical.js read it."""
    by_icalendar = Calendar.from_ical(data)
    by_vobject = vobject.readOne(data.decode())
    readings = [
        (
            str(by_icalendar["METHOD"]),
            [
                (str(e["UID"]), int(e["SEQUENCE"]), int(e.start.timestamp()))
                for e in by_icalendar.walk("VEVENT")
            ],
        ),
        (
            by_vobject.method.value,
            [
                (e.uid.value, int(e.sequence.value), int(e.dtstart.value.timestamp()))
                for e in by_vobject.vevent_list
            ],
        ),
    ]
    if icaljs.available():  # else its own test below is skipped, and says why
        by_icaljs = read_with_icaljs(data)
        readings.append(
            (
                by_icaljs["method"],
                [(e["uid"], e["sequence"], e["start"]) for e in by_icaljs["events"]],
            )
        )
    return readings


def one_reading(data: bytes) -> tuple[str, list[tuple[str, int, int]]]:
    """The readings of the three parsers, which must agree."""
    first, *others = three_readings(data)
    assert others == [first] * len(others)
    return first


async def test_the_invitation_notice_and_cancellation_speak_of_the_same_events():
    meeting, sessions = await a_meeting_with_side_events()
    result = await services.register(meeting, form(1, sessions=[sessions["chosen"]["id"]]), now=NOW)
    [confirmation] = await outbox_messages("registration-confirmed")
    [invitation] = calendars_of(confirmation)
    method, events = one_reading(invitation)
    agenda = [sessions[key] for key in ("opening", "chosen", "lunch", "panel")]
    assert method == "REQUEST"
    assert [uid for uid, _, _ in events] == [s["uid"] for s in agenda]
    assert [start for _, _, start in events] == [int(s["starts_at"].timestamp()) for s in agenda]

    # The feed gives the same sessions the same UIDs, and the same ORGANIZER.
    feed = await feeds.meeting_calendar(meeting["slug"], base_url="https://testserver.local")
    published = {str(e["UID"]): e for e in Calendar.from_ical(feed.body).walk("VEVENT")}
    sent = {str(e["UID"]): e for e in Calendar.from_ical(invitation).walk("VEVENT")}
    assert set(sent) <= set(published)
    assert {str(e["ORGANIZER"]) for e in published.values()} == {"mailto:noreply@localhost"}
    for uid, event in sent.items():
        assert str(event["ORGANIZER"]) == str(published[uid]["ORGANIZER"])
        assert (str(event["ATTENDEE"]), event["ATTENDEE"].params["PARTSTAT"]) == (
            "mailto:person1@example.org",
            "ACCEPTED",
        )

    # The opening moves: the notice updates the invitation's event of that session.
    await builder.update_session(
        sessions["opening"]["id"],
        {"starts_at": at(20, 15), "ends_at": at(20, 16)},
        by=SYSTEM,
        now=LATER,
    )
    await notify(meeting["slug"], now=LATER)
    [notice] = await outbox_messages("agenda-changed")
    [update] = calendars_of(notice)
    method, updated = one_reading(update)
    assert method == "REQUEST"
    assert updated == [(sessions["opening"]["uid"], updated[0][1], int(at(20, 15).timestamp()))]
    assert updated[0][1] > events[0][1]

    # Cancelling the registration takes every event of the agenda away.
    await services.cancel(result.registration["id"], by=PARTICIPANT, now=LATEST)
    [cancellation] = await outbox_messages("registration-cancelled")
    [cancel] = calendars_of(cancellation)
    method, cancelled = one_reading(cancel)
    assert method == "CANCEL"
    assert sorted(uid for uid, _, _ in cancelled) == sorted(s["uid"] for s in agenda)
    assert min(sequence for _, sequence, _ in cancelled) > updated[0][1]
    assert {str(e["STATUS"]) for e in Calendar.from_ical(cancel).walk("VEVENT")} == {"CANCELLED"}
    part = calendar_part(cancellation)
    assert (part.get_param("method"), part.get_filename()) == ("CANCEL", "cancellation.ics")


async def test_the_invitation_holds_only_the_side_events_chosen():
    meeting, sessions = await a_meeting_with_side_events()
    await services.register(meeting, form(1, sessions=[sessions["other"]["id"]]), now=NOW)
    [confirmation] = await outbox_messages("registration-confirmed")
    [invitation] = calendars_of(confirmation)
    _, events = one_reading(invitation)
    # "other" has no capacity, so the place is held: it is on the agenda; "chosen" is not.
    assert [uid for uid, _, _ in events] == [
        sessions[key]["uid"] for key in ("opening", "other", "lunch", "panel")
    ]


async def test_icaljs_reads_the_organizer_and_the_attendee():
    meeting, _ = await a_meeting_with_side_events()
    await services.register(meeting, form(1), now=NOW)
    [confirmation] = await outbox_messages("registration-confirmed")
    [invitation] = calendars_of(confirmation)
    read = read_with_icaljs(invitation)  # skipped, saying why, without node and ical.js
    assert read["method"] == "REQUEST"
    assert {(e["organizer"], e["attendee"], e["partstat"]) for e in read["events"]} == {
        ("mailto:noreply@localhost", "mailto:person1@example.org", "ACCEPTED")
    }
