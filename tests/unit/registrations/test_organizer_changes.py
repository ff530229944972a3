"""What organizers change on a registration through the services: its email address, its category
(and what that does to its status), and taking up a cancelled or rejected one again."""

from __future__ import annotations

from datetime import timedelta

import pytest

from idmevents import db
from idmevents.audit import PARTICIPANT, Actor
from idmevents.audit.tables import AuditEntry
from idmevents.errors import Conflict, Forbidden, InvalidInput
from idmevents.mail.tables import OutboxMessage
from idmevents.meetings.tables import Meeting
from idmevents.registrations import services
from idmevents.registrations.tables import Registration
from tests.factories.meetings import NOW, make_meeting
from tests.factories.registrations import form
from tests.support.outbox import body_html, body_text, calendar_part, outbox_messages

LATER = NOW + timedelta(hours=1)


@pytest.fixture
async def organizer(make_user) -> Actor:
    user, _ = await make_user("organizer", email="desk@example.org")
    return Actor(user["id"], user["email"])


async def row(registration_id: int) -> dict:
    return await Registration.select().where(Registration.id == registration_id).first()


async def history(registration_id: int) -> list[tuple[str, str, str]]:
    """(action, actor, summary) of the registration's audit entries, oldest first."""
    rows = (
        await AuditEntry.select(AuditEntry.action, AuditEntry.actor, AuditEntry.summary)
        .where(AuditEntry.entity_id == registration_id)
        .order_by(AuditEntry.id)
    )
    return [(r["action"], r["actor"], r["summary"]) for r in rows]


async def kinds_since(first_id: int) -> list[tuple[str, str]]:
    """(kind, recipient) of the emails queued after outbox row `first_id`."""
    rows = (
        await OutboxMessage.select(OutboxMessage.kind, OutboxMessage.to_address)
        .where(OutboxMessage.id > first_id)
        .order_by(OutboxMessage.id)
    )
    return [(r["kind"], r["to_address"]) for r in rows]


async def last_outbox_id() -> int:
    rows = await OutboxMessage.select(OutboxMessage.id).order_by(OutboxMessage.id, ascending=False)
    return rows[0]["id"] if rows else 0


# --- the email address


async def test_edit_email_moves_the_registration_and_tells_both_addresses(organizer):
    meeting = await make_meeting()
    result = await services.register(meeting, form(1), now=NOW)
    registration_id, old_token = result.registration["id"], result.token
    await outbox_messages()  # the confirmation is written as it was queued
    before = await last_outbox_id()

    edited = await services.edit_registration(
        registration_id, {"email": " Ana.New@Exämple.ORG "}, by=organizer, now=LATER
    )

    assert edited.changed == ("email",)
    stored = await row(registration_id)
    assert (stored["email"], stored["email_key"]) == (
        "Ana.New@xn--exmple-cua.org",
        "ana.new@xn--exmple-cua.org",
    )
    new_token = stored["token"]
    assert new_token != old_token and len(new_token) == 43
    assert await services.get_by_token(new_token) == stored
    assert await kinds_since(before) == [
        ("registration-details-changed", "Ana.New@xn--exmple-cua.org"),
        ("registration-email-changed", "person1@example.org"),
    ]
    details, notice = (await outbox_messages())[-2:]
    assert str(details["Subject"]) == "Your registration details were changed: Test workshop"
    assert f"https://testserver.local/r/{new_token}" in body_text(details)
    assert "Your private registration page has a new link, below" in body_text(details)
    assert "Email: Ana.New@xn--exmple-cua.org" in body_text(details)
    assert str(notice["Subject"]) == (
        "The email address of your registration was changed: Test workshop"
    )
    assert str(notice["To"]) == "Ana Person 1 <person1@example.org>"
    text = body_text(notice)
    assert "The organizers of Test workshop have changed the email address" in text
    assert "no longer works" in text
    # No way into the registration from the old mailbox: no link, old or new, nor the new address.
    for part in (text, body_html(notice)):
        assert "/r/" not in part and "Ana.New" not in part and "ana.new" not in part
    assert await history(registration_id) == [
        ("registration.created", "participant", "Ana Person 1 registered: confirmed"),
        (
            "registration.email-changed",
            "desk@example.org",
            "person1@example.org → Ana.New@xn--exmple-cua.org",
        ),
    ]


async def test_edit_email_of_another_registration_is_a_conflict_naming_it(organizer):
    meeting = await make_meeting(approval_categories=("media",))
    first = await services.register(meeting, form(1), now=NOW)
    second = await services.register(meeting, form(2, given_name="Bea", category="media"), now=NOW)
    before, before_id = await row(first.registration["id"]), await last_outbox_id()

    with pytest.raises(Conflict) as raised:
        await services.edit_registration(
            first.registration["id"],
            {"email": "PERSON2@example.org", "position": "Minister"},
            by=organizer,
            now=LATER,
        )

    problem = (
        "Another registration for this meeting already has this address: "
        f"Bea Person 2 (#{second.registration['id']}, Awaiting approval)."
    )
    assert (raised.value.message, raised.value.fields, raised.value.extra) == (
        problem,
        {"email": problem},
        {"reason": "email-taken"},
    )
    assert await row(first.registration["id"]) == before  # the position was not saved either
    assert await kinds_since(before_id) == []
    assert [a for a, _, _ in await history(first.registration["id"])] == ["registration.created"]


async def test_edit_email_taken_past_the_check_is_stopped_by_the_unique_index(organizer):
    """The backstop: were a writer to slip past the check (none can while the meeting is
    locked), the unique index refuses the address with the same Conflict, and nothing changes."""
    meeting = await make_meeting()
    first = await services.register(meeting, form(1), now=NOW)
    await services.register(meeting, form(2), now=NOW)
    before, before_id = await row(first.registration["id"]), await last_outbox_id()
    with pytest.raises(Conflict) as raised:
        async with db.write_transaction():
            registration, locked = await services._lock_registration(first.registration["id"])
            await services._save_changes(
                registration,
                locked,
                {"email": "Person2@example.org", "position": "Minister"},
                by=organizer,
                now=LATER,
            )
    assert (raised.value.fields, raised.value.extra) == (
        {"email": "Another registration for this meeting already has this address."},
        {"reason": "email-taken"},
    )
    assert await row(first.registration["id"]) == before
    assert await kinds_since(before_id) == []


async def test_edit_email_used_in_another_meeting_is_fine(organizer):
    meeting = await make_meeting()
    other = await make_meeting(slug="other")
    await services.register(other, form(2), now=NOW)
    result = await services.register(meeting, form(1), now=NOW)
    edited = await services.edit_registration(
        result.registration["id"], {"email": "person2@example.org"}, by=organizer, now=NOW
    )
    assert edited.registration["email_key"] == "person2@example.org"


async def test_edit_email_in_other_capitals_keeps_the_link_and_tells_no_one_else(organizer):
    meeting = await make_meeting()
    result = await services.register(meeting, form(1), now=NOW)
    before = await last_outbox_id()
    edited = await services.edit_registration(
        result.registration["id"], {"email": "Person1@Example.org"}, by=organizer, now=NOW
    )
    assert (edited.changed, edited.registration["email"], edited.token) == (
        ("email",),
        "Person1@example.org",
        result.token,
    )
    assert await kinds_since(before) == [("registration-details-changed", "Person1@example.org")]
    details = (await outbox_messages("registration-details-changed"))[0]
    assert "new link" not in body_text(details)
    assert f"https://testserver.local/r/{result.token}" in body_text(details)


async def test_edit_email_not_an_address_names_every_bad_field_and_changes_nothing(organizer):
    meeting = await make_meeting()
    result = await services.register(meeting, form(1), now=NOW)
    before, before_id = await row(result.registration["id"]), await last_outbox_id()
    for email in ("", "ana@", "ana@localhost", "a" * 310 + "@example.org"):
        with pytest.raises(InvalidInput) as raised:
            await services.edit_registration(
                result.registration["id"],
                {"email": email, "given_name": " ", "category": "press"},
                by=organizer,
                now=NOW,
            )
        assert list(raised.value.fields) == ["given_name", "email", "category"], email
    assert await row(result.registration["id"]) == before
    assert await kinds_since(before_id) == []


async def test_edit_email_writes_waiting_emails_with_the_old_link_first(organizer):
    """A confirmation still queued as a recipe is written before the link changes: the old
    mailbox never receives the new link."""
    meeting = await make_meeting()
    result = await services.register(meeting, form(1), now=NOW)
    [waiting] = await OutboxMessage.select(OutboxMessage.raw)
    assert waiting["raw"] == ""  # not written yet: the worker would write it when sending
    await services.edit_registration(
        result.registration["id"], {"email": "ana@example.com"}, by=organizer, now=NOW
    )
    confirmation = (await outbox_messages("registration-confirmed"))[0]
    assert confirmation["To"].addresses[0].addr_spec == "person1@example.org"
    assert f"https://testserver.local/r/{result.token}" in body_text(confirmation)


async def test_participants_cannot_change_their_address_or_category():
    meeting = await make_meeting()
    result = await services.register(meeting, form(1), now=NOW)
    with pytest.raises(Forbidden):
        await services.edit_registration(
            result.registration["id"], {"email": "x@example.org"}, by=PARTICIPANT, now=NOW
        )


async def test_edit_registration_keeps_what_it_is_not_given_and_names_bad_types(organizer):
    meeting = await make_meeting()
    result = await services.register(meeting, form(1), now=NOW)
    before = await row(result.registration["id"])
    edited = await services.edit_registration(
        result.registration["id"], {"position": " Counsellor "}, by=organizer, now=LATER
    )
    assert edited.changed == ("position",)
    expected = before | {"position": "Counsellor", "updated_at": LATER}
    assert (edited.registration, await row(result.registration["id"])) == (expected, expected)
    nothing = await services.edit_registration(result.registration["id"], {}, by=organizer, now=NOW)
    assert nothing.changed == ()
    with pytest.raises(InvalidInput) as raised:
        await services.edit_registration(
            result.registration["id"], {"email": 42}, by=organizer, now=NOW
        )
    assert list(raised.value.fields) == ["email"]


# --- the category


async def test_confirmed_moved_into_an_approval_category_stays_confirmed(organizer):
    meeting = await make_meeting(capacity=1, approval_categories=("media",))
    result = await services.register(meeting, form(1), now=NOW)
    before = await last_outbox_id()
    edited = await services.edit_registration(
        result.registration["id"], {"category": "media"}, by=organizer, now=LATER
    )
    assert (edited.status, edited.changed, edited.registration["category"]) == (
        "confirmed",
        ("category",),
        "media",
    )
    assert await kinds_since(before) == [("registration-details-changed", "person1@example.org")]
    details = (await outbox_messages("registration-details-changed"))[0]
    assert "Category: Media" in body_text(details)
    assert (await history(result.registration["id"]))[-1] == (
        "registration.category-changed",
        "desk@example.org",
        "member-state → media",
    )


async def test_pending_moved_out_of_approval_takes_a_free_seat(organizer):
    meeting = await make_meeting(capacity=2, approval_categories=("media",))
    result = await services.register(meeting, form(1, category="media"), now=NOW)
    assert result.status == "pending"
    before = await last_outbox_id()
    edited = await services.edit_registration(
        result.registration["id"], {"category": "academia"}, by=organizer, now=LATER
    )
    assert (edited.status, edited.registration["confirmed_at"]) == ("confirmed", LATER)
    assert (await row(result.registration["id"]))["status"] == "confirmed"
    assert await kinds_since(before) == [
        ("registration-details-changed", "person1@example.org"),
        ("registration-confirmed", "person1@example.org"),
    ]
    confirmation = (await outbox_messages("registration-confirmed"))[0]
    assert calendar_part(confirmation).get_param("method") == "REQUEST"
    assert [(a, who) for a, who, _ in await history(result.registration["id"])][1:] == [
        ("registration.category-changed", "desk@example.org"),
        ("registration.confirmed", "desk@example.org"),
    ]


async def test_pending_moved_out_of_approval_when_full_waits_last_in_line(organizer):
    meeting = await make_meeting(capacity=1, approval_categories=("media",))
    await services.register(meeting, form(1), now=NOW)  # the seat
    waiting = await services.register(meeting, form(2), now=NOW)  # first in line
    result = await services.register(meeting, form(3, category="media"), now=NOW)
    edited = await services.edit_registration(
        result.registration["id"], {"category": "academia"}, by=organizer, now=LATER
    )
    assert (edited.status, edited.waitlist_position) == ("waitlisted", 2)
    assert waiting.waitlist_position == 1
    [message] = [
        m
        for m in await outbox_messages("registration-waitlisted")
        if m["To"].addresses[0].addr_spec == "person3@example.org"
    ]
    assert "on the waiting list, at number 2." in body_text(message)
    assert (await history(result.registration["id"]))[-1] == (
        "registration.waitlisted",
        "desk@example.org",
        "its category needs no approval: on the waiting list",
    )


async def test_pending_moved_to_another_approval_category_stays_pending(organizer):
    meeting = await make_meeting(approval_categories=("media", "civil-society"))
    result = await services.register(meeting, form(1, category="media"), now=NOW)
    before = await last_outbox_id()
    edited = await services.edit_registration(
        result.registration["id"], {"category": "civil-society"}, by=organizer, now=NOW
    )
    assert edited.status == "pending"
    assert await kinds_since(before) == [("registration-details-changed", "person1@example.org")]


async def test_waitlisted_moved_into_an_approval_category_keeps_its_place(organizer):
    meeting = await make_meeting(capacity=1, approval_categories=("media",))
    await services.register(meeting, form(1), now=NOW)
    first = await services.register(meeting, form(2), now=NOW)
    await services.register(meeting, form(3), now=NOW)
    edited = await services.edit_registration(
        first.registration["id"], {"category": "media"}, by=organizer, now=NOW
    )
    assert (edited.status, edited.waitlist_position) == ("waitlisted", 1)


async def test_delegation_categories_need_a_country(organizer):
    meeting = await make_meeting()
    result = await services.register(meeting, form(1, category="academia", country=""), now=NOW)
    before = await row(result.registration["id"])
    for category in ("member-state", "observer"):
        with pytest.raises(InvalidInput) as raised:
            await services.edit_registration(
                result.registration["id"], {"category": category}, by=organizer, now=NOW
            )
        assert list(raised.value.fields) == ["country"], category
    assert await row(result.registration["id"]) == before
    edited = await services.edit_registration(
        result.registration["id"],
        {"category": "observer", "country": "va"},
        by=organizer,
        now=NOW,
    )
    assert (edited.registration["category"], edited.registration["country"]) == (
        "observer",
        "VA",
    )
    assert edited.changed == ("category", "country")


async def test_category_of_a_cancelled_registration_counts_when_it_is_reinstated(organizer):
    meeting = await make_meeting(approval_categories=("media",))
    result = await services.register(meeting, form(1), now=NOW)
    await services.cancel(result.registration["id"], by=PARTICIPANT, now=NOW)
    edited = await services.edit_registration(
        result.registration["id"], {"category": "media"}, by=organizer, now=NOW
    )
    assert edited.status == "cancelled"
    again = await services.reinstate(result.registration["id"], by=organizer, now=LATER)
    assert again.status == "pending"


async def test_nothing_is_decided_in_a_cancelled_meeting(organizer):
    meeting = await make_meeting(approval_categories=("media",))
    result = await services.register(meeting, form(1, category="media"), now=NOW)
    await Meeting.update({Meeting.status: "cancelled"}).where(Meeting.id == meeting["id"])
    edited = await services.edit_registration(
        result.registration["id"], {"category": "academia"}, by=organizer, now=NOW
    )
    assert (edited.registration["category"], edited.status) == ("academia", "pending")
    await services.cancel(result.registration["id"], by=PARTICIPANT, now=NOW)
    with pytest.raises(Conflict) as raised:
        await services.reinstate(result.registration["id"], by=organizer, now=NOW)
    assert raised.value.extra == {"reason": "meeting-cancelled"}


# --- taking a registration up again


async def closed_meeting(**options) -> dict:
    """A meeting whose registration closes between NOW and LATER."""
    return await make_meeting(closes_at=NOW + timedelta(minutes=30), **options)


async def test_organizer_reinstates_a_cancelled_registration_when_closed(organizer):
    meeting = await closed_meeting(capacity=2)
    result = await services.register(meeting, form(1), now=NOW)
    await services.cancel(result.registration["id"], by=PARTICIPANT, now=NOW)
    with pytest.raises(Conflict) as closed:
        await services.reinstate(result.registration["id"], now=LATER)
    assert closed.value.extra == {"reason": "closed"}
    before = await last_outbox_id()

    again = await services.reinstate(result.registration["id"], by=organizer, now=LATER)

    assert (again.status, again.registration["cancelled_at"]) == ("confirmed", None)
    assert again.registration["confirmed_at"] == LATER
    assert await kinds_since(before) == [("registration-confirmed", "person1@example.org")]
    confirmation = (await outbox_messages("registration-confirmed"))[-1]
    assert calendar_part(confirmation).get_param("method") == "REQUEST"
    assert (await history(result.registration["id"]))[-1] == (
        "registration.reinstated",
        "desk@example.org",
        "confirmed",
    )


async def test_organizer_reinstates_into_a_full_meeting_at_the_end_of_the_line(organizer):
    meeting = await closed_meeting(capacity=1)
    result = await services.register(meeting, form(1), now=NOW)
    await services.cancel(result.registration["id"], by=PARTICIPANT, now=NOW)
    await services.register(meeting, form(2), now=NOW)
    await services.register(meeting, form(3), now=NOW)
    again = await services.reinstate(result.registration["id"], by=organizer, now=LATER)
    assert (again.status, again.waitlist_position) == ("waitlisted", 2)
    message = (await outbox_messages("registration-waitlisted"))[-1]
    assert message["To"].addresses[0].addr_spec == "person1@example.org"
    assert "at number 2." in body_text(message)


async def test_organizer_reinstates_into_an_approval_category_as_pending(organizer):
    meeting = await closed_meeting(approval_categories=("media",))
    result = await services.register(meeting, form(1, category="media"), now=NOW)
    await services.cancel(result.registration["id"], by=PARTICIPANT, now=NOW)
    again = await services.reinstate(result.registration["id"], by=organizer, now=LATER)
    assert again.status == "pending"
    assert len(await outbox_messages("registration-received")) == 2


async def test_organizer_reconsiders_a_rejected_registration(organizer):
    meeting = await closed_meeting(capacity=1)
    result = await services.register(meeting, form(1), now=NOW)
    await services.register(meeting, form(2), now=NOW)  # waiting for the seat
    await services.reject(result.registration["id"], "Duplicate.", by=organizer, now=NOW)
    with pytest.raises(Conflict) as refused:
        await services.reinstate(result.registration["id"], now=NOW)
    assert refused.value.extra == {"reason": "not-cancelled"}
    before = await last_outbox_id()

    again = await services.reinstate(result.registration["id"], by=organizer, now=LATER)

    # The seat went to the person waiting; reconsidered, the registration awaits a decision again.
    assert (again.status, again.registration["rejection_reason"]) == ("pending", "")
    assert (await row(result.registration["id"]))["status"] == "pending"
    assert await kinds_since(before) == [("registration-reconsidered", "person1@example.org")]
    message = (await outbox_messages("registration-reconsidered"))[0]
    assert str(message["Subject"]) == "Your registration is being reconsidered: Test workshop"
    assert "It is awaiting their approval again" in body_text(message)
    assert f"https://testserver.local/r/{result.token}" in body_text(message)
    entry = await AuditEntry.select(AuditEntry.actor, AuditEntry.data).where(
        AuditEntry.action == "registration.reconsidered"
    )
    assert entry[0]["actor"] == "desk@example.org"
    assert "Duplicate." in str(entry[0]["data"])
    approved = await services.approve(result.registration["id"], by=organizer, now=LATER)
    assert (approved.status, approved.waitlist_position) == ("waitlisted", 1)


async def test_organizer_cannot_reinstate_what_has_not_ended(organizer):
    meeting = await make_meeting()
    result = await services.register(meeting, form(1), now=NOW)
    with pytest.raises(Conflict) as raised:
        await services.reinstate(result.registration["id"], by=organizer, now=NOW)
    assert raised.value.extra == {"reason": "active"}


async def test_email_change_notices_are_written_in_the_persons_language(organizer):
    meeting = await make_meeting()
    french = await services.register(meeting, form(1, language="fr"), now=NOW)
    spanish = await services.register(meeting, form(2, language="es"), now=NOW)
    for result in (french, spanish):
        await services.edit_registration(
            result.registration["id"],
            {"email": f"new-{result.registration['email']}"},
            by=organizer,
            now=NOW,
        )
    notices = await outbox_messages("registration-email-changed")
    assert [str(m["Subject"]) for m in notices] == [
        "L’adresse électronique de votre inscription a été modifiée\u00a0: Test workshop",
        "Se ha modificado la dirección de correo electrónico de su inscripción: Test workshop",
    ]
    await services.reject(spanish.registration["id"], "No.", by=organizer, now=NOW)
    await services.reinstate(spanish.registration["id"], by=organizer, now=NOW)
    [reconsidered] = await outbox_messages("registration-reconsidered")
    assert str(reconsidered["Subject"]) == "Se está reconsiderando su inscripción: Test workshop"
