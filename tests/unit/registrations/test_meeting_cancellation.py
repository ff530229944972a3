"""Cancelling a whole meeting: who is emailed, what they read, their calendar entry, never twice."""

import json
from datetime import UTC, datetime, timedelta

import pytest
from icalendar import Calendar

from idmevents.audit import PARTICIPANT, SYSTEM
from idmevents.audit.tables import AuditEntry
from idmevents.errors import InvalidInput
from idmevents.mail.send import SmtpSender
from idmevents.mail.tables import OutboxMessage
from idmevents.mail.worker import deliver_due
from idmevents.meetings import builder
from idmevents.meetings.tables import Meeting, MeetingSession
from idmevents.registrations import emails, meeting_cancellation, services
from idmevents.registrations.tables import Registration
from tests.factories.meetings import NOW, make_meeting, make_session
from tests.factories.registrations import form
from tests.support.outbox import body_html, body_text, calendar_part, outbox_messages

LATER = NOW + timedelta(days=2)
KIND = "registration-meeting-cancelled"


def parse_calendar(message) -> Calendar:
    part = calendar_part(message)
    assert part is not None, "no text/calendar part"
    return Calendar.from_ical(part.get_content())


def recipient(message) -> str:
    return message["To"].addresses[0].addr_spec


async def meeting_with_every_status() -> tuple[dict, dict]:
    """One seat, media needs approval: a registration in each of the five states, by name."""
    meeting = await make_meeting(capacity=1, approval_categories=("media",))
    await make_session(meeting, "opening", starts_at=datetime(2027, 4, 20, 14, tzinfo=UTC))
    people = {
        "confirmed": await services.register(meeting, form(1, language="en"), now=NOW),
        "waitlisted": await services.register(meeting, form(2, language="fr"), now=NOW),
        "pending": await services.register(
            meeting, form(3, language="es", category="media"), now=NOW
        ),
        "cancelled": await services.register(meeting, form(4), now=NOW),
        "rejected": await services.register(meeting, form(5, category="media"), now=NOW),
    }
    await services.cancel(people["cancelled"].registration["id"], by=PARTICIPANT, now=NOW)
    await services.reject(people["rejected"].registration["id"], "No.", by=SYSTEM, now=NOW)
    return meeting, {status: result.registration for status, result in people.items()}


async def test_cancelling_emails_everyone_still_registered_and_nobody_else():
    meeting, _ = await meeting_with_every_status()

    result = await meeting_cancellation.cancel_meeting(meeting["slug"], by=SYSTEM, now=LATER)

    assert (result.meeting["status"], result.notified, result.already) == ("cancelled", 3, False)
    messages = await outbox_messages(KIND)
    assert [(recipient(m), str(m["Subject"]), calendar_part(m) is not None) for m in messages] == [
        ("person1@example.org", "Meeting cancelled: Test workshop", True),
        ("person2@example.org", "Réunion annulée\u00a0: Test workshop", False),
        ("person3@example.org", "Reunión cancelada: Test workshop", False),
    ]
    # Registrations keep their state: reinstating the meeting gives everyone their place back.
    statuses = await Registration.select(Registration.status).order_by(Registration.id)
    assert [r["status"] for r in statuses] == [
        "confirmed",
        "waitlisted",
        "pending",
        "cancelled",
        "rejected",
    ]
    [entry] = await AuditEntry.select().where(AuditEntry.action == "meeting.cancel")
    assert entry["summary"] == (
        "Changed status; emailed 3 participant(s) that the meeting is cancelled"
    )
    data = json.loads(entry["data"]) if isinstance(entry["data"], str) else entry["data"]
    assert (data["notified"], data["message"], data["after"]) == (3, "", {"status": "cancelled"})


async def test_the_email_names_the_meeting_its_dates_and_the_organizers_message():
    meeting, _ = await meeting_with_every_status()
    await meeting_cancellation.cancel_meeting(
        meeting["slug"],
        by=SYSTEM,
        now=LATER,
        message="  The venue is closed for repairs.\r\nWe will write again with new dates.  ",
    )
    english, french, spanish = await outbox_messages(KIND)
    text = body_text(english)
    manage = text.split("Your private registration page:\n")[1].split("\n")[0]
    assert text == (
        "Dear Ana,\n"
        "\n"
        "We are sorry to tell you that Test workshop (Apr 20\u2009\u2013\u200921, 2027) has been"
        " cancelled.\n"
        "\n"
        "A message from the organizers:\n"
        "The venue is closed for repairs.\n"
        "We will write again with new dates.\n"
        "\n"
        "The attached calendar update removes the meeting from your calendar.\n"
        "\n"
        "There is nothing you need to do. Please accept our apologies for the inconvenience.\n"
        "\n"
        "Test workshop\n"
        "Apr 20\u2009\u2013\u200921, 2027, New York\n"
        "United Nations Headquarters\n"
        "\n"
        "Your private registration page:\n"
        f"{manage}\n"
        "It shows your status and lets you change your details, choose sessions or cancel. Keep"
        " this link to yourself: anyone who has it can change your registration.\n"
        "\n"
        "The IDM Secretariat, International Organization for Migration\n"
    )
    assert manage.startswith("https://testserver.local/r/")
    html = body_html(english)
    assert "We will write again with new dates.</blockquote>" in html
    assert f'href="{manage}"' in html
    # Waiting and pending people had no calendar entry: no word of one.
    assert body_text(french).startswith(
        "Bonjour Ana,\n\nNous avons le regret de vous annoncer que la réunion Test workshop"
        " (20–21 avr. 2027) est annulée.\n\nUn message des organisateurs\u00a0:\n"
        "The venue is closed for repairs.\n"
    )
    assert "calendrier" not in body_text(french)
    assert body_text(spanish).startswith(
        "Estimado/a Ana:\n\nLamentamos comunicarle que la reunión Test workshop (20–21 abr 2027) ha sido"
        " cancelada.\n"
    )
    assert "No tiene que hacer nada." in body_text(spanish)


async def test_without_a_message_the_email_has_no_message_heading():
    meeting, _ = await meeting_with_every_status()
    await meeting_cancellation.cancel_meeting(meeting["slug"], by=SYSTEM, now=LATER)
    english, french, spanish = await outbox_messages(KIND)
    assert "A message from the organizers" not in body_text(english)
    assert "Un message des organisateurs" not in body_text(french)
    assert "Un mensaje de los organizadores" not in body_text(spanish)
    assert ["<blockquote" in body_html(m) for m in (english, french, spanish)] == [False] * 3


async def test_confirmed_people_get_their_calendar_entry_cancelled():
    meeting, _ = await meeting_with_every_status()
    await meeting_cancellation.cancel_meeting(meeting["slug"], by=SYSTEM, now=LATER)
    [invited] = await outbox_messages("registration-confirmed")
    [cancelled] = [m for m in await outbox_messages(KIND) if calendar_part(m) is not None]

    part = calendar_part(cancelled)
    assert (part.get_param("method"), part.get_filename()) == ("CANCEL", "cancellation.ics")
    request, cancel = parse_calendar(invited), parse_calendar(cancelled)
    [before], [after] = request.events, cancel.events
    assert str(cancel["METHOD"]) == "CANCEL"
    [opening] = await MeetingSession.select(MeetingSession.uid)
    # The session's own event (the feeds' UID), taken away from this attendee's calendar.
    assert (str(after["UID"]), str(after["STATUS"]), str(after["ATTENDEE"])) == (
        opening["uid"],
        "CANCELLED",
        "mailto:person1@example.org",
    )
    assert str(after["UID"]) == str(before["UID"])
    assert (after.start, after.end) == (before.start, before.end)
    # Calendars apply a cancellation only if its SEQUENCE is above the invitation's.
    assert int(after["SEQUENCE"]) > int(before["SEQUENCE"])


async def test_the_emails_are_queued_as_recipes_in_the_cancelling_transaction():
    meeting, people = await meeting_with_every_status()
    await meeting_cancellation.cancel_meeting(
        meeting["slug"], by=SYSTEM, now=LATER, message="Sorry."
    )
    rows = await OutboxMessage.select().where(OutboxMessage.kind == KIND).order_by(OutboxMessage.id)
    assert [(row["raw"], row["created_at"], row["meeting"]) for row in rows] == [
        ("", LATER, meeting["id"])
    ] * 3
    assert [json.loads(row["recipe"]) for row in rows] == [
        {
            "renderer": "registration",
            "email": "meeting-cancelled",
            "registration": people[status]["id"],
            "status": status,
            "position": None,
            "invitation": "CANCEL" if status == "confirmed" else None,
            "sessions": False,
            "context": {"message": "Sorry."},
        }
        for status in ("confirmed", "waitlisted", "pending")
    ]


async def test_cancelling_twice_or_again_after_reinstating_emails_nobody_twice():
    meeting, _ = await meeting_with_every_status()
    first = await meeting_cancellation.cancel_meeting(meeting["slug"], by=SYSTEM, now=LATER)
    again = await meeting_cancellation.cancel_meeting(meeting["slug"], by=SYSTEM, now=LATER)
    assert (first.notified, again.notified, again.already) == (3, 0, True)

    await builder.publish_meeting(meeting["slug"], by=SYSTEM, now=LATER + timedelta(hours=1))
    assert len(await outbox_messages(KIND)) == 3  # reinstating sends nothing
    assert (
        await meeting_cancellation.cancellation_audience(
            await builder.get_meeting_any(meeting["slug"])
        )
        == 0
    )
    third = await meeting_cancellation.cancel_meeting(
        meeting["slug"], by=SYSTEM, now=LATER + timedelta(hours=2)
    )
    assert (third.notified, third.already) == (0, False)
    assert len(await outbox_messages(KIND)) == 3


async def test_after_reinstating_only_people_with_news_since_hear_of_a_new_cancellation():
    meeting, people = await meeting_with_every_status()
    await meeting_cancellation.cancel_meeting(meeting["slug"], by=SYSTEM, now=LATER)
    await builder.publish_meeting(meeting["slug"], by=SYSTEM, now=LATER)
    # Back on: a newcomer registers, and the waiting person hears about changed details; the
    # others have heard nothing since the first cancellation.
    newcomer = await services.register(await reload(meeting), form(6), now=LATER)
    await services.update_details(
        people["waitlisted"]["id"],
        {k: people["waitlisted"][k] for k in services.DETAIL_FIELDS} | {"position": "Minister"},
        by=PARTICIPANT,
        now=LATER,
    )
    assert await meeting_cancellation.cancellation_audience(await reload(meeting)) == 2

    result = await meeting_cancellation.cancel_meeting(meeting["slug"], by=SYSTEM, now=LATER)

    assert result.notified == 2
    assert [recipient(m) for m in await outbox_messages(KIND)][3:] == [
        "person2@example.org",
        newcomer.registration["email"],
    ]


async def reload(meeting: dict) -> dict:
    return await Meeting.select().where(Meeting.id == meeting["id"]).first()


async def test_the_api_path_a_status_change_emails_the_same_way():
    meeting, _ = await meeting_with_every_status()
    updated = await meeting_cancellation.update_meeting(
        meeting["slug"], {"status": "cancelled"}, by=SYSTEM, now=LATER
    )
    assert updated["status"] == "cancelled"
    assert [recipient(m) for m in await outbox_messages(KIND)] == [
        "person1@example.org",
        "person2@example.org",
        "person3@example.org",
    ]


async def test_cancelling_a_draft_emails_nobody():
    meeting = await make_meeting(status="draft")
    assert await meeting_cancellation.cancellation_audience(meeting) == 0
    result = await meeting_cancellation.cancel_meeting(meeting["slug"], by=SYSTEM, now=LATER)
    assert (result.meeting["status"], result.notified) == ("cancelled", 0)
    assert await OutboxMessage.count() == 0


@pytest.mark.parametrize(
    ("message", "why"),
    [
        ("x" * 2001, "At most 2000 characters."),
        # The message goes into an email: a control character is refused, as in every field.
        ("Closed.\x07", "Contains a character that cannot be shown."),
        ("Closed.\u2028Sorry.", "Contains a character that cannot be shown."),
    ],
)
async def test_a_bad_message_changes_nothing(message, why):
    meeting, _ = await meeting_with_every_status()
    sent_before = await OutboxMessage.count()
    with pytest.raises(InvalidInput) as caught:
        await meeting_cancellation.cancel_meeting(
            meeting["slug"], by=SYSTEM, now=LATER, message=message
        )
    assert caught.value.fields == {"message": why}
    assert ((await reload(meeting))["status"], await OutboxMessage.count()) == (
        "published",
        sent_before,
    )


async def test_a_large_meeting_is_emailed_in_one_request(monkeypatch):
    monkeypatch.setattr(emails, "_BATCH", 7)  # several INSERTs, as for a meeting of thousands
    meeting = await make_meeting(capacity=None)
    for n in range(20):
        await services.register(meeting, form(n), now=NOW)
    result = await meeting_cancellation.cancel_meeting(meeting["slug"], by=SYSTEM, now=LATER)
    assert result.notified == 20
    rows = await OutboxMessage.select(OutboxMessage.to_address).where(OutboxMessage.kind == KIND)
    assert sorted(row["to_address"] for row in rows) == sorted(
        f"person{n}@example.org" for n in range(20)
    )


async def test_the_cancellation_reaches_the_smtp_server_once(smtp_server):
    meeting, _ = await meeting_with_every_status()
    sender = SmtpSender(smtp_server.url)
    await deliver_due(sender, now=LATER)  # the registration emails
    smtp_server.deliveries.clear()

    await meeting_cancellation.cancel_meeting(
        meeting["slug"], by=SYSTEM, now=LATER, message="Sorry."
    )
    assert await deliver_due(sender, now=LATER) == 3
    assert await deliver_due(sender, now=LATER + timedelta(days=1)) == 0

    delivered = {recipient(d.message): d.message for d in smtp_server.deliveries}
    assert sorted(delivered) == [
        "person1@example.org",
        "person2@example.org",
        "person3@example.org",
    ]
    assert len(set(smtp_server.message_ids())) == 3
    confirmed = delivered["person1@example.org"]
    assert str(confirmed["Subject"]) == "Meeting cancelled: Test workshop"
    assert "Sorry." in body_text(confirmed)
    event = parse_calendar(confirmed).events[0]
    [opening] = await MeetingSession.select(MeetingSession.uid)
    assert (str(event["UID"]), str(event["STATUS"])) == (opening["uid"], "CANCELLED")
    rows = await OutboxMessage.select(OutboxMessage.status).where(OutboxMessage.kind == KIND)
    assert [row["status"] for row in rows] == ["sent"] * 3
