"""Personal data has a lifetime: the worker's erasure after `retention_days`, and one person's."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from idmevents.audit import Actor
from idmevents.audit.tables import AuditEntry
from idmevents.errors import Conflict
from idmevents.mail.tables import OutboxMessage
from idmevents.mail.worker import _chores, run_due_chores
from idmevents.meetings.tables import Meeting
from idmevents.registrations import retention
from idmevents.registrations.tables import CheckIn, Registration, VisaRequest
from tests.factories.badges import add_registration
from tests.factories.meetings import make_meeting

# make_meeting's last day is 2027-04-21 in New York: the day ends at 2027-04-22 04:00 UTC.
END = datetime(2027, 4, 22, 4, 0, tzinfo=UTC)
DESK = Actor(None, "desk@example.org")


async def _meeting_with_people(slug: str = "kept", retention_days: int = 180):
    meeting = await make_meeting(slug=slug)
    await Meeting.update({Meeting.retention_days: retention_days}).where(
        Meeting.id == meeting["id"]
    )
    ana = await add_registration(
        meeting,
        given_name="Ana",
        family_name="Ruiz",
        email="ana@example.org",
        accessibility_needs="Wheelchair access",
        position="Counsellor",
        checkin_id=f"{slug[:4]}1234",
        client_network="203.0.113.0/24",
    )
    await CheckIn.insert(CheckIn(registration=ana["id"], checked_in_at=END - timedelta(days=2)))
    await VisaRequest.insert(
        VisaRequest(
            registration=ana["id"],
            passport_name="ANA RUIZ",
            nationality="PE",
            birth_date=date(1980, 5, 1),
            passport_number="P1234567",
            passport_expiry=date(2030, 1, 1),
            arrival=date(2027, 4, 19),
            departure=date(2027, 4, 22),
            purpose="To attend",
        )
    )
    for status in ("sent", "queued"):
        await OutboxMessage.insert(
            OutboxMessage(
                message_id=f"<{slug}-{status}@test>",
                kind="registration-confirmed",
                to_address="ana@example.org",
                subject="Your registration",
                raw="To: ana@example.org\r\n\r\nYour private link: /r/secret",
                meeting=meeting["id"],
                registration=ana["id"],
                status=status,
            )
        )
    return meeting, ana


async def test_nothing_is_erased_before_the_retention_period_ends():
    _, ana = await _meeting_with_people(retention_days=10)
    assert await retention.erase_expired(END + timedelta(days=10) - timedelta(seconds=1)) == []
    row = await Registration.select().where(Registration.id == ana["id"]).first()
    assert row["email"] == "ana@example.org"
    assert row["token"] == ana["token"]


async def test_personal_fields_are_erased_after_the_retention_period_once():
    meeting, ana = await _meeting_with_people(retention_days=10)
    _, bob = await _meeting_with_people(slug="still-kept", retention_days=3650)
    now = END + timedelta(days=10)
    assert await retention.erase_expired(now) == ["kept"]
    row = await Registration.select().where(Registration.id == ana["id"]).first()
    fields = ("email", "email_key", "accessibility_needs", "position", "client_network")
    assert {k: row[k] for k in fields} == {
        "email": f"erased-{ana['id']}@erased.invalid",
        "email_key": f"erased-{ana['id']}@erased.invalid",
        "accessibility_needs": "",
        "position": "",
        "client_network": "",
    }
    assert row["token"] != ana["token"] and len(row["token"]) >= 40
    assert row["feed_token"] != ana["feed_token"]
    assert row["checkin_id"] is None
    # The visa letter request (passport, nationality, birth date, stay) is gone; the other
    # meeting's stays.
    assert await VisaRequest.select(VisaRequest.registration) == [{"registration": bob["id"]}]
    # The attendance record stays.
    assert (row["given_name"], row["family_name"], row["organization"], row["country"]) == (
        "Ana",
        "Ruiz",
        ana["organization"],
        ana["country"],
    )
    assert (row["category"], row["status"]) == (ana["category"], "confirmed")
    assert await CheckIn.count().where(CheckIn.registration == ana["id"]) == 1
    messages = (
        await OutboxMessage.select(
            OutboxMessage.to_address, OutboxMessage.raw, OutboxMessage.status
        )
        .where(OutboxMessage.meeting == meeting["id"])
        .order_by(OutboxMessage.id)
    )
    assert messages == [
        {"to_address": "", "raw": "", "status": "sent"},
        {"to_address": "", "raw": "", "status": "failed"},  # never sent without its body
    ]
    # The other meeting keeps its data.
    assert (await Registration.select().where(Registration.id == bob["id"]).first())[
        "email"
    ] == "ana@example.org"
    entries = await AuditEntry.select(AuditEntry.action, AuditEntry.meeting_slug).where(
        AuditEntry.action == "meeting.personal_data_erased"
    )
    assert entries == [{"action": "meeting.personal_data_erased", "meeting_slug": "kept"}]
    # Idempotent: a second run changes nothing and writes no second entry.
    assert await retention.erase_expired(now + timedelta(days=1)) == []
    assert await AuditEntry.count().where(AuditEntry.action == "meeting.personal_data_erased") == 1
    again = await Registration.select().where(Registration.id == ana["id"]).first()
    assert again["token"] == row["token"]


async def test_the_worker_loop_runs_the_erasure_wired_by_the_program():
    from idmevents import wiring

    await _meeting_with_people(retention_days=1)
    wiring.register_worker_chores()
    assert "retention" in _chores
    last_run: dict = {}
    await run_due_chores(END + timedelta(days=2), last_run)
    assert (await Meeting.select(Meeting.personal_data_erased_at).first())[
        "personal_data_erased_at"
    ] == END + timedelta(days=2)


async def test_one_registration_is_erased_on_request_once_it_holds_no_seat():
    _, ana = await _meeting_with_people()
    now = END - timedelta(days=30)
    with pytest.raises(Conflict):
        await retention.erase_registration(ana["id"], by=DESK, now=now)
    await Registration.update(
        {Registration.status: "cancelled", Registration.honorific: "H.E."}
    ).where(Registration.id == ana["id"])
    await retention.erase_registration(ana["id"], by=DESK, now=now)
    row = await Registration.select().where(Registration.id == ana["id"]).first()
    assert (row["honorific"], row["given_name"], row["family_name"], row["email"]) == (
        "",
        "—",
        "—",
        f"erased-{ana['id']}@erased.invalid",
    )
    assert row["status"] == "cancelled"
    assert await OutboxMessage.count().where(OutboxMessage.raw != "") == 0
    assert await VisaRequest.count() == 0
    entry = await AuditEntry.select(AuditEntry.action, AuditEntry.user).where(
        AuditEntry.entity_id == ana["id"], AuditEntry.action == "registration.erased"
    )
    assert entry == [{"action": "registration.erased", "user": None}]


async def test_personal_data_export_holds_the_registration_and_its_emails():
    meeting, ana = await _meeting_with_people()
    data = await retention.personal_data(ana["token"])
    assert data["meeting"] == {"slug": "kept", "title": meeting["title"]}
    assert data["registration"]["email"] == "ana@example.org"
    assert data["registration"]["accessibility_needs"] == "Wheelchair access"
    assert "token" in data["registration"]
    assert [e["to_address"] for e in data["emails"]] == ["ana@example.org"] * 2
    assert data["checked_in_at"] == (END - timedelta(days=2)).isoformat()
    assert data["visa_letter_request"]["passport_number"] == "P1234567"
    assert data["visa_letter_request"]["birth_date"] == "1980-05-01"
    assert data["personal_data_erased_after"] == (END + timedelta(days=180)).isoformat()


async def test_an_erased_email_is_shown_empty_and_not_sent_again():
    from idmevents.mail import services as mail

    await _meeting_with_people(retention_days=1)
    await retention.erase_expired(END + timedelta(days=1))
    row = await OutboxMessage.select(OutboxMessage.id).where(OutboxMessage.status == "sent").first()
    await OutboxMessage.update({OutboxMessage.recipe: ""}).where(OutboxMessage.id == row["id"])
    entry, raw = await mail.get_outbox_message(row["id"])
    assert (entry.to_address, raw) == ("", "")
    with pytest.raises(Conflict):
        await mail.resend(row["id"], now=END + timedelta(days=2))
