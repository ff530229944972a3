"""The registration emails as a mail client reads them: headers, both bodies, the invitation."""

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from icalendar import Calendar

from idmevents.audit import PARTICIPANT, SYSTEM
from idmevents.errors import InvalidInput
from idmevents.mail import recipes
from idmevents.mail.tables import OutboxMessage
from idmevents.registrations import emails, services
from idmevents.validation import SINGLE_LINE_MESSAGE
from tests.factories.meetings import NOW, make_meeting, make_session
from tests.factories.registrations import form
from tests.support.outbox import body_html, body_text, calendar_part, outbox_messages

NEW_YORK = ZoneInfo("America/New_York")


def parse_invitation(message) -> Calendar:
    part = calendar_part(message)
    assert part is not None, "no text/calendar part"
    return Calendar.from_ical(part.get_content())


async def test_confirmation_has_text_html_and_a_calendar_invitation():
    meeting = await make_meeting(capacity=5)
    opening = await make_session(
        meeting, "opening", starts_at=datetime(2027, 4, 20, 14, tzinfo=UTC)
    )
    closing = await make_session(
        meeting, "closing", starts_at=datetime(2027, 4, 21, 21, tzinfo=UTC)
    )
    result = await services.register(meeting, form(1), now=NOW)
    [message] = await outbox_messages("registration-confirmed")
    manage = f"https://testserver.local/r/{result.token}"

    assert (str(message["To"]), str(message["Subject"])) == (
        "Ana Person 1 <person1@example.org>",
        "Registration confirmed: Test workshop",
    )
    assert manage in body_text(message)
    assert f'href="{manage}"' in body_html(message)

    part = calendar_part(message)
    assert (part.get_content_type(), part.get_param("method"), part.get_filename()) == (
        "text/calendar",
        "REQUEST",
        "invitation.ics",
    )
    calendar = parse_invitation(message)
    assert str(calendar["METHOD"]) == "REQUEST"
    # The person's agenda: one event per session, each with the session's own UID.
    first, last = calendar.events
    assert [str(e["UID"]) for e in calendar.events] == [opening["uid"], closing["uid"]]
    assert str(first["SUMMARY"]) == "Session opening"
    assert first.start == opening["starts_at"]
    assert first.start.tzinfo.key == "America/New_York"
    assert first.start.astimezone(NEW_YORK).hour == 10
    assert last.end == datetime(2027, 4, 21, 22, tzinfo=UTC)
    assert str(first["LOCATION"]) == (
        "United Nations Headquarters, 405 East 42nd Street, New York, NY 10017"
    )
    assert str(first["STATUS"]) == "CONFIRMED"
    assert str(first["ORGANIZER"]) == "mailto:noreply@localhost"
    assert first["ORGANIZER"].params["CN"] == "IDM Secretariat"
    assert str(first["ATTENDEE"]) == "mailto:person1@example.org"
    assert first["ATTENDEE"].params["CN"] == "Ana Person 1"
    # The private link is in the email only, never in the calendar entry.
    assert manage not in calendar.to_ical().decode()
    assert str(first["DESCRIPTION"]) == (
        f"https://testserver.local/meetings/test-meeting#session-{opening['id']}"
    )
    [timezone] = calendar.timezones
    assert timezone.tz_name == "America/New_York"
    transitions = [
        sub.DTSTART.year for sub in timezone.subcomponents if sub.name in ("STANDARD", "DAYLIGHT")
    ]
    assert set(transitions) == {2027}


async def test_waitlisted_and_pending_emails_carry_no_invitation():
    meeting = await make_meeting(capacity=1, approval_categories=("media",))
    await services.register(meeting, form(1), now=NOW)
    await services.register(meeting, form(2), now=NOW)
    await services.register(meeting, form(3, category="media"), now=NOW)
    messages = await outbox_messages()
    assert [(str(m["Subject"]), calendar_part(m) is not None) for m in messages] == [
        ("Registration confirmed: Test workshop", True),
        ("You are on the waiting list: Test workshop", False),
        ("Registration received: Test workshop", False),
    ]
    assert "at number 1" in body_text(messages[1])


async def test_invitations_keep_the_sessions_uids_and_a_rising_sequence():
    meeting = await make_meeting(capacity=1)
    opening = await make_session(meeting, "opening")
    first = await services.register(meeting, form(1), now=NOW)
    second = await services.register(meeting, form(2), now=NOW)
    later = NOW + timedelta(hours=2)
    await services.cancel(first.registration["id"], by=PARTICIPANT, now=later)
    messages = await outbox_messages()
    found = [
        (
            str(m["Subject"]),
            str(parse_invitation(m)["METHOD"]),
            str(parse_invitation(m).events[0]["UID"]),
            int(parse_invitation(m).events[0]["SEQUENCE"]),
        )
        for m in messages
        if calendar_part(m) is not None
    ]
    uid_1 = emails.invitation_uid(first.registration)
    uid_2 = emails.invitation_uid(second.registration)
    assert uid_1 != uid_2
    assert uid_1 == emails.invitation_uid({"id": first.registration["id"]})  # stable
    assert [(subject, method, uid) for subject, method, uid, _ in found] == [
        ("Registration confirmed: Test workshop", "REQUEST", opening["uid"]),
        ("Registration cancelled: Test workshop", "CANCEL", opening["uid"]),
        ("A seat is now yours: Test workshop", "REQUEST", opening["uid"]),
    ]
    assert found[1][3] > found[0][3]
    cancelled = parse_invitation(messages[2]).events[0]
    assert str(cancelled["STATUS"]) == "CANCELLED"


async def test_invitation_without_an_agenda_covers_whole_days():
    meeting = await make_meeting(capacity=5)
    await services.register(meeting, form(1), now=NOW)
    [message] = await outbox_messages("registration-confirmed")
    event = parse_invitation(message).events[0]
    assert (event.start, event.end) == (date(2027, 4, 20), date(2027, 4, 22))


async def test_script_tags_are_escaped_in_html_and_kept_as_typed_in_text():
    meeting = await make_meeting(capacity=5)
    await services.register(meeting, form(1, given_name="<script>alert('x')</script>"), now=NOW)
    [message] = await outbox_messages()
    assert "<script>" not in body_html(message)
    assert "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;" in body_html(message)
    assert body_text(message).startswith("Dear <script>alert('x')</script>,\n")


async def test_line_breaks_in_a_name_never_reach_a_header():
    """A name is one line (`validation`'s rule): one with a line break is refused outright, so
    no message is ever written with it."""
    meeting = await make_meeting(capacity=5)
    with pytest.raises(InvalidInput) as raised:
        await services.register(
            meeting,
            form(1, given_name="Eve\r\nBcc: victim@example.com", family_name="X\nSubject: spam"),
            now=NOW,
        )
    assert raised.value.fields == {
        "given_name": SINGLE_LINE_MESSAGE,
        "family_name": SINGLE_LINE_MESSAGE,
    }
    assert await outbox_messages() == []


async def test_non_ascii_names_are_encoded_in_headers():
    meeting = await make_meeting(capacity=5, title="Diálogo — Nueva York")
    await services.register(meeting, form(1, given_name="José", family_name="Núñez"), now=NOW)
    await recipes.render_waiting()
    [row] = await OutboxMessage.select()
    header_lines = row["raw"].split("\n\n", 1)[0]
    assert header_lines.isascii()
    [message] = await outbox_messages()
    assert str(message["To"]) == "José Núñez <person1@example.org>"
    assert str(message["Subject"]) == "Registration confirmed: Diálogo — Nueva York"


async def test_rejection_email_gives_the_organizers_reason():
    meeting = await make_meeting(capacity=5, approval_categories=("media",))
    pending = await services.register(meeting, form(1, category="media"), now=NOW)
    await services.reject(
        pending.registration["id"],
        "Accreditation is for delegations only.\nPlease follow the webcast.",
        by=SYSTEM,
        now=NOW,
    )
    message = (await outbox_messages())[-1]
    assert str(message["Subject"]) == "Your registration was not accepted: Test workshop"
    assert "Their reason:\nAccreditation is for delegations only.\nPlease follow the webcast." in (
        body_text(message)
    )
    assert calendar_part(message) is None  # they never had a seat, so no calendar entry to remove


async def test_every_registration_email_carries_the_private_link():
    meeting = await make_meeting(capacity=1, approval_categories=("media",))
    side = await make_session(meeting, "side", capacity=1, kind="side-event")
    first = await services.register(meeting, form(1, sessions=[side["id"]]), now=NOW)
    second = await services.register(meeting, form(2, sessions=[side["id"]]), now=NOW)
    media = await services.register(meeting, form(3, category="media"), now=NOW)
    await services.approve(media.registration["id"], by=SYSTEM, now=NOW)
    await services.update_details(
        second.registration["id"],
        {k: second.registration[k] for k in services.DETAIL_FIELDS} | {"position": "Minister"},
        by=PARTICIPANT,
        now=NOW,
    )
    await services.cancel(first.registration["id"], by=PARTICIPANT, now=NOW)
    await services.reject(media.registration["id"], "Full.", by=SYSTEM, now=NOW)
    tokens = {r.registration["email"]: r.token for r in (first, second, media)}
    messages = await outbox_messages()
    assert sorted({str(m["Subject"]).split(":")[0] for m in messages}) == [
        "A seat is now yours",
        "Registration approved, on the waiting list",
        "Registration cancelled",
        "Registration confirmed",
        "Registration received",
        "You are on the waiting list",
        "Your registration details were changed",
        "Your registration was not accepted",
    ]
    for message in messages:
        link = f"https://testserver.local/r/{tokens[message['To'].addresses[0].addr_spec]}"
        assert link in body_text(message), message["Subject"]
        assert link in body_html(message), message["Subject"]


async def test_emails_are_written_in_the_persons_language():
    meeting = await make_meeting(capacity=1, timezone="Europe/Zurich", title="Dialogue — Genève")
    await make_session(meeting, "opening", starts_at=datetime(2027, 4, 20, 8, tzinfo=UTC))
    await services.register(meeting, form(1, language="fr"), now=NOW)
    await services.register(meeting, form(2, language="es"), now=NOW)
    french, spanish = await outbox_messages()
    assert str(french["Subject"]) == "Inscription confirmée\u00a0: Dialogue — Genève"
    assert body_text(french).startswith(
        "Bonjour Ana,\n\nVotre inscription à Dialogue — Genève est confirmée."
    )
    assert "20–21 avr. 2027" in body_text(french)
    assert str(spanish["Subject"]) == "Está en la lista de espera: Dialogue — Genève"
    assert "en el puesto 1." in body_text(spanish)
    assert "/r/" not in str(parse_invitation(french).to_ical())


async def test_an_invitation_without_an_agenda_says_where_the_agenda_will_be():
    meeting = await make_meeting(capacity=1, timezone="Europe/Zurich", title="Dialogue — Genève")
    await services.register(meeting, form(1, language="fr"), now=NOW)
    [french] = await outbox_messages()
    description = str(parse_invitation(french).events[0]["DESCRIPTION"])
    assert description == f"Programme\u00a0: https://testserver.local/meetings/{meeting['slug']}"


async def test_long_subjects_with_accents_read_back_exactly():
    title = "Diálogo Internacional sobre la Migración 2017 — Primer taller, Nueva York"
    meeting = await make_meeting(capacity=5, title=title)
    await services.register(meeting, form(1, language="fr"), now=NOW)
    await recipes.render_waiting()
    [row] = await OutboxMessage.select()
    assert all(len(line) <= 78 for line in row["raw"].split("\n\n", 1)[0].splitlines())
    [message] = await outbox_messages()
    assert str(message["Subject"]) == f"Inscription confirmée\u00a0: {title}"
    assert row["subject"] == f"Inscription confirmée\u00a0: {title}"
