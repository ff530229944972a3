"""The desk's list: checking the filters, finding and sorting one meeting's registrations, paging.

Search and sorting run in Python after the database has applied the exact filters (see the
package's docstring for why)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from piccolo.columns.combination import WhereRaw
from piccolo.query.functions.aggregate import Count

from idmevents.errors import InvalidInput
from idmevents.i18n import gettext
from idmevents.meetings.tables import MeetingSession
from idmevents.registrations import search, services
from idmevents.registrations.countries import COUNTRY_CODES
from idmevents.registrations.desk.common import (
    DEFAULT_PAGE_SIZE,
    DEFAULT_SORT,
    MAX_QUERY,
    PAGE_SIZES,
    SORTS,
    fold,
    is_id,
)
from idmevents.registrations.labels import CATEGORIES
from idmevents.registrations.tables import CheckIn, Registration

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


def _sort_key(sort: str):
    if sort.endswith("name"):
        return lambda row: (fold(row["family_name"]), fold(row["given_name"]), row["id"])
    return lambda row: (row["created_at"], row["id"])


async def find_registrations(meeting: dict, filters: DeskFilters) -> list[dict]:
    """Every registration of the meeting that matches, in the chosen order, each with its
    `waitlist_position` (None unless waiting)."""
    rows = await _filtered(LIST_COLUMNS, meeting, filters)
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


async def waitlist_positions(meeting_id: int, ids: list[int] | None = None) -> dict[int, int]:
    """Registration id → place on the meeting's waiting list (1 is next); of `ids` only, if given.

    The places of a page's few are ranked by the database (a window over the waiting list), so a
    meeting with thousands waiting sends back a page's worth of rows, not the whole list.
    """
    if ids is not None:
        if not ids:
            return {}
        marks = ", ".join("{}" for _ in ids)
        rows = await Registration.raw(
            "SELECT id, place FROM (SELECT id, ROW_NUMBER() OVER "
            "(ORDER BY waitlist_seq, id) AS place FROM registration "
            "WHERE meeting = {} AND status = 'waitlisted') AS waiting "
            f"WHERE id IN ({marks})",
            meeting_id,
            *ids,
        )
        return {row["id"]: row["place"] for row in rows}
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


def _filtered(columns, meeting: dict, filters: DeskFilters):
    """A select of the meeting's registrations that match the filters, all of them in SQL."""
    query = Registration.select(*columns).where(Registration.meeting == meeting["id"])
    if filters.status:
        query = query.where(Registration.status == filters.status)
    if filters.category:
        query = query.where(Registration.category == filters.category)
    if filters.country:
        query = query.where(Registration.country == filters.country)
    if filters.session is not None:
        query = query.where(
            WhereRaw(
                '"registration"."id" IN (SELECT registration FROM session_attendance '
                "WHERE meeting_session = {})",
                filters.session,
            )
        )
    if filters.q:
        condition = search.search_where(filters.q)
        if condition is not None:
            query = query.where(condition)
    return query


async def ordered_ids(meeting: dict, filters: DeskFilters) -> list[int]:
    """The ids of every matching registration, in the list's order: what a long export walks
    through a chunk at a time (`rows_of`) instead of holding every row at once."""
    descending = filters.sort.startswith("-")
    if filters.sort.endswith("name"):
        light = await _filtered(
            (Registration.id, Registration.given_name, Registration.family_name), meeting, filters
        )
        light.sort(key=_sort_key(filters.sort), reverse=descending)
        return [row["id"] for row in light]
    rows = await _filtered((Registration.id,), meeting, filters).order_by(
        Registration.created_at, Registration.id, ascending=not descending
    )
    return [row["id"] for row in rows]


async def rows_of(meeting_id: int, ids: list[int]) -> list[dict]:
    """The list's rows of `ids`, in that order, each with its `waitlist_position` (None unless
    waiting) and `checked_in_at`."""
    if not ids:
        return []
    by_id = {
        row["id"]: row
        for row in await Registration.select(*LIST_COLUMNS).where(Registration.id.is_in(ids))
    }
    rows = [by_id[row_id] for row_id in ids if row_id in by_id]
    positions = await waitlist_positions(
        meeting_id, [row["id"] for row in rows if row["status"] == "waitlisted"]
    )
    arrivals = await check_ins_of([row["id"] for row in rows])
    for row in rows:
        row["waitlist_position"] = positions.get(row["id"])
        row["checked_in_at"] = arrivals.get(row["id"])
    return rows


async def find_page(meeting: dict, filters: DeskFilters, page: int, per_page: int) -> Page:
    """One page of the list, read from the database a page at a time: by date, the database
    sorts and skips; by name (sorted without regard to accents, as people read names), only the
    names of the matches are read to sort them, then the page's rows."""
    per_page = per_page if per_page in PAGE_SIZES else DEFAULT_PAGE_SIZE
    descending = filters.sort.startswith("-")
    if filters.sort.endswith("name"):
        ids = await ordered_ids(meeting, filters)
        total = len(ids)
        pages = max(1, -(-total // per_page))
        page = min(max(1, page), pages)
        start = (page - 1) * per_page
        return Page(
            await rows_of(meeting["id"], ids[start : start + per_page]),
            total,
            page,
            pages,
            per_page,
        )
    total = await _filtered((Count(),), meeting, filters).first()
    total = total["count"] if total else 0
    pages = max(1, -(-total // per_page))
    page = min(max(1, page), pages)
    ids = [
        row["id"]
        for row in await _filtered((Registration.id,), meeting, filters)
        .order_by(Registration.created_at, Registration.id, ascending=not descending)
        .limit(per_page)
        .offset((page - 1) * per_page)
    ]
    rows = await rows_of(meeting["id"], ids)
    return Page(rows, total, page, pages, per_page)
