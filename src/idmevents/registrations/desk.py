"""The organizers' registrations desk: finding registrations, counting seats, one person's history.

Search and sorting run in Python over one meeting's registrations, after the database has applied
the exact filters (status, category, country, session). A meeting's registrations are bounded by
its venue (hundreds, a few thousand at most: with 5,000 the whole desk page answers in about half
a second on SQLite or PostgreSQL), and doing it here gives both engines the same answers: a search for "jose" finds "José" and "JOSÉ", and "Élodie"
sorts among the E's, which neither SQLite's LIKE and binary ordering nor PostgreSQL's collations
would do alike.

Changes of state go through `registrations.services` (approve, reject, promote, cancel, reinstate,
edit_registration), which write the participant's email and the audit entry in the same transaction.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass, field
from datetime import datetime
from zoneinfo import ZoneInfo

from piccolo.query.functions.aggregate import Count

from idmevents.audit import Actor
from idmevents.audit.tables import AuditEntry
from idmevents.errors import Conflict, InvalidInput, NotFound
from idmevents.i18n import gettext
from idmevents.mail import services as mail
from idmevents.meetings.tables import Meeting, MeetingSession
from idmevents.registrations import services
from idmevents.registrations.countries import COUNTRY_CODES
from idmevents.registrations.dashboard import MEETING_LIST_COLUMNS
from idmevents.registrations.labels import CATEGORIES, category_label
from idmevents.registrations.tables import CheckIn, Registration, SessionAttendance

SORTS = ("name", "-name", "date", "-date")
DEFAULT_SORT = "-date"
PAGE_SIZES = (25, 50, 100, 200)
DEFAULT_PAGE_SIZE = 50
MAX_API_LIMIT = 500
MAX_QUERY = 200
# Database ids are 32-bit: a larger number cannot be one, and PostgreSQL refuses to compare with it.
MAX_ID = 2**31 - 1
MAX_BULK = 500

# What an organizer may do to a registration in each status.
ACTIONS = {
    "pending": ("approve", "reject", "cancel", "edit"),
    "confirmed": ("reject", "cancel", "edit"),
    "waitlisted": ("promote", "reject", "cancel", "edit"),
    "rejected": ("reconsider", "edit"),
    "cancelled": ("reinstate", "edit"),
}


def status_name(status: str) -> str:
    """A status as organizers call it (the participant's page words it for the participant)."""
    return {
        "pending": gettext("Pending"),
        "confirmed": gettext("Confirmed"),
        "waitlisted": gettext("Waiting list"),
        "rejected": gettext("Rejected"),
        "cancelled": gettext("Cancelled"),
    }.get(status, status)


def fold(text: str) -> str:
    """Text as search and sorting compare it: without accents, case folded."""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch)).casefold()


def is_id(value: int | None) -> bool:
    return value is not None and 0 < value <= MAX_ID


# ---------------------------------------------------------------------------------------------
# Which meeting


async def desk_meetings() -> list[dict]:
    """Every meeting an organizer may look at, drafts included, in date order."""
    return await Meeting.select(*MEETING_LIST_COLUMNS).order_by(Meeting.starts_on)


def default_meeting(meetings: list[dict], now: datetime) -> dict | None:
    """The next meeting that has not ended (published ones first), else the most recent one."""
    upcoming = [
        m
        for m in meetings
        if m["status"] != "cancelled"
        and m["ends_on"] >= now.astimezone(ZoneInfo(m["timezone"])).date()
    ]
    for candidates in ([m for m in upcoming if m["status"] == "published"], upcoming):
        if candidates:
            return min(candidates, key=lambda m: m["starts_on"])
    return meetings[-1] if meetings else None


async def get_meeting(slug: str) -> dict:
    meeting = await Meeting.select().where(Meeting.slug == slug[:100]).first()
    if meeting is None:
        raise NotFound(gettext("There is no meeting at this address."))
    return meeting


async def get_meeting_by_id(meeting_id: int) -> dict:
    meeting = await Meeting.select().where(Meeting.id == meeting_id).first()
    if meeting is None:
        raise NotFound(gettext("There is no meeting at this address."))
    return meeting


# ---------------------------------------------------------------------------------------------
# Filters and the list


@dataclass(frozen=True)
class DeskFilters:
    status: str = ""
    category: str = ""
    country: str = ""
    session: int | None = None
    q: str = ""
    sort: str = DEFAULT_SORT

    @property
    def active(self) -> bool:
        return bool(self.status or self.category or self.country or self.session or self.q)

    def query(self, **changes) -> dict[str, str]:
        """The filters as URL query parameters (those set), with `changes` applied."""
        values = {
            "status": self.status,
            "category": self.category,
            "country": self.country,
            "session": "" if self.session is None else str(self.session),
            "q": self.q,
            "sort": "" if self.sort == DEFAULT_SORT else self.sort,
        } | {k: "" if v is None else str(v) for k, v in changes.items()}
        return {k: v for k, v in values.items() if v}


async def check_filters(
    meeting: dict,
    *,
    status: str | None = None,
    category: str | None = None,
    country: str | None = None,
    session: int | None = None,
    q: str | None = None,
    sort: str | None = None,
) -> DeskFilters:
    """The filters, or InvalidInput naming each one that is not a possible value."""
    problems: dict[str, str] = {}
    status = (status or "").strip().lower()
    if status and status not in services.STATUSES:
        problems["status"] = gettext("Choose one of: %(choices)s.") % {
            "choices": ", ".join(services.STATUSES)
        }
    category = (category or "").strip().lower()
    if category and category not in CATEGORIES:
        problems["category"] = gettext("Choose one of: %(choices)s.") % {
            "choices": ", ".join(CATEGORIES)
        }
    country = (country or "").strip().upper()
    if country and country not in COUNTRY_CODES:
        problems["country"] = gettext("Use a two-letter ISO 3166 country code, such as CH or US.")
    if session is not None:
        known = is_id(session) and await MeetingSession.exists().where(
            (MeetingSession.id == session) & (MeetingSession.meeting == meeting["id"])
        )
        if not known:
            problems["session"] = gettext("This meeting has no session %(id)s.") % {"id": session}
    q = services.single_line(q or "")
    if len(q) > MAX_QUERY:
        problems["q"] = gettext("Use at most %(limit)s characters.") % {"limit": MAX_QUERY}
    sort = (sort or DEFAULT_SORT).strip()
    if sort not in SORTS:
        problems["sort"] = gettext("Choose one of: %(choices)s.") % {"choices": ", ".join(SORTS)}
    if problems:
        raise InvalidInput(gettext("Some filters are not possible values."), fields=problems)
    return DeskFilters(
        status=status, category=category, country=country, session=session, q=q, sort=sort
    )


# What the list, the CSV file and the API show: not the secret tokens, which the desk never needs.
LIST_COLUMNS = tuple(
    column
    for column in Registration.all_columns()
    if column._meta.name
    not in {"token", "feed_token", "email_key", "consented_at", "badge_printed_at", "checkin_id"}
)


def _matches(row: dict, words: list[str]) -> bool:
    haystack = fold(
        " ".join(
            (
                row["given_name"],
                row["family_name"],
                row["email"],
                row["organization"],
            )
        )
    )
    return all(word in haystack for word in words)


def _sort_key(sort: str):
    if sort.endswith("name"):
        return lambda row: (fold(row["family_name"]), fold(row["given_name"]), row["id"])
    return lambda row: (row["created_at"], row["id"])


async def find_registrations(meeting: dict, filters: DeskFilters) -> list[dict]:
    """Every registration of the meeting that matches, in the chosen order, each with its
    `waitlist_position` (None unless waiting)."""
    query = Registration.select(*LIST_COLUMNS).where(Registration.meeting == meeting["id"])
    if filters.status:
        query = query.where(Registration.status == filters.status)
    if filters.category:
        query = query.where(Registration.category == filters.category)
    if filters.country:
        query = query.where(Registration.country == filters.country)
    rows = await query
    if filters.session is not None:
        # Filtered here rather than with IN (...): a side event can have more takers than
        # SQLite accepts query parameters.
        chosen = {
            row["registration"]
            for row in await SessionAttendance.select(SessionAttendance.registration).where(
                SessionAttendance.meeting_session == filters.session
            )
        }
        rows = [row for row in rows if row["id"] in chosen]
    if filters.q:
        words = fold(filters.q).split()
        rows = [row for row in rows if _matches(row, words)]
    rows.sort(key=_sort_key(filters.sort), reverse=filters.sort.startswith("-"))
    positions = await waitlist_positions(meeting["id"])
    arrivals = await check_ins(meeting["id"])
    for row in rows:
        row["waitlist_position"] = positions.get(row["id"])
        row["checked_in_at"] = arrivals.get(row["id"])
    return rows


async def check_ins_of(registration_ids: list[int]) -> dict[int, datetime]:
    rows = await CheckIn.select(CheckIn.registration, CheckIn.checked_in_at).where(
        CheckIn.registration.is_in(registration_ids)
    )
    return {row["registration"]: row["checked_in_at"] for row in rows}


async def check_ins(meeting_id: int) -> dict[int, datetime]:
    """Registration id → when the person was checked in at the meeting's desk."""
    rows = await CheckIn.select(CheckIn.registration, CheckIn.checked_in_at).where(
        CheckIn.registration.meeting == meeting_id
    )
    return {row["registration"]: row["checked_in_at"] for row in rows}


async def waitlist_positions(meeting_id: int) -> dict[int, int]:
    """Registration id → place on the meeting's waiting list (1 is next)."""
    waiting = (
        await Registration.select(Registration.id)
        .where((Registration.meeting == meeting_id) & (Registration.status == "waitlisted"))
        .order_by(Registration.waitlist_seq)
        .order_by(Registration.id)
    )
    return {row["id"]: place for place, row in enumerate(waiting, start=1)}


@dataclass(frozen=True)
class Page:
    rows: list[dict]
    total: int
    page: int
    pages: int
    per_page: int

    @property
    def first(self) -> int:
        return (self.page - 1) * self.per_page + 1 if self.total else 0

    @property
    def last(self) -> int:
        return min(self.total, self.page * self.per_page)


def paginate(rows: list[dict], page: int, per_page: int) -> Page:
    """One page of the rows; a page past the end shows the last one."""
    per_page = per_page if per_page in PAGE_SIZES else DEFAULT_PAGE_SIZE
    pages = max(1, -(-len(rows) // per_page))
    page = min(max(1, page), pages)
    start = (page - 1) * per_page
    return Page(rows[start : start + per_page], len(rows), page, pages, per_page)


async def session_places(
    meeting_id: int, registration_ids: list[int] | None = None
) -> dict[int, list[dict]]:
    """Registration id → the sessions it chose (id, title, starts_at, status, in time order), for
    the meeting's registrations or only those of a page (a page is short: IN (...) is fine)."""
    if registration_ids is not None and not registration_ids:
        return {}
    query = (
        SessionAttendance.select(
            SessionAttendance.registration,
            SessionAttendance.status,
            SessionAttendance.meeting_session.id.as_alias("session_id"),
            SessionAttendance.meeting_session.title.as_alias("title"),
            SessionAttendance.meeting_session.starts_at.as_alias("starts_at"),
        )
        .where(SessionAttendance.meeting_session.meeting == meeting_id)
        .order_by(SessionAttendance.meeting_session.starts_at)
        .order_by(SessionAttendance.meeting_session.id)
    )
    if registration_ids is not None:
        query = query.where(SessionAttendance.registration.is_in(registration_ids))
    rows = await query
    places: dict[int, list[dict]] = {}
    for row in rows:
        places.setdefault(row.pop("registration"), []).append(row)
    return places


# ---------------------------------------------------------------------------------------------
# Counts


@dataclass(frozen=True)
class CategoryCount:
    category: str
    label: str
    counts: dict[str, int]

    @property
    def total(self) -> int:
        return sum(self.counts.values())


@dataclass(frozen=True)
class SessionCount:
    id: int
    title: str
    starts_at: datetime
    capacity: int | None
    taken: int  # confirmed places
    waiting: int

    @property
    def places_left(self) -> int | None:
        return None if self.capacity is None else max(0, self.capacity - self.taken)


@dataclass(frozen=True)
class DeskCounts:
    capacity: int | None
    by_status: dict[str, int]
    categories: list[CategoryCount] = field(default_factory=list)
    sessions: list[SessionCount] = field(default_factory=list)

    @property
    def total(self) -> int:
        return sum(self.by_status.values())

    @property
    def taken(self) -> int:
        return self.by_status["confirmed"]

    @property
    def seats_left(self) -> int | None:
        return None if self.capacity is None else max(0, self.capacity - self.taken)

    @property
    def over_capacity(self) -> int:
        """Seats confirmed beyond the capacity (organizers' overrides)."""
        return 0 if self.capacity is None else max(0, self.taken - self.capacity)

    @property
    def full(self) -> bool:
        return self.capacity is not None and self.taken >= self.capacity

    @property
    def waiting(self) -> int:
        return self.by_status["waitlisted"]


async def meeting_counts(meeting: dict) -> DeskCounts:
    """The meeting's registrations by status, by category and status, and its sessions' places."""
    rows = (
        await Registration.select(Registration.category, Registration.status, Count(alias="n"))
        .where(Registration.meeting == meeting["id"])
        .group_by(Registration.category, Registration.status)
    )
    by_status = dict.fromkeys(services.STATUSES, 0)
    by_category: dict[str, dict[str, int]] = {}
    for row in rows:
        by_status[row["status"]] = by_status.get(row["status"], 0) + row["n"]
        counts = by_category.setdefault(row["category"], dict.fromkeys(services.STATUSES, 0))
        counts[row["status"]] = counts.get(row["status"], 0) + row["n"]
    categories = [
        CategoryCount(code, category_label(code), by_category[code])
        for code in (*CATEGORIES, *sorted(set(by_category) - set(CATEGORIES)))
        if code in by_category
    ]
    sessions = await services.choosable_sessions(meeting["id"])
    places = (
        await SessionAttendance.select(
            SessionAttendance.meeting_session, SessionAttendance.status, Count(alias="n")
        )
        .where(SessionAttendance.meeting_session.is_in(list(sessions) or [0]))
        .group_by(SessionAttendance.meeting_session, SessionAttendance.status)
    )
    taken: dict[tuple[int, str], int] = {
        (row["meeting_session"], row["status"]): row["n"] for row in places
    }
    return DeskCounts(
        capacity=meeting["capacity"],
        by_status=by_status,
        categories=categories,
        sessions=[
            SessionCount(
                id=sid,
                title=row["title"],
                starts_at=row["starts_at"],
                capacity=row["capacity"],
                taken=taken.get((sid, "confirmed"), 0),
                waiting=taken.get((sid, "waitlisted"), 0),
            )
            for sid, row in sessions.items()
        ],
    )


async def meeting_sessions(meeting_id: int) -> list[dict]:
    """The meeting's sessions (breaks aside), for the session filter; cancelled ones too."""
    return (
        await MeetingSession.select(
            MeetingSession.id, MeetingSession.title, MeetingSession.starts_at, MeetingSession.status
        )
        .where((MeetingSession.meeting == meeting_id) & (MeetingSession.kind != "break"))
        .order_by(MeetingSession.starts_at)
        .order_by(MeetingSession.id)
    )


async def meeting_countries(meeting_id: int) -> list[str]:
    """The countries the meeting's registrations name, for the country filter."""
    rows = (
        await Registration.select(Registration.country)
        .where((Registration.meeting == meeting_id) & (Registration.country != ""))
        .distinct()
    )
    return sorted(row["country"] for row in rows)


# ---------------------------------------------------------------------------------------------
# One registration


@dataclass(frozen=True)
class Detail:
    registration: dict
    meeting: dict
    waitlist_position: int | None
    sessions: list[dict]
    history: list[dict]  # audit entries, newest first
    emails: list[mail.OutboxEntry]  # newest first
    counts: DeskCounts
    check_in: dict | None = None  # checked_in_at, desk, by (the staff member's email)

    @property
    def actions(self) -> tuple[str, ...]:
        return ACTIONS.get(self.registration["status"], ())


async def get_registration(registration_id: int) -> dict:
    if not is_id(registration_id):
        raise NotFound(gettext("There is no such registration."))
    row = await Registration.select().where(Registration.id == registration_id).first()
    if row is None:
        raise NotFound(gettext("There is no such registration."))
    return row


async def registration_detail(registration_id: int) -> Detail:
    registration = await get_registration(registration_id)
    meeting = await Meeting.select().where(Meeting.id == registration["meeting"]).first()
    history = (
        await AuditEntry.select(
            AuditEntry.id,
            AuditEntry.at,
            AuditEntry.actor,
            AuditEntry.action,
            AuditEntry.summary,
            AuditEntry.data,
        )
        .where(
            (AuditEntry.entity_type == "registration") & (AuditEntry.entity_id == registration_id)
        )
        .order_by(AuditEntry.at, ascending=False)
        .order_by(AuditEntry.id, ascending=False)
    )
    emails = await mail.list_outbox(registration_id=registration_id, limit=mail.MAX_PAGE_SIZE)
    check_in = (
        await CheckIn.select(
            CheckIn.checked_in_at, CheckIn.desk, CheckIn.checked_in_by.email.as_alias("by")
        )
        .where(CheckIn.registration == registration_id)
        .first()
    )
    places = await session_places(meeting["id"], [registration_id])
    return Detail(
        registration=registration,
        meeting=meeting,
        waitlist_position=await services.waitlist_position(registration),
        sessions=places.get(registration_id, []),
        history=history,
        emails=emails,
        counts=await meeting_counts(meeting),
        check_in=check_in,
    )


# ---------------------------------------------------------------------------------------------
# Several at once


@dataclass
class BulkResult:
    confirmed: list[str] = field(default_factory=list)
    waitlisted: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)  # no longer pending (someone else acted)


async def approve_many(
    meeting: dict, registration_ids: list[int], *, by: Actor, now: datetime
) -> BulkResult:
    """Approve the chosen pending registrations, earliest registered first (so that when seats
    run out, those who came first have them), each in its own transaction with its own email."""
    ids = sorted({i for i in registration_ids if is_id(i)})
    if not ids:
        raise InvalidInput(
            gettext("Some fields need your attention."),
            fields={"ids": gettext("Choose at least one registration awaiting approval.")},
        )
    if len(ids) > MAX_BULK:
        raise InvalidInput(
            gettext("Some fields need your attention."),
            fields={"ids": gettext("Approve at most %(limit)s at once.") % {"limit": MAX_BULK}},
        )
    rows = (
        await Registration.select(
            Registration.id, Registration.given_name, Registration.family_name
        )
        .where(Registration.id.is_in(ids) & (Registration.meeting == meeting["id"]))
        .order_by(Registration.created_at)
        .order_by(Registration.id)
    )
    result = BulkResult()
    for row in rows:
        name = f"{row['given_name']} {row['family_name']}"
        try:
            outcome = await services.approve(row["id"], by=by, now=now)
        except (Conflict, NotFound):
            result.skipped.append(name)
            continue
        (result.confirmed if outcome.status == "confirmed" else result.waitlisted).append(name)
    return result
