"""Reminders: when they are due, who gets which, what they say, and never twice."""

import asyncio
import email
import json
from datetime import UTC, date, datetime, timedelta
from email.policy import default

import pytest
from icalendar import Calendar

from idmevents import clock
from idmevents.audit import SYSTEM
from idmevents.errors import InvalidInput
from idmevents.mail import recipes
from idmevents.mail.tables import OutboxMessage
from idmevents.meetings import builder
from idmevents.meetings.reminder_schedule import canonical_offsets, parse_offset, schedule
from idmevents.registrations import reminders
from idmevents.registrations.tables import Registration, ReminderDelivery
from tests.unit.registrations.test_notices import (
    NOW,
    ny,
    published_meeting_with_two_sessions,
    register,
)

# The meeting (published_meeting_with_two_sessions) starts on 20 April 2027, 10:00 in New York.
SEVEN_DAYS_BEFORE = datetime(2027, 4, 13, 9, 0, tzinfo=ny(9).tzinfo)
ONE_DAY_BEFORE = datetime(2027, 4, 19, 9, 0, tzinfo=ny(9).tzinfo)


def test_offsets_are_canonical_and_checked():
    assert canonical_offsets(["-P1D", "-P1W", "PT2H", "-P1D"]) == ["-P7D", "-P1D", "PT2H"]
    assert parse_offset("-PT90M").canonical() == "-PT1H30M"
    for bad in ("", "P", "-P0D", "7 days", "-P400D", "PT", "P1Y"):
        with pytest.raises(ValueError):
            parse_offset(bad)


def test_schedule_days_before_mean_nine_in_the_morning_where_the_meeting_is():
    meeting = {
        "timezone": "America/New_York",
        "starts_on": date(2027, 4, 20),
        "ends_on": date(2027, 4, 21),
        "reminders": '["-P7D", "-P1D", "-PT2H", "PT2H"]',
    }
    found = schedule(meeting, ny(10), datetime(2027, 4, 21, 17, tzinfo=ny(9).tzinfo))
    assert [(r.offset, r.due_at, r.cutoff_at, r.follow_up) for r in found] == [
        ("-P7D", SEVEN_DAYS_BEFORE.astimezone(UTC), ny(10).astimezone(UTC), False),
        ("-P1D", ONE_DAY_BEFORE.astimezone(UTC), ny(10).astimezone(UTC), False),
        ("-PT2H", ny(8).astimezone(UTC), ny(10).astimezone(UTC), False),
        (
            "PT2H",
            datetime(2027, 4, 21, 19, tzinfo=ny(9).tzinfo).astimezone(UTC),
            datetime(2027, 4, 28, 19, tzinfo=ny(9).tzinfo).astimezone(UTC),
            True,
        ),
    ]


async def rows(kind=reminders.KIND) -> list[dict]:
    return await OutboxMessage.select().where(OutboxMessage.kind == kind).order_by(OutboxMessage.id)


async def test_due_reminders_go_to_confirmed_and_waitlisted_once_each():
    meeting, _, _ = await published_meeting_with_two_sessions()
    ana = await register(meeting["id"], "Ana")
    ben = await register(meeting["id"], "Ben", status="waitlisted")
    await Registration.update({Registration.waitlist_seq: 1}).where(Registration.id == ben)
    await register(meeting["id"], "Cleo", status="cancelled")
    await register(meeting["id"], "Dan", status="pending")

    assert await reminders.queue_due_reminders(SEVEN_DAYS_BEFORE - timedelta(minutes=1)) == 0
    at = SEVEN_DAYS_BEFORE + timedelta(minutes=1)
    assert await reminders.queue_due_reminders(at) == 2
    assert await reminders.queue_due_reminders(at) == 0  # again: nothing new
    queued = await rows()
    assert sorted((r["registration"], r["to_address"]) for r in queued) == [
        (ana, "ana@example.org"),
        (ben, "ben@example.org"),
    ]
    # Both reminders due at once (the worker was down a week): each goes out, late.
    assert await reminders.queue_due_reminders(ONE_DAY_BEFORE + timedelta(hours=2)) == 2
    # After the start, nothing more; and the cut-off holds for a reminder added late.
    await builder.update_meeting(
        "idm-test", {"reminders": ["-P7D", "-P1D", "-P3D"]}, by=SYSTEM, now=NOW
    )
    assert await reminders.queue_due_reminders(ny(11)) == 0
    deliveries = await ReminderDelivery.select(
        ReminderDelivery.registration, ReminderDelivery.reminder_offset, ReminderDelivery.status
    ).order_by(ReminderDelivery.id)
    assert sorted((d["registration"], d["reminder_offset"], d["status"]) for d in deliveries) == [
        (ana, "-P1D", "confirmed"),
        (ana, "-P7D", "confirmed"),
        (ben, "-P1D", "waitlisted"),
        (ben, "-P7D", "waitlisted"),
    ]


async def test_an_edited_schedule_never_repeats_a_reminder_already_sent():
    meeting, _, _ = await published_meeting_with_two_sessions()
    await register(meeting["id"], "Ana")
    at = ONE_DAY_BEFORE + timedelta(minutes=5)
    assert await reminders.queue_due_reminders(at) == 2  # -P7D (late) and -P1D
    await builder.update_meeting("idm-test", {"reminders": ["-P1D"]}, by=SYSTEM, now=NOW)
    await builder.update_meeting(
        "idm-test", {"reminders": ["-P1W", "-P1D", "-PT1H"]}, by=SYSTEM, now=NOW
    )
    assert await reminders.queue_due_reminders(at) == 0
    assert await reminders.queue_due_reminders(ny(9) + timedelta(minutes=1)) == 1  # -PT1H, new


async def test_concurrent_runs_queue_each_reminder_once():
    meeting, _, _ = await published_meeting_with_two_sessions()
    for n in range(30):
        await register(meeting["id"], f"P{n}")
    at = SEVEN_DAYS_BEFORE + timedelta(minutes=1)
    counts = await asyncio.gather(*(reminders.queue_due_reminders(at) for _ in range(4)))
    assert sum(counts) == 30
    assert len(await rows()) == 30


async def test_registered_after_the_reminder_was_due_gets_none_of_it():
    meeting, _, _ = await published_meeting_with_two_sessions()
    late = await register(meeting["id"], "Late")
    await Registration.update(
        {Registration.created_at: SEVEN_DAYS_BEFORE + timedelta(days=1)}
    ).where(Registration.id == late)
    assert await reminders.queue_due_reminders(SEVEN_DAYS_BEFORE + timedelta(days=2)) == 0
    assert await reminders.queue_due_reminders(ONE_DAY_BEFORE) == 1


async def test_switched_off_meeting_sends_no_reminder():
    meeting, _, _ = await published_meeting_with_two_sessions()
    await register(meeting["id"], "Ana")
    await reminders.set_reminders_enabled("idm-test", False, by=SYSTEM, now=NOW)
    assert await reminders.queue_due_reminders(ONE_DAY_BEFORE) == 0
    await reminders.set_reminders_enabled("idm-test", True, by=SYSTEM, now=NOW)
    assert await reminders.queue_due_reminders(ONE_DAY_BEFORE) == 2


async def test_reminder_schedule_input_is_checked():
    await published_meeting_with_two_sessions()
    with pytest.raises(InvalidInput) as caught:
        await builder.update_meeting(
            "idm-test", {"reminders": ["-P7D", "soon"]}, by=SYSTEM, now=NOW
        )
    assert set(caught.value.fields) == {"reminders"}
    with pytest.raises(InvalidInput) as caught:
        await builder.update_meeting(
            "idm-test", {"follow_up_url": "javascript:alert(1)"}, by=SYSTEM, now=NOW
        )
    assert set(caught.value.fields) == {"follow_up_url"}
    updated = await builder.update_meeting(
        "idm-test",
        {"reminders": ["P1D", "-P1W"], "follow_up_url": "https://www.iom.int/idm"},
        by=SYSTEM,
        now=NOW,
    )
    assert json.loads(updated["reminders"]) == ["-P7D", "P1D"]


def parsed(raw: str) -> email.message.EmailMessage:
    return email.message_from_string(raw, policy=default)


@pytest.mark.parametrize(
    ("language", "words"),
    [
        ("en", ["is coming soon", "Your badge", "What changed since you registered"]),
        ("fr", ["approche", "Votre badge", "Ce qui a changé depuis votre inscription"]),
        ("es", ["se acerca", "Su credencial", "Lo que ha cambiado desde su inscripción"]),
    ],
)
async def test_confirmed_reminder_lists_sessions_changes_links_and_calendar(language, words):
    meeting, first, _ = await published_meeting_with_two_sessions()
    ana = await register(meeting["id"], "Ana", sessions=[first["id"]])
    await Registration.update(
        {Registration.language: language, Registration.created_at: NOW}
    ).where(Registration.id == ana)
    await builder.update_session(
        first["id"],
        {"starts_at": ny(12), "ends_at": ny(13)},
        by=SYSTEM,
        now=NOW + timedelta(days=1),
    )
    await reminders.queue_due_reminders(ONE_DAY_BEFORE)
    row = (await rows())[0]
    message = parsed(await recipes.rendered_raw(row["id"]))
    text = message.get_body(preferencelist=("plain",)).get_content()
    html = message.get_body(preferencelist=("html",)).get_content()
    registration = await Registration.select().where(Registration.id == ana).first()
    for word in words:
        assert word in text
    assert f"/r/{registration['token']}/badge" in text
    assert f"/r/{registration['feed_token']}/agenda.ics" in text
    assert "Panel 1" in text and "Panel 2" not in text  # their sessions only
    assert "12:00" in text  # the session's local time, after the change
    assert 'name="viewport"' in html
    ics = next(p for p in message.iter_attachments() if p.get_content_type() == "text/calendar")
    events = Calendar.from_ical(ics.get_content()).walk("VEVENT")
    assert [str(e["UID"]) for e in events] == [first["uid"]]


async def test_waitlisted_reminder_gives_the_position_and_no_calendar():
    meeting, _, _ = await published_meeting_with_two_sessions()
    for n, name in enumerate(["Ana", "Ben"], start=1):
        rid = await register(meeting["id"], name, status="waitlisted")
        await Registration.update({Registration.waitlist_seq: n}).where(Registration.id == rid)
    await builder.update_meeting("idm-test", {"reminders": ["-P1D"]}, by=SYSTEM, now=NOW)
    assert await reminders.queue_due_reminders(ONE_DAY_BEFORE) == 2
    messages = {
        str(m["To"]): m for m in [parsed(await recipes.rendered_raw(r["id"])) for r in await rows()]
    }
    ben = messages["Ben Tester <ben@example.org>"]
    assert str(ben["Subject"]) == (
        "Reminder: you are number 2 on the waiting list for IDM test workshop"
    )
    text = ben.get_body(preferencelist=("plain",)).get_content()
    assert "still on the waiting list, at number 2" in text
    assert "/badge" not in text
    assert list(ben.iter_attachments()) == []


async def test_follow_up_goes_to_confirmed_people_with_the_organizers_link():
    meeting, _, _ = await published_meeting_with_two_sessions()
    await register(meeting["id"], "Ana")
    await register(meeting["id"], "Ben", status="waitlisted")
    await builder.update_meeting(
        "idm-test",
        {"reminders": ["P1D"], "follow_up_url": "https://www.iom.int/idm-material"},
        by=SYSTEM,
        now=NOW,
    )
    assert await reminders.queue_due_reminders(datetime(2027, 4, 22, 16, tzinfo=UTC)) == 1
    message = parsed(await recipes.rendered_raw((await rows())[0]["id"]))
    assert "Thank you for taking part" in str(message["Subject"])
    assert "https://www.iom.int/idm-material" in message.get_body(("plain",)).get_content()


async def test_overview_counts_queued_and_sent_and_test_goes_to_the_organizer():
    meeting, _, _ = await published_meeting_with_two_sessions()
    await register(meeting["id"], "Ana")
    await reminders.queue_due_reminders(SEVEN_DAYS_BEFORE)
    await OutboxMessage.update({OutboxMessage.status: "sent"}).where(
        OutboxMessage.kind == reminders.KIND
    )
    meeting = await builder.get_meeting_any("idm-test")
    overview = await reminders.reminder_overview(meeting)
    assert [(r["offset"], r["queued"], r["sent"]) for r in overview] == [
        ("-P7D", 1, 1),
        ("-P1D", 0, 0),
    ]
    outbox_id = await reminders.send_test_reminder(
        "idm-test", to_address="org@example.org", language="fr", by=SYSTEM, now=NOW
    )
    row = (await OutboxMessage.select().where(OutboxMessage.id == outbox_id))[0]
    assert row["to_address"] == "org@example.org"
    assert row["subject"].startswith("[Test]") or row["subject"].startswith("[Essai]")
    assert await ReminderDelivery.count() == 1  # a test is no delivery


def test_the_clock_can_be_moved(monkeypatch):
    monkeypatch.setenv(clock.OFFSET_VARIABLE, str(7 * 86400))
    assert clock.now() - datetime.now(UTC) > timedelta(days=6, hours=23)
    clock.set_offset(timedelta(0))
    try:
        assert abs(clock.now() - datetime.now(UTC)) < timedelta(seconds=5)
    finally:
        clock.set_offset(None)
