"""Checking in at the desk: genuine codes once, every other code refused, concurrent scans, undo."""

import asyncio
from datetime import UTC, datetime, timedelta

import pytest

from idmevents.audit.tables import AuditEntry
from idmevents.badges import codes, services
from idmevents.db import write_transaction
from idmevents.registrations.tables import CheckIn, Registration
from tests.factories.badges import add_registration, add_user, meeting

NOW = datetime(2027, 4, 20, 13, 5, tzinfo=UTC)
KEY = "test-secret-key-not-for-production"


async def badge_code(registration: dict) -> str:
    """The code on the registration's badge, as the badge page makes it."""
    page = await services.badge_for_token(registration["token"])
    return page.badge.code


async def checkins() -> list[dict]:
    return await CheckIn.select(CheckIn.registration, CheckIn.checked_in_by, CheckIn.checked_in_at)


async def audit_entries() -> list[tuple]:
    rows = await AuditEntry.select(
        AuditEntry.action, AuditEntry.entity_type, AuditEntry.entity_id, AuditEntry.actor
    ).order_by(AuditEntry.id)
    return [(r["action"], r["entity_type"], r["entity_id"], r["actor"]) for r in rows]


async def test_genuine_code_checks_in_once_then_says_when_and_by_whom(demo):
    new_york = await meeting()
    person = await add_registration(new_york, given_name="Jürg", family_name="Lauber")
    desk = await add_user(display_name="Door A")
    code = await badge_code(person)

    first = await services.check_in_code(new_york, code, by=desk, now=NOW)
    second = await services.check_in_code(new_york, code, by=desk, now=NOW + timedelta(minutes=3))

    assert (first.outcome, first.card.full_name, first.card.checked_in_at) == (
        "checked_in",
        "Jürg Lauber",
        NOW,
    )
    assert (second.outcome, second.card.checked_in_at, second.card.checked_in_by) == (
        "already_checked_in",
        NOW,
        "Door A",
    )
    assert await checkins() == [
        {"registration": person["id"], "checked_in_by": desk.id, "checked_in_at": NOW}
    ]
    assert await audit_entries() == [("check_in", "checkin", person["id"], desk.email)]
    assert await AuditEntry.select(AuditEntry.summary, AuditEntry.meeting_slug) == [
        {"summary": "Jürg Lauber checked in", "meeting_slug": "idm-new-york"}
    ]


async def test_code_typed_by_hand_with_groups_and_lower_case_checks_in(demo):
    new_york = await meeting()
    person = await add_registration(new_york)
    typed = codes.display(await badge_code(person)).lower()
    result = await services.check_in_code(new_york, typed, by=None, now=NOW)
    assert result.outcome == "checked_in"


async def test_tampered_code_is_refused(demo):
    new_york = await meeting()
    code = await badge_code(await add_registration(new_york))
    tampered = code[:-1] + ("0" if code[-1] != "0" else "1")
    result = await services.check_in_code(new_york, tampered, by=None, now=NOW)
    assert (result.outcome, result.reason, result.card) == ("refused", "invalid_code", None)
    assert await checkins() == []


async def test_code_signed_with_another_key_is_refused(demo):
    new_york = await meeting()
    person = await add_registration(new_york)
    await badge_code(person)  # gives the registration its check-in id
    checkin_id = (
        await Registration.select(Registration.checkin_id)
        .where(Registration.id == person["id"])
        .first()
    )["checkin_id"]
    forged = codes.make_code(checkin_id, new_york["id"], "someone else's secret key")
    result = await services.check_in_code(new_york, forged, by=None, now=NOW)
    assert (result.outcome, result.reason) == ("refused", "invalid_code")
    assert await checkins() == []


async def test_code_re_signed_for_this_meeting_from_another_meetings_badge_is_refused(demo):
    new_york, geneva = await meeting("idm-new-york"), await meeting("idm-geneva")
    person = await add_registration(geneva)
    geneva_code = await badge_code(person)
    # The Geneva badge's random part with a tag for New York: only the key could make that tag.
    forged = codes.make_code(codes.checkin_id_of(geneva_code), new_york["id"], "guessed key")
    result = await services.check_in_code(new_york, forged, by=None, now=NOW)
    assert (result.outcome, result.reason) == ("refused", "invalid_code")


async def test_badge_of_another_meeting_is_refused_and_names_that_meeting(demo):
    new_york, geneva = await meeting("idm-new-york"), await meeting("idm-geneva")
    code = await badge_code(await add_registration(geneva))
    result = await services.check_in_code(new_york, code, by=None, now=NOW)
    assert (result.outcome, result.reason, result.other_meeting) == (
        "refused",
        "other_meeting",
        geneva["title"],
    )
    assert result.message == f"This badge is for another meeting: {geneva['title']}."
    assert await checkins() == []


async def test_genuine_code_without_a_registration_is_refused_as_no_longer_valid(demo):
    new_york = await meeting()
    code = codes.make_code(codes.new_checkin_id(), new_york["id"], KEY)
    result = await services.check_in_code(new_york, code, by=None, now=NOW)
    assert (result.outcome, result.reason) == ("refused", "unknown_code")


async def test_text_that_is_not_a_code_is_refused(demo):
    result = await services.check_in_code(await meeting(), "hello", by=None, now=NOW)
    assert (result.outcome, result.reason) == ("refused", "invalid_code")


@pytest.mark.parametrize("status", ["pending", "waitlisted", "cancelled", "rejected"])
async def test_registration_that_is_not_confirmed_is_refused_with_its_status(demo, status):
    new_york = await meeting()
    person = await add_registration(new_york)
    code = await badge_code(person)
    await Registration.update({Registration.status: status}).where(Registration.id == person["id"])
    result = await services.check_in_code(new_york, code, by=None, now=NOW)
    assert (result.outcome, result.reason, result.card.status) == ("refused", status, status)
    assert await checkins() == []
    assert await audit_entries() == []


async def test_check_in_by_id_of_another_meetings_registration_is_refused(demo):
    person = await add_registration(await meeting("idm-geneva"))
    result = await services.check_in(await meeting(), person["id"], by=None, now=NOW)
    assert (result.outcome, result.reason) == ("refused", "not_found")


async def test_concurrent_scans_of_one_code_make_one_check_in(demo):
    new_york = await meeting()
    person = await add_registration(new_york)
    code = await badge_code(person)
    results = await asyncio.gather(
        *(services.check_in_code(new_york, code, by=None, now=NOW) for _ in range(12))
    )
    outcomes = sorted(result.outcome for result in results)
    assert outcomes == ["already_checked_in"] * 11 + ["checked_in"]
    assert len(await checkins()) == 1
    assert len(await audit_entries()) == 1


async def test_check_in_written_behind_the_desks_back_answers_already_checked_in(demo):
    """The unique index is the backstop: a writer that skipped the row lock inserted first."""
    new_york = await meeting()
    person = await add_registration(new_york)
    inserted, release = asyncio.Event(), asyncio.Event()

    async def other_writer():
        async with write_transaction():
            await CheckIn.insert(CheckIn(registration=person["id"], checked_in_at=NOW))
            inserted.set()
            await release.wait()

    writer = asyncio.create_task(other_writer())
    await inserted.wait()
    desk = asyncio.create_task(
        services.check_in(new_york, person["id"], by=None, now=NOW + timedelta(seconds=1))
    )
    await asyncio.sleep(0.3)  # the desk is now waiting on the other writer's transaction
    release.set()
    await writer
    result = await desk
    assert (result.outcome, result.card.checked_in_at) == ("already_checked_in", NOW)
    assert len(await checkins()) == 1


async def test_undo_removes_the_check_in_and_allows_a_new_one(demo):
    new_york = await meeting()
    person = await add_registration(new_york)
    await services.check_in(new_york, person["id"], by=None, now=NOW)

    undone = await services.undo_check_in(new_york, person["id"], by=None, now=NOW)
    again = await services.undo_check_in(new_york, person["id"], by=None, now=NOW)
    assert (undone.outcome, undone.card.checked_in) == ("undone", False)
    assert again.outcome == "not_checked_in"
    assert await checkins() == []
    assert [entry[0] for entry in await audit_entries()] == ["check_in", "undo_check_in"]

    later = NOW + timedelta(minutes=10)
    result = await services.check_in(new_york, person["id"], by=None, now=later)
    assert (result.outcome, result.card.checked_in_at) == ("checked_in", later)


async def test_undo_for_a_registration_of_another_meeting_is_not_found(demo):
    from idmevents.errors import NotFound

    person = await add_registration(await meeting("idm-geneva"))
    with pytest.raises(NotFound):
        await services.undo_check_in(await meeting(), person["id"], by=None, now=NOW)


async def test_arrival_counts_per_category_against_confirmed(demo):
    new_york = await meeting()
    states = await add_registration(new_york, category="member-state")
    await add_registration(new_york, category="member-state")
    media = await add_registration(new_york, category="media")
    await add_registration(new_york, category="media", status="pending")
    await add_registration(await meeting("idm-geneva"), category="media")
    for person in (states, media):
        await services.check_in(new_york, person["id"], by=None, now=NOW)

    totals = await services.arrival_counts(new_york)
    assert (totals.expected, totals.done) == (3, 2)
    assert [(c.category, c.label, c.expected, c.done) for c in totals.categories] == [
        ("media", "Media", 1, 1),
        ("member-state", "Member State", 2, 1),
    ]


async def test_search_ignores_case_and_accents_and_puts_confirmed_first(demo):
    new_york = await meeting()
    await add_registration(new_york, given_name="Jürg", family_name="Lauber", status="cancelled")
    await add_registration(new_york, given_name="Jurg", family_name="Laubermann")
    await add_registration(new_york, given_name="Louise", family_name="Arbour")
    await add_registration(await meeting("idm-geneva"), given_name="Jürg", family_name="Lauber")

    found = await services.search(new_york, "  JURG  laub ")
    assert [(c.full_name, c.status) for c in found.cards] == [
        ("Jurg Laubermann", "confirmed"),
        ("Jürg Lauber", "cancelled"),
    ]
    assert found.more is False


async def test_search_by_organization_or_email_and_limit(demo):
    new_york = await meeting()
    for n in range(4):
        await add_registration(
            new_york, organization="Université de Genève", email=f"u{n}@unige.ch"
        )
    by_org = await services.search(new_york, "universite geneve", limit=3)
    by_email = await services.search(new_york, "u2@unige")
    assert (len(by_org.cards), by_org.more) == (3, True)
    assert [c.email for c in by_email.cards] == ["u2@unige.ch"]


async def test_search_for_nothing_finds_nothing(demo):
    new_york = await meeting()
    await add_registration(new_york)
    assert (await services.search(new_york, "   ")).cards == []


async def test_replacing_a_lost_badge_voids_the_old_code(demo):
    new_york = await meeting()
    person = await add_registration(new_york, badge_printed_at=NOW)
    old_code = await badge_code(person)

    result = await services.replace_badge(new_york, person["id"], by=None, now=NOW)
    new_code = await badge_code(person)
    old = await services.check_in_code(new_york, old_code, by=None, now=NOW)
    new = await services.check_in_code(new_york, new_code, by=None, now=NOW)

    assert (result.outcome, result.card.badge_printed_at) == ("badge_replaced", None)
    assert new_code != old_code
    assert (old.outcome, old.reason) == ("refused", "unknown_code")
    assert new.outcome == "checked_in"
    assert [entry[0] for entry in await audit_entries()] == ["replace_badge", "check_in"]


async def test_replacing_the_badge_of_a_pending_registration_is_refused(demo):
    new_york = await meeting()
    person = await add_registration(new_york, status="pending")
    result = await services.replace_badge(new_york, person["id"], by=None, now=NOW)
    assert (result.outcome, result.reason) == ("refused", "pending")
    assert await audit_entries() == []
