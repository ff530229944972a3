"""Badges and check-in: a participant's badge, batches printed to PDF, and the check-in desk.

Checking in is idempotent: at most one CheckIn per registration (a unique index). The desk locks
the registration's row while it decides, so a cancellation cannot slip between the status check
and the check-in; if another writer inserts the check-in first anyway, the unique violation is
caught and answered "already checked in".
"""

from __future__ import annotations

import asyncio
import unicodedata
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime

from piccolo.query.functions.aggregate import Count

from idmevents import audit, i18n
from idmevents.auth.services import CurrentUser
from idmevents.badges import codes, render
from idmevents.badges.layout import BADGE_SIZES, PAPERS, sheet_layout
from idmevents.db import is_sqlite, is_unique_violation, locked, write_transaction
from idmevents.errors import InvalidInput, NotFound
from idmevents.meetings.services import list_public_meetings
from idmevents.meetings.tables import Meeting
from idmevents.registrations.tables import CheckIn, Registration
from idmevents.settings import get_settings
from idmevents.validation import is_row_id

# Registration ids are 32-bit serials: a larger number names nothing (and PostgreSQL would refuse
# to compare it), so it is "not found" before any query.
SEARCH_LIMIT = 20
SEARCH_MAX_LENGTH = 200  # longer input is no name: it is cut rather than searched word by word
_CARD_COLUMNS = (
    Registration.id,
    Registration.meeting,
    Registration.given_name,
    Registration.family_name,
    Registration.email,
    Registration.organization,
    Registration.category,
    Registration.country,
    Registration.status,
    Registration.badge_printed_at,
)


# --- the badge --------------------------------------------------------------------------------


async def _new_unused_checkin_id() -> str:
    """A check-in id no registration has: 45 random bits, checked against the unique index."""
    while True:
        candidate = codes.new_checkin_id()
        if not await Registration.exists().where(Registration.checkin_id == candidate):
            return candidate


async def _give_checkin_ids(rows: list[dict]) -> None:
    """Give each row without a check-in id its own, in the database and in the row."""
    for row in rows:
        if row["checkin_id"]:
            continue
        candidate = await _new_unused_checkin_id()
        await Registration.update({Registration.checkin_id: candidate}).where(
            (Registration.id == row["id"]) & Registration.checkin_id.is_null()
        )
        # Read back: when two requests race for the same row, the first id written is the one.
        row["checkin_id"] = (
            await Registration.select(Registration.checkin_id)
            .where(Registration.id == row["id"])
            .first()
        )["checkin_id"]


@dataclass(frozen=True)
class BadgePage:
    token: str
    status: str
    meeting: dict
    badge: render.BadgeView | None

    @property
    def meeting_cancelled(self) -> bool:
        return self.meeting["status"] == "cancelled"


async def badge_for_token(token: str) -> BadgePage:
    """The badge behind a participant's private link; `badge` is None unless it may be printed."""
    row = await Registration.select().where(Registration.token == token).first()
    if row is None:
        raise NotFound(i18n.gettext("There is no registration at this address."))
    meeting = await Meeting.select().where(Meeting.id == row["meeting"]).first()
    if row["status"] != "confirmed" or meeting["status"] == "cancelled":
        return BadgePage(token=token, status=row["status"], meeting=meeting, badge=None)
    if row["attendance"] == "online":  # badges open the door of the room: online, none
        return BadgePage(token=token, status="online", meeting=meeting, badge=None)
    await _give_checkin_ids([row])
    badge = render.badge_view(row, meeting, get_settings().secret_key)
    return BadgePage(token=token, status=row["status"], meeting=meeting, badge=badge)


# --- printing in batches ----------------------------------------------------------------------


@dataclass(frozen=True)
class CategoryCount:
    category: str
    label: str
    colour: str
    expected: int  # confirmed registrations
    done: int  # printed, or arrived


@dataclass(frozen=True)
class Totals:
    expected: int
    done: int
    categories: list[CategoryCount]


def _totals(expected: dict[str, int], done: dict[str, int]) -> Totals:
    categories = [
        CategoryCount(
            category=category,
            label=render.category_label(category),
            colour=render.category_colour(category),
            expected=expected.get(category, 0),
            done=done.get(category, 0),
        )
        for category in sorted(set(expected) | set(done), key=render.category_label)
    ]
    return Totals(
        expected=sum(c.expected for c in categories),
        done=sum(c.done for c in categories),
        categories=categories,
    )


def _confirmed_in(meeting_id: int):
    """Those expected in the room: confirmed, and not taking part online."""
    return (
        (Registration.meeting == meeting_id)
        & (Registration.status == "confirmed")
        & (Registration.attendance != "online")
    )


async def _count_by_category(query) -> dict[str, int]:
    return {row["category"]: row["count"] for row in await query}


async def print_counts(meeting: dict) -> Totals:
    """Confirmed badges per category, and how many of them have been printed."""
    expected = await _count_by_category(
        Registration.select(Registration.category, Count())
        .where(_confirmed_in(meeting["id"]))
        .group_by(Registration.category)
    )
    printed = await _count_by_category(
        Registration.select(Registration.category, Count())
        .where(_confirmed_in(meeting["id"]) & Registration.badge_printed_at.is_not_null())
        .group_by(Registration.category)
    )
    return _totals(expected, printed)


@dataclass(frozen=True)
class PrintRun:
    count: int
    pages: int
    pdf: bytes | None
    filename: str


def _sort_key(row: dict) -> tuple[str, str]:
    return (_fold(row["family_name"]), _fold(row["given_name"]))


def check_print_options(paper: str, size: str) -> None:
    problems = {}
    if paper not in PAPERS and paper != "badge":
        problems["paper"] = i18n.gettext("Choose A4 or US Letter.")
    if size not in BADGE_SIZES:
        problems["size"] = i18n.gettext("Choose 4 × 3 in or A6.")
    if problems:
        raise InvalidInput(i18n.gettext("These print options are not available."), fields=problems)


async def print_badges(
    meeting: dict,
    *,
    now: datetime,
    paper: str = "a4",
    size: str = "4x3",
    category: str | None = None,
    not_printed_only: bool = False,
    registration_id: int | None = None,
    by: CurrentUser | None = None,
) -> PrintRun:
    """Render the matching confirmed badges to one PDF and mark them printed.

    Choosing the badges and marking them is one transaction, so two organizers printing "not
    printed yet" at once never both get the same badges. The PDF is rendered after it commits (a
    few seconds for hundreds of badges, which must not hold the write lock); if rendering fails,
    the marks are put back as they were.
    """
    check_print_options(paper, size)
    layout = sheet_layout(paper, size)
    condition = _confirmed_in(meeting["id"])
    if category:
        condition &= Registration.category == category
    if not_printed_only:
        condition &= Registration.badge_printed_at.is_null()
    if registration_id is not None:
        condition &= Registration.id == registration_id
    async with write_transaction():
        rows = await locked(Registration.select().where(condition))
        await _give_checkin_ids(rows)
        if rows:
            ids = [row["id"] for row in rows]
            await Registration.update({Registration.badge_printed_at: now}).where(
                Registration.id.is_in(ids)
            )
            await audit.record(
                user_id=by.id if by else None,
                actor=by.email if by else "system",
                action="print_badges",
                entity_type="meeting",
                entity_id=meeting["id"],
                meeting_slug=meeting["slug"],
                summary=i18n.ngettext(
                    "%(count)d badge printed", "%(count)d badges printed", len(ids)
                )
                % {"count": len(ids)},
                data={
                    "registrations": ids,
                    "paper": paper,
                    "size": size,
                    "category": category or "",
                    "not_printed_only": not_printed_only,
                },
                now=now,
            )
    filename = f"badges-{meeting['slug']}-{now:%Y%m%d-%H%M%S}.pdf"
    if not rows:
        return PrintRun(count=0, pages=0, pdf=None, filename=filename)
    rows.sort(key=_sort_key)
    secret_key = get_settings().secret_key
    badges = [render.badge_view(row, meeting, secret_key) for row in rows]
    try:
        pdf = await asyncio.to_thread(render.sheets_pdf, badges, layout, meeting["title"])
    except BaseException:
        await _restore_printed_marks(rows, now)
        raise
    pages = -(-len(badges) // layout.per_page)
    return PrintRun(count=len(badges), pages=pages, pdf=pdf, filename=filename)


async def _restore_printed_marks(rows: list[dict], now: datetime) -> None:
    by_previous: dict[datetime | None, list[int]] = defaultdict(list)
    for row in rows:
        by_previous[row["badge_printed_at"]].append(row["id"])
    async with write_transaction():
        for previous, ids in by_previous.items():
            await Registration.update({Registration.badge_printed_at: previous}).where(
                Registration.id.is_in(ids) & (Registration.badge_printed_at == now)
            )


# --- the check-in desk ------------------------------------------------------------------------


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
    colour: str
    status: str
    badge_printed_at: datetime | None
    checked_in_at: datetime | None = None
    checked_in_by: str = ""

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
    cards = []
    for row in rows:
        entry = checkins.get(row["id"])
        cards.append(
            Card(
                registration_id=row["id"],
                given_name=row["given_name"],
                family_name=row["family_name"],
                email=row["email"],
                organization=row["organization"],
                country=render.country_name(row["country"]),
                category=row["category"],
                category_label=render.category_label(row["category"]),
                colour=render.category_colour(row["category"]),
                status=row["status"],
                badge_printed_at=row["badge_printed_at"],
                checked_in_at=entry["checked_in_at"] if entry else None,
                checked_in_by=(entry["by_name"] or entry["by_email"] or "") if entry else "",
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


async def _audit(
    meeting: dict,
    row: dict,
    *,
    action: str,
    entity_type: str,
    what: str,
    by: CurrentUser | None,
    now: datetime,
) -> None:
    await audit.record(
        user_id=by.id if by else None,
        actor=by.email if by else "system",
        action=action,
        entity_type=entity_type,
        entity_id=row["id"],
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
                await _audit(
                    meeting,
                    row,
                    action="check_in",
                    entity_type="checkin",
                    what="checked in",
                    by=by,
                    now=now,
                )
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
        row = await _locked_registration(meeting, registration_id)
        if row is None:
            raise NotFound(i18n.gettext("There is no such registration for this meeting."))
        removed = (
            await CheckIn.delete()
            .where(CheckIn.registration == registration_id)
            .returning(CheckIn.id)
        )
        if removed:
            await _audit(
                meeting,
                row,
                action="undo_check_in",
                entity_type="checkin",
                what="check-in undone",
                by=by,
                now=now,
            )
    person = await card(meeting, registration_id)
    return DeskResult(UNDONE if removed else NOT_CHECKED_IN, card=person)


async def replace_badge(
    meeting: dict, registration_id: int, *, by: CurrentUser | None, now: datetime
) -> DeskResult:
    """Void a lost badge: a new check-in id, so that the old code reads as no longer valid.

    The new badge is not printed yet; the participant's page shows it at once.
    """
    async with write_transaction():
        row = await _locked_registration(meeting, registration_id)
        if row is None:
            raise NotFound(i18n.gettext("There is no such registration for this meeting."))
        if row["status"] == "confirmed":
            await Registration.update(
                {
                    Registration.checkin_id: await _new_unused_checkin_id(),
                    Registration.badge_printed_at: None,
                }
            ).where(Registration.id == registration_id)
            await _audit(
                meeting,
                row,
                action="replace_badge",
                entity_type="registration",
                what="badge replaced: the old one no longer works",
                by=by,
                now=now,
            )
    person = await card(meeting, registration_id)
    if row["status"] != "confirmed":
        return DeskResult(REFUSED, card=person, reason=row["status"])
    return DeskResult(BADGE_REPLACED, card=person)


async def arrival_counts(meeting: dict) -> Totals:
    """Arrivals against expected (confirmed registrations), in total and per category."""
    expected = await _count_by_category(
        Registration.select(Registration.category, Count())
        .where(_confirmed_in(meeting["id"]))
        .group_by(Registration.category)
    )
    arrived_rows = (
        await CheckIn.select(CheckIn.registration.category.as_alias("category"), Count())
        .where(
            (CheckIn.registration.meeting == meeting["id"])
            & (CheckIn.registration.status == "confirmed")
        )
        .group_by(CheckIn.registration.category)
    )
    arrived = {row["category"]: row["count"] for row in arrived_rows}
    return _totals(expected, arrived)


def _fold(text: str) -> str:
    """Lower case without accents: "Jürg" and "jurg" are the same at the desk."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


@dataclass(frozen=True)
class SearchResult:
    query: str
    cards: list[Card] = field(default_factory=list)
    more: bool = False  # there were more matches than shown


async def search(meeting: dict, query: str, *, limit: int = SEARCH_LIMIT) -> SearchResult:
    """Registrations whose name, organization or email contain every word of `query`.

    Matched in Python on accent-free lower case, the same on both engines; a meeting has at most a
    few thousand registrations, read in one query.
    """
    query = query.strip()[:SEARCH_MAX_LENGTH]
    words = _fold(query).split()
    if not words:
        return SearchResult(query=query)
    rows = await Registration.select(*_CARD_COLUMNS).where(Registration.meeting == meeting["id"])
    matches = []
    for row in rows:
        haystack = _fold(
            " ".join((row["given_name"], row["family_name"], row["organization"], row["email"]))
        )
        if all(word in haystack for word in words):
            matches.append(row)
    matches.sort(key=lambda row: (row["status"] != "confirmed", *_sort_key(row)))
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
