"""The registration rules, called as the services they are: seats, waiting lists, approval, sessions."""

from datetime import timedelta

import pytest

from idmevents.audit import PARTICIPANT, SYSTEM, Actor
from idmevents.audit.tables import AuditEntry
from idmevents.errors import Conflict, InvalidInput
from idmevents.meetings.tables import Meeting
from idmevents.registrations import services
from idmevents.registrations.tables import Registration, SessionAttendance
from idmevents.validation import MULTI_LINE_MESSAGE, SINGLE_LINE_MESSAGE
from tests.factories.meetings import NOW, make_meeting, make_session
from tests.factories.registrations import form
from tests.support.outbox import outbox_messages


async def statuses(meeting: dict) -> list[tuple[str, str, int | None]]:
    """(family name, status, waiting-list position) for each registration, in arrival order."""
    rows = (
        await Registration.select()
        .where(Registration.meeting == meeting["id"])
        .order_by(Registration.id)
    )
    return [
        (row["family_name"], row["status"], await services.waitlist_position(row)) for row in rows
    ]


async def outbox_summary() -> list[tuple[str, str]]:
    """(subject, recipient address) of every queued email, oldest first."""
    return [(str(m["Subject"]), m["To"].addresses[0].addr_spec) for m in await outbox_messages()]


async def test_register_confirms_until_full_then_waitlists_in_order():
    meeting = await make_meeting(capacity=2)
    results = [await services.register(meeting, form(n), now=NOW) for n in range(1, 5)]
    assert [(r.status, r.waitlist_position) for r in results] == [
        ("confirmed", None),
        ("confirmed", None),
        ("waitlisted", 1),
        ("waitlisted", 2),
    ]
    assert await outbox_summary() == [
        ("Registration confirmed: Test workshop", "person1@example.org"),
        ("Registration confirmed: Test workshop", "person2@example.org"),
        ("You are on the waiting list: Test workshop", "person3@example.org"),
        ("You are on the waiting list: Test workshop", "person4@example.org"),
    ]


async def test_register_without_capacity_always_confirms():
    meeting = await make_meeting(capacity=None)
    results = [await services.register(meeting, form(n), now=NOW) for n in range(1, 4)]
    assert [r.status for r in results] == ["confirmed", "confirmed", "confirmed"]


async def test_approval_category_is_pending_and_holds_no_seat():
    meeting = await make_meeting(capacity=1, approval_categories=("media", "civil-society"))
    pending = await services.register(meeting, form(1, category="media", country=""), now=NOW)
    delegate = await services.register(meeting, form(2), now=NOW)
    assert (pending.status, pending.waitlist_position) == ("pending", None)
    assert delegate.status == "confirmed"
    assert await outbox_summary() == [
        ("Registration received: Test workshop", "person1@example.org"),
        ("Registration confirmed: Test workshop", "person2@example.org"),
    ]


async def test_approve_confirms_when_a_seat_is_free():
    meeting = await make_meeting(capacity=1, approval_categories=("media",))
    pending = await services.register(meeting, form(1, category="media"), now=NOW)
    result = await services.approve(pending.registration["id"], by=SYSTEM, now=NOW)
    assert (result.status, result.waitlist_position) == ("confirmed", None)
    assert (await outbox_summary())[-1] == (
        "Registration approved and confirmed: Test workshop",
        "person1@example.org",
    )


async def test_approve_when_full_puts_the_person_last_on_the_waiting_list():
    meeting = await make_meeting(capacity=1, approval_categories=("media",))
    pending = await services.register(meeting, form(1, category="media"), now=NOW)
    await services.register(meeting, form(2), now=NOW)  # takes the seat
    await services.register(meeting, form(3), now=NOW)  # waiting, 1
    result = await services.approve(pending.registration["id"], by=SYSTEM, now=NOW)
    assert (result.status, result.waitlist_position) == ("waitlisted", 2)
    assert (await outbox_summary())[-1] == (
        "Registration approved, on the waiting list: Test workshop",
        "person1@example.org",
    )


async def test_approve_twice_is_a_conflict():
    meeting = await make_meeting(capacity=5, approval_categories=("media",))
    pending = await services.register(meeting, form(1, category="media"), now=NOW)
    await services.approve(pending.registration["id"], by=SYSTEM, now=NOW)
    with pytest.raises(Conflict):
        await services.approve(pending.registration["id"], by=SYSTEM, now=NOW)


async def test_cancel_confirmed_promotes_the_first_waiting_and_tells_them():
    meeting = await make_meeting(capacity=2)
    first = await services.register(meeting, form(1), now=NOW)
    for n in (2, 3, 4):
        await services.register(meeting, form(n), now=NOW)
    await services.cancel(first.registration["id"], by=PARTICIPANT, now=NOW)
    assert await statuses(meeting) == [
        ("Person 1", "cancelled", None),
        ("Person 2", "confirmed", None),
        ("Person 3", "confirmed", None),
        ("Person 4", "waitlisted", 1),
    ]
    assert (await outbox_summary())[-2:] == [
        ("Registration cancelled: Test workshop", "person1@example.org"),
        ("A seat is now yours: Test workshop", "person3@example.org"),
    ]


async def test_cancel_waitlisted_moves_the_others_up_without_promoting():
    meeting = await make_meeting(capacity=1)
    for n in (1, 2, 3, 4):
        await services.register(meeting, form(n), now=NOW)
    second_in_line = await Registration.select().where(Registration.family_name == "Person 3")
    await services.cancel(second_in_line[0]["id"], by=PARTICIPANT, now=NOW)
    assert await statuses(meeting) == [
        ("Person 1", "confirmed", None),
        ("Person 2", "waitlisted", 1),
        ("Person 3", "cancelled", None),
        ("Person 4", "waitlisted", 2),
    ]
    assert (await outbox_summary())[-1] == (
        "Registration cancelled: Test workshop",
        "person3@example.org",
    )


async def test_cancel_twice_is_a_conflict_and_sends_nothing_more():
    meeting = await make_meeting(capacity=1)
    result = await services.register(meeting, form(1), now=NOW)
    await services.cancel(result.registration["id"], by=PARTICIPANT, now=NOW)
    before = await outbox_summary()
    with pytest.raises(Conflict):
        await services.cancel(result.registration["id"], by=PARTICIPANT, now=NOW)
    assert await outbox_summary() == before


async def test_reject_needs_a_reason():
    meeting = await make_meeting(capacity=1, approval_categories=("media",))
    pending = await services.register(meeting, form(1, category="media"), now=NOW)
    with pytest.raises(InvalidInput) as raised:
        await services.reject(pending.registration["id"], "  \n ", by=SYSTEM, now=NOW)
    assert raised.value.fields == {"reason": "Give the reason: the person will read it."}
    assert (await services.get_by_token(pending.token))["status"] == "pending"


async def test_reject_confirmed_frees_the_seat_for_the_waiting_list():
    meeting = await make_meeting(capacity=1)
    first = await services.register(meeting, form(1), now=NOW)
    await services.register(meeting, form(2), now=NOW)
    await services.reject(
        first.registration["id"], "Registration is for delegations only.", by=SYSTEM, now=NOW
    )
    assert await statuses(meeting) == [
        ("Person 1", "rejected", None),
        ("Person 2", "confirmed", None),
    ]
    rejected = (await services.get_by_token(first.token))["rejection_reason"]
    assert rejected == "Registration is for delegations only."
    assert (await outbox_summary())[-2:] == [
        ("Your registration was not accepted: Test workshop", "person1@example.org"),
        ("A seat is now yours: Test workshop", "person2@example.org"),
    ]


async def test_promote_out_of_turn_needs_a_free_seat_unless_over_capacity():
    meeting = await make_meeting(capacity=1)
    await services.register(meeting, form(1), now=NOW)
    await services.register(meeting, form(2), now=NOW)
    third = await services.register(meeting, form(3), now=NOW)
    with pytest.raises(Conflict) as raised:
        await services.promote(third.registration["id"], by=SYSTEM, now=NOW)
    assert raised.value.extra == {"reason": "full"}
    result = await services.promote(
        third.registration["id"], by=SYSTEM, now=NOW, over_capacity=True
    )
    assert result.status == "confirmed"
    assert await statuses(meeting) == [
        ("Person 1", "confirmed", None),
        ("Person 2", "waitlisted", 1),
        ("Person 3", "confirmed", None),
    ]


async def test_raised_capacity_gives_seats_to_those_waiting_before_newcomers():
    meeting = await make_meeting(capacity=1)
    for n in (1, 2, 3):
        await services.register(meeting, form(n), now=NOW)
    await Meeting.update({Meeting.capacity: 3}).where(Meeting.id == meeting["id"])
    meeting = await Meeting.select().where(Meeting.id == meeting["id"]).first()
    newcomer = await services.register(meeting, form(4), now=NOW)
    assert newcomer.status == "waitlisted"
    assert await statuses(meeting) == [
        ("Person 1", "confirmed", None),
        ("Person 2", "confirmed", None),
        ("Person 3", "confirmed", None),
        ("Person 4", "waitlisted", 1),
    ]


async def test_fill_free_seats_moves_the_waiting_list_up():
    meeting = await make_meeting(capacity=1)
    for n in (1, 2, 3):
        await services.register(meeting, form(n), now=NOW)
    await Meeting.update({Meeting.capacity: 2}).where(Meeting.id == meeting["id"])
    await services.fill_free_seats(meeting["id"], now=NOW)
    assert await statuses(meeting) == [
        ("Person 1", "confirmed", None),
        ("Person 2", "confirmed", None),
        ("Person 3", "waitlisted", 1),
    ]


async def test_duplicate_email_is_a_conflict_and_sends_the_link_once():
    meeting = await make_meeting(capacity=5)
    first = await services.register(meeting, form(1), now=NOW)
    for _ in range(2):
        with pytest.raises(Conflict) as raised:
            await services.register(
                meeting, form(1, email="PERSON1@Example.ORG", given_name="Other"), now=NOW
            )
        assert raised.value.extra == {"reason": "duplicate"}
    assert await Registration.count() == 1
    links = await outbox_messages("registration-link")
    assert [str(m["Subject"]) for m in links] == ["Your registration link: Test workshop"]
    assert first.token in links[0].get_body(("plain",)).get_content()
    # Later on, asking again sends the link again.
    with pytest.raises(Conflict):
        await services.register(meeting, form(1), now=NOW + timedelta(minutes=6))
    assert len(await outbox_messages("registration-link")) == 2


async def test_same_email_may_register_for_two_meetings():
    new_york = await make_meeting(slug="ny", capacity=5)
    geneva = await make_meeting(slug="gva", capacity=5)
    await services.register(new_york, form(1), now=NOW)
    await services.register(geneva, form(1), now=NOW)
    assert await Registration.count() == 2


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"opens_at": NOW + timedelta(days=1)}, "Registration for this meeting is not open yet."),
        ({"closes_at": NOW}, "Registration for this meeting is closed."),
        ({"status": "cancelled"}, "Registration for this meeting is closed."),
    ],
)
async def test_register_outside_the_window_is_a_conflict_and_writes_nothing(changes, message):
    meeting = await make_meeting(**changes)
    with pytest.raises(Conflict) as raised:
        await services.register(meeting, form(1), now=NOW)
    assert (raised.value.message, raised.value.extra) == (message, {"reason": "closed"})
    assert await Registration.count() == 0
    assert await outbox_messages() == []


async def test_register_with_bad_fields_names_each_and_writes_nothing():
    meeting = await make_meeting()
    bad = form(
        1,
        given_name="   ",
        email="not an address",
        category="diplomat",
        country="Chile",
        language="de",
        consent=False,
        sessions=[999],
    )
    with pytest.raises(InvalidInput) as raised:
        await services.register(meeting, bad, now=NOW)
    assert raised.value.fields == {
        "given_name": "Enter your given name.",
        "email": "Enter an email address in the form name@example.org.",
        "category": (
            "Choose one of: member-state, observer, un-igo, civil-society, academia, "
            "private-sector, media, iom."
        ),
        "country": "Use a two-letter ISO 3166 country code, such as CH or US.",
        "language": "Choose one of: en, fr, es.",
        "sessions": "These are not sessions of this meeting that you can sign up for: 999.",
        "consent": "You must agree to the use of your details for this meeting to register.",
    }
    assert await Registration.count() == 0


async def test_register_cleans_what_was_typed():
    meeting = await make_meeting()
    result = await services.register(
        meeting,
        form(
            1,
            given_name="  Ana ",
            email=" Person1@Exämple.org ",
            country="cl",
            accessibility_needs="Step-free access\r\nA seat near the front\rRamp ",
        ),
        now=NOW,
    )
    row = await services.get_by_token(result.token)
    assert {k: row[k] for k in ("given_name", "email", "email_key", "country")} == {
        "given_name": "Ana",
        "email": "Person1@xn--exmple-cua.org",
        "email_key": "person1@xn--exmple-cua.org",
        "country": "CL",
    }
    assert row["accessibility_needs"] == "Step-free access\nA seat near the front\nRamp"


async def test_register_refuses_control_characters_in_any_text_field():
    """Every text the public form takes keeps `validation`'s line rules: a 422 naming the field,
    and nothing written."""
    meeting = await make_meeting()
    bad = {
        "given_name": "Ana\r\nBcc: x@evil.example",
        "family_name": "Rojas\tRojas",
        "organization": "Mission\nBcc: x@evil.example",
        "position": "First\x00Secretary",
        "accessibility_needs": "Ramp\x1b[31m",
    }
    with pytest.raises(InvalidInput) as raised:
        await services.register(meeting, form(1, **bad), now=NOW)
    assert raised.value.fields == {
        "given_name": SINGLE_LINE_MESSAGE,
        "family_name": SINGLE_LINE_MESSAGE,
        "organization": SINGLE_LINE_MESSAGE,
        "position": SINGLE_LINE_MESSAGE,
        "accessibility_needs": MULTI_LINE_MESSAGE,
    }
    assert await Registration.count() == 0


async def test_country_is_required_for_delegations_only():
    meeting = await make_meeting()
    with pytest.raises(InvalidInput) as raised:
        await services.register(meeting, form(1, category="observer", country=""), now=NOW)
    assert list(raised.value.fields) == ["country"]
    result = await services.register(meeting, form(2, category="academia", country=""), now=NOW)
    assert result.status == "confirmed"


async def test_tokens_are_long_random_and_distinct():
    meeting = await make_meeting(capacity=None)
    results = [await services.register(meeting, form(n), now=NOW) for n in range(1, 4)]
    tokens = [r.token for r in results] + [r.registration["feed_token"] for r in results]
    assert len(set(tokens)) == 6
    assert all(len(token) == 43 for token in tokens)


async def test_reinstate_a_cancelled_registration_is_decided_like_a_new_one():
    meeting = await make_meeting(capacity=1)
    first = await services.register(meeting, form(1), now=NOW)
    await services.cancel(first.registration["id"], by=PARTICIPANT, now=NOW)
    await services.register(meeting, form(2), now=NOW)
    again = await services.reinstate(first.registration["id"], now=NOW)
    assert (again.status, again.waitlist_position) == ("waitlisted", 1)
    with pytest.raises(Conflict):
        await services.reinstate(first.registration["id"], now=NOW)


async def test_update_details_emails_the_new_details_in_the_new_language():
    meeting = await make_meeting()
    result = await services.register(meeting, form(1), now=NOW)
    changed = await services.update_details(
        result.registration["id"],
        {
            "given_name": "Ana María",
            "family_name": "Person 1",
            "organization": "Permanent Mission of Chile",
            "position": "Counsellor",
            "country": "CL",
            "language": "es",
            "accessibility_needs": "",
        },
        by=PARTICIPANT,
        now=NOW,
    )
    assert (changed.registration["given_name"], changed.registration["position"]) == (
        "Ana María",
        "Counsellor",
    )
    message = (await outbox_messages("registration-details-changed"))[0]
    assert message["To"].addresses[0].display_name == "Ana María Person 1"
    assert str(message["Subject"]) == "Se han modificado los datos de su inscripción: Test workshop"
    assert "Cargo: Counsellor" in message.get_body(("plain",)).get_content()


async def test_update_details_without_changes_sends_nothing():
    meeting = await make_meeting()
    result = await services.register(meeting, form(1), now=NOW)
    same = {k: result.registration[k] for k in services.DETAIL_FIELDS}
    await services.update_details(result.registration["id"], same, by=PARTICIPANT, now=NOW)
    assert await outbox_messages("registration-details-changed") == []


async def test_update_details_of_a_cancelled_registration_is_a_conflict():
    meeting = await make_meeting()
    result = await services.register(meeting, form(1), now=NOW)
    await services.cancel(result.registration["id"], by=PARTICIPANT, now=NOW)
    with pytest.raises(Conflict):
        await services.update_details(
            result.registration["id"], {"given_name": "X"}, by=PARTICIPANT, now=NOW
        )


# --- sessions with their own capacity


async def attendance(registration_id: int) -> list[tuple[int, str]]:
    rows = (
        await SessionAttendance.select()
        .where(SessionAttendance.registration == registration_id)
        .order_by(SessionAttendance.meeting_session)
    )
    return [(row["meeting_session"], row["status"]) for row in rows]


async def test_session_capacity_has_its_own_waiting_list_and_promotion():
    meeting = await make_meeting(capacity=None)
    side = await make_session(meeting, "side", capacity=1, kind="side-event")
    plenary = await make_session(meeting, "plenary")
    first = await services.register(meeting, form(1, sessions=[side["id"]]), now=NOW)
    second = await services.register(
        meeting, form(2, sessions=[side["id"], plenary["id"]]), now=NOW
    )
    assert await attendance(first.registration["id"]) == [(side["id"], "confirmed")]
    assert await attendance(second.registration["id"]) == [
        (side["id"], "waitlisted"),
        (plenary["id"], "confirmed"),
    ]
    waiting = next(s for s in second.sessions if s.id == side["id"])
    assert (waiting.status, waiting.position, waiting.places_left) == ("waitlisted", 1, 0)

    await services.choose_sessions(first.registration["id"], [], by=PARTICIPANT, now=NOW)
    assert await attendance(second.registration["id"]) == [
        (side["id"], "confirmed"),
        (plenary["id"], "confirmed"),
    ]
    assert (await outbox_summary())[-1] == (
        "A place is now yours: Session side",
        "person2@example.org",
    )


async def test_pending_registration_waits_for_session_places_until_confirmed():
    meeting = await make_meeting(capacity=None, approval_categories=("civil-society",))
    side = await make_session(meeting, "side", capacity=2, kind="side-event")
    pending = await services.register(
        meeting, form(1, category="civil-society", sessions=[side["id"]]), now=NOW
    )
    choice = next(s for s in pending.sessions if s.id == side["id"])
    assert (choice.status, choice.position, choice.places_left) == ("waitlisted", None, 2)
    sent = len(await outbox_messages())
    await services.approve(pending.registration["id"], by=SYSTEM, now=NOW)
    assert await attendance(pending.registration["id"]) == [(side["id"], "confirmed")]
    # One email: the approval, which lists the session; no separate "a place is yours".
    assert len(await outbox_messages()) == sent + 1


async def test_cancelling_frees_session_places_for_those_waiting():
    meeting = await make_meeting(capacity=None)
    side = await make_session(meeting, "side", capacity=1, kind="side-event")
    first = await services.register(meeting, form(1, sessions=[side["id"]]), now=NOW)
    second = await services.register(meeting, form(2, sessions=[side["id"]]), now=NOW)
    await services.cancel(first.registration["id"], by=PARTICIPANT, now=NOW)
    assert await attendance(first.registration["id"]) == []
    assert await attendance(second.registration["id"]) == [(side["id"], "confirmed")]


async def test_breaks_and_cancelled_sessions_cannot_be_chosen():
    meeting = await make_meeting(capacity=None)
    coffee = await make_session(meeting, "coffee", kind="break")
    gone = await make_session(meeting, "gone", status="cancelled")
    result = await services.register(meeting, form(1), now=NOW)
    with pytest.raises(InvalidInput) as raised:
        await services.choose_sessions(
            result.registration["id"], [coffee["id"], gone["id"]], by=PARTICIPANT, now=NOW
        )
    assert raised.value.fields == {
        "sessions": (
            "These are not sessions of this meeting that you can sign up for: "
            f"{coffee['id']}, {gone['id']}."
        )
    }


async def test_sessions_of_another_meeting_cannot_be_chosen():
    meeting = await make_meeting(capacity=None)
    other = await make_meeting(slug="other", capacity=None)
    elsewhere = await make_session(other, "x")
    with pytest.raises(InvalidInput) as raised:
        await services.register(meeting, form(1, sessions=[elsewhere["id"]]), now=NOW)
    assert list(raised.value.fields) == ["sessions"]


async def test_changes_are_audited_with_who_made_them(make_user):
    meeting = await make_meeting(capacity=1)
    organizer, _ = await make_user("organizer", email="desk@example.org")
    first = await services.register(meeting, form(1), now=NOW)
    await services.register(meeting, form(2), now=NOW)
    await services.cancel(
        first.registration["id"], by=Actor(organizer["id"], organizer["email"]), now=NOW
    )
    entries = await AuditEntry.select().order_by(AuditEntry.id)
    assert [(e["action"], e["actor"], e["user"], e["entity_id"]) for e in entries] == [
        ("registration.created", "participant", None, first.registration["id"]),
        ("registration.created", "participant", None, first.registration["id"] + 1),
        ("registration.cancelled", "desk@example.org", organizer["id"], first.registration["id"]),
        ("registration.promoted", "system", None, first.registration["id"] + 1),
    ]
    assert {e["meeting_slug"] for e in entries} == {"test-meeting"}
    cancelled = (await outbox_messages("registration-cancelled"))[0]
    assert "The organizers have cancelled your registration for Test workshop." in (
        cancelled.get_body(("plain",)).get_content()
    )


async def test_a_value_of_the_wrong_type_from_a_caller_is_a_422_naming_it():
    meeting = await make_meeting()
    with pytest.raises(InvalidInput) as raised:
        await services.register(meeting, form(1, consent="yes"), now=NOW)
    assert raised.value.fields == {"consent": "Expected `bool`, got `str` - at `$.consent`"}
    assert await Registration.count() == 0
