"""The check-in desk: cards, check-in by id or badge code, undo, replacing a lost badge, search.

Checking in is idempotent: at most one CheckIn per registration (a unique index). The desk locks
the registration's row while it decides, so a cancellation cannot slip between the status check
and the check-in; if another writer inserts the check-in first anyway, the unique violation is
caught and answered "already checked in".
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from piccolo.query import OrderByRaw
from piccolo.query.functions.aggregate import Count

from idmevents import audit, i18n
from idmevents.auth.services import CurrentUser
from idmevents.badges import codes, render
from idmevents.badges.services._common import (
    Totals,
    actor,
    expected_by_category,
    holds_of,
    new_unused_checkin_id,
    sort_key,
    totals,
)
from idmevents.db import is_sqlite, is_unique_violation, write_transaction
from idmevents.errors import NotFound
from idmevents.meetings.services import list_public_meetings
from idmevents.meetings.tables import Meeting
from idmevents.records import copy_fields
from idmevents.registrations.labels import holder_name
from idmevents.registrations.search import search_where
from idmevents.registrations.tables import CheckIn, Registration
from idmevents.settings import get_settings
from idmevents.validation import is_row_id

SEARCH_LIMIT = 20
SEARCH_READ_LIMIT = 500  # SQLite: matches read to choose the first SEARCH_LIMIT from
SEARCH_MAX_LENGTH = 200  # longer input is no name: it is cut rather than searched word by word
_CARD_COLUMNS = (
    Registration.id,
    Registration.meeting,
    Registration.honorific,
    Registration.given_name,
    Registration.family_name,
    Registration.email,
    Registration.organization,
    Registration.category,
    Registration.country,
    Registration.seat_hold,
    Registration.status,
    Registration.badge_printed_at,
)


@dataclass(frozen=True)
class Card:
    """The person in front of the desk, as the desk needs to see them."""

    registration_id: int
    given_name: str
    family_name: str
    email: str
    organization: str
    country: str
    category: str
    category_label: str
    colour_class: str
    status: str
    badge_printed_at: datetime | None
    checked_in_at: datetime | None = None
    checked_in_by: str = ""
    honorific: str = ""
    delegation: str = ""  # the State's or organization's name, for a member of a delegation

    @property
    def full_name(self) -> str:
        return f"{self.given_name} {self.family_name}".strip()

    @property
    def checked_in(self) -> bool:
        return self.checked_in_at is not None


# What the desk answers. `refused` comes with a reason; the rest are outcomes of the request.
CHECKED_IN = "checked_in"
ALREADY_CHECKED_IN = "already_checked_in"
REFUSED = "refused"
UNDONE = "undone"
NOT_CHECKED_IN = "not_checked_in"
BADGE_REPLACED = "badge_replaced"


@dataclass(frozen=True)
class DeskResult:
    outcome: str
    card: Card | None = None
    reason: str = ""  # when refused: invalid_code, unknown_code, other_meeting, or a status
    other_meeting: str = ""  # the meeting a foreign badge belongs to

    @property
    def refused(self) -> bool:
        return self.outcome == REFUSED

    @property
    def message(self) -> str:
        return outcome_message(self)


def outcome_message(result: DeskResult) -> str:
    """One sentence for the person at the desk, in the current language."""
    gettext = i18n.gettext
    if result.outcome == CHECKED_IN:
        return gettext("Checked in.")
    if result.outcome == ALREADY_CHECKED_IN:
        return gettext("Already checked in.")
    if result.outcome == UNDONE:
        return gettext("Check-in undone.")
    if result.outcome == NOT_CHECKED_IN:
        return gettext("This person was not checked in.")
    if result.outcome == BADGE_REPLACED:
        return gettext("Badge replaced: the old one no longer works. Print the new one.")
    reasons = {
        "invalid_code": gettext(
            "Not a valid badge for this meeting: the code is forged, mistyped or from another system."
        ),
        "unknown_code": gettext(
            "This badge is no longer valid: it was replaced by a new one, or its registration was deleted."
        ),
        "other_meeting": gettext("This badge is for another meeting: %(meeting)s.")
        % {"meeting": result.other_meeting},
        "not_found": gettext("There is no such registration for this meeting."),
        "pending": gettext("Registration not confirmed: it is still awaiting approval."),
        "waitlisted": gettext("Registration not confirmed: this person is on the waiting list."),
        "cancelled": gettext("Registration cancelled."),
        "rejected": gettext("Registration rejected."),
        "online": gettext("This person takes part online, not in the room."),
    }
    return reasons.get(result.reason, gettext("Registration not confirmed."))


async def _cards(rows: list[dict]) -> list[Card]:
    """Cards for registration rows, with their check-ins (one query for all of them)."""
    ids = [row["id"] for row in rows]
    checkins = {}
    if ids:
        for entry in await CheckIn.select(
            CheckIn.registration,
            CheckIn.checked_in_at,
            CheckIn.checked_in_by.display_name.as_alias("by_name"),
            CheckIn.checked_in_by.email.as_alias("by_email"),
        ).where(CheckIn.registration.is_in(ids)):
            checkins[entry["registration"]] = entry
    holds = await holds_of(rows)
    language = i18n.current_language()
    cards = []
    for row in rows:
        entry = checkins.get(row["id"])
        cards.append(
            copy_fields(
                Card,
                row,
                registration_id=row["id"],
                country=render.country_name(row["country"]),
                category_label=render.category_label(row["category"]),
                colour_class=render.category_class(row["category"]),
                checked_in_at=entry["checked_in_at"] if entry else None,
                checked_in_by=(entry["by_name"] or entry["by_email"] or "") if entry else "",
                delegation=holder_name(holds[row["seat_hold"]], language)
                if row["seat_hold"] in holds
                else "",
            )
        )
    return cards


async def card(meeting: dict, registration_id: int) -> Card:
    if not is_row_id(registration_id):
        raise NotFound(i18n.gettext("There is no such registration for this meeting."))
    row = (
        await Registration.select(*_CARD_COLUMNS)
        .where((Registration.id == registration_id) & (Registration.meeting == meeting["id"]))
        .first()
    )
    if row is None:
        raise NotFound(i18n.gettext("There is no such registration for this meeting."))
    return (await _cards([row]))[0]


def _lock_registration(query):
    """Lock the registration against other desks and status changes while the desk decides.

    FOR NO KEY UPDATE rather than FOR UPDATE on PostgreSQL: it conflicts with another desk's lock
    and with an UPDATE of the status, but not with the key-share lock that inserting a check-in
    takes on the registration it references, so such an insert is stopped by the unique index,
    not by this lock. On SQLite the IMMEDIATE transaction already serialises every writer.
    """
    return query if is_sqlite() else query.lock_rows("NO KEY UPDATE")


async def _locked_registration(meeting: dict, registration_id: int) -> dict | None:
    """The registration of this meeting, locked until the transaction ends; None if not ours."""
    if not is_row_id(registration_id):
        return None
    return await _lock_registration(
        Registration.select(
            Registration.id,
            Registration.status,
            Registration.attendance,
            Registration.given_name,
            Registration.family_name,
        ).where((Registration.id == registration_id) & (Registration.meeting == meeting["id"]))
    ).first()


async def _found_registration(meeting: dict, registration_id: int) -> dict:
    """`_locked_registration`, or NotFound."""
    row = await _locked_registration(meeting, registration_id)
    if row is None:
        raise NotFound(i18n.gettext("There is no such registration for this meeting."))
    return row


# The desk's changes as the audit log records them: action → (entity type, what happened).
_AUDITED = {
    "check_in": ("checkin", "checked in"),
    "undo_check_in": ("checkin", "check-in undone"),
    "replace_badge": ("registration", "badge replaced: the old one no longer works"),
}


async def _audit(
    meeting: dict, row: dict, action: str, *, by: CurrentUser | None, now: datetime
) -> None:
    entity_type, what = _AUDITED[action]
    await audit.write(
        actor(by),
        action,
        entity_type,
        row["id"],
        meeting_slug=meeting["slug"],
        summary=f"{row['given_name']} {row['family_name']} {what}",
        now=now,
    )


async def check_in(
    meeting: dict,
    registration_id: int,
    *,
    by: CurrentUser | None,
    now: datetime,
    desk: str = "",
) -> DeskResult:
    """Check a registration in, once: a second call answers `already_checked_in`."""
    refusal = ""
    already = False
    try:
        async with write_transaction():
            row = await _locked_registration(meeting, registration_id)
            if row is None:
                return DeskResult(REFUSED, reason="not_found")
            if row["status"] != "confirmed":
                refusal = row["status"]
            elif row["attendance"] == "online":
                refusal = "online"
            elif await CheckIn.exists().where(CheckIn.registration == registration_id):
                already = True
            else:
                await CheckIn.insert(
                    CheckIn(
                        registration=registration_id,
                        checked_in_at=now,
                        checked_in_by=by.id if by else None,
                        desk=desk,
                    )
                )
                await _audit(meeting, row, "check_in", by=by, now=now)
    except Exception as exc:
        # The backstop: a check-in written by someone who did not take the row lock.
        if not is_unique_violation(exc):
            raise
        already = True
    person = await card(meeting, registration_id)
    if refusal:
        return DeskResult(REFUSED, card=person, reason=refusal)
    return DeskResult(ALREADY_CHECKED_IN if already else CHECKED_IN, card=person)


async def check_in_code(
    meeting: dict, text: str, *, by: CurrentUser | None, now: datetime, desk: str = ""
) -> DeskResult:
    """Check in the holder of the badge whose code is `text`, if the code is genuine and theirs."""
    code = codes.normalize(text)
    if code is None:
        return DeskResult(REFUSED, reason="invalid_code")
    secret_key = get_settings().secret_key
    row = (
        await Registration.select(Registration.id, Registration.meeting)
        .where(Registration.checkin_id == codes.checkin_id_of(code))
        .first()
    )
    if row is None:
        genuine = codes.verify(code, meeting["id"], secret_key)
        return DeskResult(REFUSED, reason="unknown_code" if genuine else "invalid_code")
    if not codes.verify(code, row["meeting"], secret_key):
        return DeskResult(REFUSED, reason="invalid_code")
    if row["meeting"] != meeting["id"]:
        other = await Meeting.select(Meeting.title).where(Meeting.id == row["meeting"]).first()
        return DeskResult(REFUSED, reason="other_meeting", other_meeting=other["title"])
    return await check_in(meeting, row["id"], by=by, now=now, desk=desk)


async def undo_check_in(
    meeting: dict, registration_id: int, *, by: CurrentUser | None, now: datetime
) -> DeskResult:
    """Remove a registration's check-in (a wrong person checked in, a scan by mistake)."""
    async with write_transaction():
        row = await _found_registration(meeting, registration_id)
        removed = (
            await CheckIn.delete()
            .where(CheckIn.registration == registration_id)
            .returning(CheckIn.id)
        )
        if removed:
            await _audit(meeting, row, "undo_check_in", by=by, now=now)
    person = await card(meeting, registration_id)
    return DeskResult(UNDONE if removed else NOT_CHECKED_IN, card=person)


async def replace_badge(
    meeting: dict, registration_id: int, *, by: CurrentUser | None, now: datetime
) -> DeskResult:
    """Void a lost badge: a new check-in id, so that the old code reads as no longer valid.

    The new badge is not printed yet; the participant's page shows it at once.
    """
    async with write_transaction():
        row = await _found_registration(meeting, registration_id)
        if row["status"] == "confirmed":
            await Registration.update(
                {
                    Registration.checkin_id: await new_unused_checkin_id(),
                    Registration.badge_printed_at: None,
                }
            ).where(Registration.id == registration_id)
            await _audit(meeting, row, "replace_badge", by=by, now=now)
    person = await card(meeting, registration_id)
    if row["status"] != "confirmed":
        return DeskResult(REFUSED, card=person, reason=row["status"])
    return DeskResult(BADGE_REPLACED, card=person)


async def arrival_counts(meeting: dict) -> Totals:
    """Arrivals against expected (confirmed registrations), in total and per category."""
    expected = await expected_by_category(meeting["id"])
    arrived_rows = (
        await CheckIn.select(CheckIn.registration.category.as_alias("category"), Count())
        .where(
            (CheckIn.registration.meeting == meeting["id"])
            & (CheckIn.registration.status == "confirmed")
        )
        .group_by(CheckIn.registration.category)
    )
    arrived = {row["category"]: row["count"] for row in arrived_rows}
    return totals(expected, arrived)


@dataclass(frozen=True)
class SearchResult:
    query: str
    cards: list[Card] = field(default_factory=list)
    more: bool = False  # there were more matches than shown


async def search(meeting: dict, query: str, *, limit: int = SEARCH_LIMIT) -> SearchResult:
    """Registrations whose name, organization, email or badge check-in id match every word of
    `query`, accents and case aside (`registrations.search`: the database's own index).

    At most `limit` are shown, confirmed people first; `more` says there were others.
    """
    query = query.strip()[:SEARCH_MAX_LENGTH]
    condition = search_where(query)
    if condition is None:
        return SearchResult(query=query)
    found = Registration.select(*_CARD_COLUMNS).where(
        (Registration.meeting == meeting["id"]) & condition
    )
    if not is_sqlite():
        # PostgreSQL sorts by the stored folded names (as `sort_key` folds them; migration
        # 2026-12-05T01:10): the first `limit` of every match, and one more to know of others.
        matches = await found.order_by(
            OrderByRaw("status <> 'confirmed'"),
            OrderByRaw('"registration"."sort_family"'),
            OrderByRaw('"registration"."sort_given"'),
            Registration.id,
        ).limit(limit + 1)
    else:
        # Read a bounded number of matches: a one-letter query at a 50,000-person meeting must
        # not load them all. Confirmed people come first, so they are read first.
        matches = await found.order_by(OrderByRaw("status <> 'confirmed'")).limit(SEARCH_READ_LIMIT)
        matches.sort(key=lambda row: (row["status"] != "confirmed", *sort_key(row), row["id"]))
    return SearchResult(query=query, cards=await _cards(matches[:limit]), more=len(matches) > limit)


@dataclass(frozen=True)
class DeskMeeting:
    meeting: dict
    arrivals: Totals
    past: bool


async def desk_meetings(now: datetime) -> list[DeskMeeting]:
    """The meetings a desk may serve, soonest first and past ones last, with their arrivals."""
    upcoming, past = await list_public_meetings(now)
    return [
        DeskMeeting(meeting=m, arrivals=await arrival_counts(m), past=m in past)
        for m in upcoming + past
    ]
