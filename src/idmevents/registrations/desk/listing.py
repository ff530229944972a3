"""The desk's list: checking the filters, finding and sorting one meeting's registrations, paging.

The database filters, searches (`registrations.search`) and sorts, and a page reads a page's rows.
Sorting by name compares names as people read them, accents and case aside (`i18n.fold`):
PostgreSQL keeps each registration's folded names in stored columns, `sort_family` and
`sort_given`, indexed with the meeting (migration `2026-12-05T01:10`), and orders by them; SQLite
has no such columns, so there the matches' names are read and sorted in Python, which gives the
same order (tests/unit/registrations/test_name_order.py compares the two).

A page with a search counts its matches only so far (`COUNT_CAP`): a common name matches one
registration in nine at a large meeting, and counting all of them was the slowest part of a
search; the page then says "more than 1000" and still lets one page on."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from piccolo.columns.combination import WhereRaw
from piccolo.query import OrderByRaw
from piccolo.query.functions.aggregate import Count

from idmevents.db import is_sqlite
from idmevents.errors import InvalidInput
from idmevents.i18n import current_language, fold, gettext
from idmevents.meetings.tables import Meeting, MeetingSession
from idmevents.registrations import search, services
from idmevents.registrations.countries import COUNTRY_CODES
from idmevents.registrations.desk import bursts
from idmevents.registrations.desk.common import (
    DEFAULT_PAGE_SIZE,
    DEFAULT_SORT,
    MAX_QUERY,
    PAGE_SIZES,
    SORTS,
    is_id,
)
from idmevents.registrations.labels import ACTIVE_STATUSES, CATEGORIES
from idmevents.registrations.tables import CheckIn, Registration
from idmevents.registrations.views import ATTENDANCES, is_hybrid

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
    # A delegation's id (as the page's URL names it) and the held seats its delegates were named
    # into, which is what the registrations know of it (the web layer finds one from the other).
    delegation: int | None = None
    hold: int | None = None
    attendance: str = ""  # in_person | online: one pool of a hybrid meeting
    burst: str = ""  # a suspicious group, `kind:key` (desk/bursts.py)
    burst_ids: tuple[int, ...] = ()  # its members, found when the filters were checked
    unconfirmed: bool = False  # only places held until their address is confirmed

    @property
    def active(self) -> bool:
        return bool(
            self.status
            or self.category
            or self.country
            or self.session
            or self.q
            or self.delegation
            or self.attendance
            or self.burst
            or self.unconfirmed
        )

    def query(self, **changes) -> dict[str, str]:
        """The filters as URL query parameters (those set), with `changes` applied."""
        values = {
            "status": self.status,
            "category": self.category,
            "country": self.country,
            "session": "" if self.session is None else str(self.session),
            "delegation": "" if self.delegation is None else str(self.delegation),
            "q": self.q,
            "attendance": self.attendance,
            "sort": "" if self.sort == DEFAULT_SORT else self.sort,
            "burst": self.burst,
            "unconfirmed": "1" if self.unconfirmed else "",
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
    delegation: int | None = None,
    hold: int | None = None,
    attendance: str | None = None,
    burst: str | None = None,
    unconfirmed: str | None = None,
) -> DeskFilters:
    """The filters, or InvalidInput naming each one that is not a possible value. `delegation`
    comes with its `hold` (None: the meeting has no such delegation)."""
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
    if delegation is not None and hold is None:
        problems["delegation"] = gettext("This meeting has no delegation %(id)s.") % {
            "id": delegation
        }
    q = services.single_line(q or "")
    if len(q) > MAX_QUERY:
        problems["q"] = gettext("Use at most %(limit)s characters.") % {"limit": MAX_QUERY}
    attendance = (attendance or "").strip().lower()
    if attendance and attendance not in ATTENDANCES:
        problems["attendance"] = gettext("Choose one of: %(choices)s.") % {
            "choices": ", ".join(ATTENDANCES)
        }
    sort = (sort or DEFAULT_SORT).strip()
    if sort not in SORTS:
        problems["sort"] = gettext("Choose one of: %(choices)s.") % {"choices": ", ".join(SORTS)}
    burst = (burst or "").strip()
    group = bursts.parse_filter(burst) if burst else None
    if burst and group is None:
        problems["burst"] = gettext("Not a group of the suspicious bursts page.")
    unconfirmed = (unconfirmed or "").strip().lower()
    if unconfirmed not in ("", "0", "1", "false", "true"):
        problems["unconfirmed"] = gettext("Choose one of: %(choices)s.") % {"choices": "0, 1"}
    if problems:
        raise InvalidInput(gettext("Some filters are not possible values."), fields=problems)
    members = tuple(await bursts.burst_ids(meeting["id"], *group)) if group else ()
    return DeskFilters(
        status=status,
        category=category,
        country=country,
        session=session,
        q=q,
        sort=sort,
        delegation=delegation,
        hold=hold if delegation is not None else None,
        attendance=attendance or "",
        burst=burst,
        burst_ids=members,
        unconfirmed=unconfirmed in ("1", "true"),
    )


# What the list, the CSV file and the API show: not the secret tokens, which the desk never needs.
LIST_COLUMNS = tuple(
    column
    for column in Registration.all_columns()
    if column._meta.name
    not in {
        "token",
        "feed_token",
        "email_key",
        "consented_at",
        "badge_printed_at",
        "checkin_id",
        "client_network",
    }
)


# A search's matches are counted up to this many (or up to the page asked for, if further): past
# it the page says "more than".
COUNT_CAP = 1000
_MAX_COUNT_LIMIT = 2**31 - 1  # a LIMIT PostgreSQL and SQLite both take, whatever page is asked


def name_key(row: dict) -> tuple[str, str, int]:
    """Where a row goes in the list by name: family name, given name (folded), then id."""
    return (fold(row["family_name"]), fold(row["given_name"]), row["id"])


def _names_sorted_in_python(filters: DeskFilters) -> bool:
    """Whether the list is sorted by name here rather than by the database: on SQLite, which
    has no stored folded names (see the module's docstring)."""
    return filters.sort.endswith("name") and is_sqlite()


def _in_order(query, filters: DeskFilters):
    """The select in the list's order, sorted by the database: by date, or on PostgreSQL by the
    stored folded names (`COLLATE "C"` columns: code point order, as Python compares)."""
    ascending = not filters.sort.startswith("-")
    if filters.sort.endswith("name"):
        # With a search, the matches are found by the search's index and then sorted: walking
        # the (meeting, sort_family, …) index and testing each row is what the planner picks,
        # expecting matches spread over the alphabet, but a search is mostly for a name, whose
        # matches all sit in one place of it ("muller": 22,000 rows tested before the first
        # Müller, 164 ms; 25 ms found and sorted). `|| ''` keeps the order and hides the index.
        fence = " || ''" if filters.q else ""
        return query.order_by(
            OrderByRaw(f'"registration"."sort_family"{fence}'),
            OrderByRaw(f'"registration"."sort_given"{fence}'),
            Registration.id,
            ascending=ascending,
        )
    return query.order_by(Registration.created_at, Registration.id, ascending=ascending)


async def find_registrations(meeting: dict, filters: DeskFilters) -> list[dict]:
    """Every registration of the meeting that matches, in the chosen order, each with its
    `waitlist_position` (None unless waiting)."""
    if _names_sorted_in_python(filters):
        rows = await _filtered(LIST_COLUMNS, meeting, filters)
        rows.sort(key=name_key, reverse=filters.sort.startswith("-"))
    else:
        rows = await _in_order(_filtered(LIST_COLUMNS, meeting, filters), filters)
    positions = await waitlist_positions(meeting["id"])
    arrivals = await check_ins(meeting["id"])
    for row in rows:
        row["waitlist_position"] = positions.get(row["id"])
        row["checked_in_at"] = arrivals.get(row["id"])
    await name_delegations(rows)
    return rows


async def name_delegations(rows: list[dict]) -> None:
    """Give each row its `delegation`: whom the held seats it was named into are kept for (a
    State's name in the reader's language, an organization's), or "" for everyone else."""
    names = await services.hold_names((row["seat_hold"] for row in rows), current_language())
    for row in rows:
        row["delegation"] = names.get(row["seat_hold"], "")


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
    """Registration id → place on its waiting list (1 is next): the meeting's, or in a hybrid
    meeting that of its attendance (each has its own line); of `ids` only, if given.

    The database ranks the waiting list (a window function), so a page of a meeting with
    thousands waiting gets back a page's worth of rows, not the whole list.
    """
    if ids is not None and not ids:
        return {}
    meeting = await Meeting.select(Meeting.mode).where(Meeting.id == meeting_id).first()
    lines = "PARTITION BY attendance " if is_hybrid(meeting or {}) else ""
    only = f" WHERE id IN ({', '.join('{}' for _ in ids)})" if ids is not None else ""
    rows = await Registration.raw(
        "SELECT id, place FROM (SELECT id, ROW_NUMBER() OVER "
        f"({lines}ORDER BY waitlist_seq, id) AS place FROM registration "
        "WHERE meeting = {} AND status = 'waitlisted') AS waiting" + only,
        meeting_id,
        *(ids or ()),
    )
    return {row["id"]: row["place"] for row in rows}


@dataclass(frozen=True)
class Page:
    rows: list[dict]
    total: int
    page: int
    pages: int
    per_page: int
    # The matches were counted only up to `total` and there are more: `pages` is then a lower
    # bound too (the page shows "more than", and a next page).
    capped: bool = False

    @property
    def has_next(self) -> bool:
        return self.page < self.pages or self.capped

    @property
    def first(self) -> int:
        return (self.page - 1) * self.per_page + 1 if self.total else 0

    @property
    def last(self) -> int:
        return min(self.total, self.page * self.per_page)


def _filtered(columns, meeting: dict, filters: DeskFilters):
    """A select of the meeting's registrations that match the filters, all of them in SQL."""
    query = Registration.select(*columns).where(Registration.meeting == meeting["id"])
    if filters.status:
        query = query.where(Registration.status == filters.status)
    if filters.category:
        query = query.where(Registration.category == filters.category)
    if filters.country:
        query = query.where(Registration.country == filters.country)
    if filters.hold is not None:
        query = query.where(Registration.seat_hold == filters.hold)
    if filters.attendance:
        query = query.where(Registration.attendance == filters.attendance)
    if filters.session is not None:
        query = query.where(
            WhereRaw(
                '"registration"."id" IN (SELECT registration FROM session_attendance '
                "WHERE meeting_session = {})",
                filters.session,
            )
        )
    if filters.unconfirmed:
        query = query.where(
            Registration.unconfirmed_until.is_not_null()
            & Registration.status.is_in(list(ACTIVE_STATUSES))
        )
    if filters.burst:
        # 0 is no row's id: a group whose members are gone (erased, or a stale link) lists none.
        query = query.where(Registration.id.is_in(list(filters.burst_ids) or [0]))
    if filters.q:
        condition = search.search_where(filters.q)
        if condition is not None:
            query = query.where(condition)
    return query


async def ordered_ids(meeting: dict, filters: DeskFilters) -> list[int]:
    """The ids of every matching registration, in the list's order: what a long export walks
    through a chunk at a time (`rows_of`) instead of holding every row at once."""
    if _names_sorted_in_python(filters):
        return await _ids_sorted_in_python(meeting, filters)
    return [
        row["id"]
        for row in await _in_order(_filtered((Registration.id,), meeting, filters), filters)
    ]


async def _ids_sorted_in_python(meeting: dict, filters: DeskFilters) -> list[int]:
    light = await _filtered(
        (Registration.id, Registration.given_name, Registration.family_name), meeting, filters
    )
    light.sort(key=name_key, reverse=filters.sort.startswith("-"))
    return [row["id"] for row in light]


async def _count(meeting: dict, filters: DeskFilters, up_to: int | None = None) -> int:
    """How many registrations match; with `up_to`, at most `up_to + 1` are counted (one more
    than `up_to` says "more")."""
    if up_to is None:
        found = await _filtered((Count(),), meeting, filters).first()
        return found["count"] if found else 0
    matches = _filtered((Registration.id,), meeting, filters).limit(up_to + 1)
    found = await Registration.raw(
        "SELECT COUNT(*) AS count FROM ({}) AS matches", matches.querystrings[0]
    )
    return found[0]["count"] if found else 0


async def _window(meeting: dict, filters: DeskFilters, offset: int, limit: int) -> list[int]:
    """The ids of the matches from `offset`, at most `limit` of them, in the list's order,
    sorted and skipped by the database."""
    query = _in_order(_filtered((Registration.id,), meeting, filters), filters)
    return [row["id"] for row in await query.limit(limit).offset(offset)]


async def rows_of(meeting_id: int, ids: list[int]) -> list[dict]:
    """The list's rows of `ids`, in that order, each with its `waitlist_position` (None unless
    waiting), `checked_in_at` and the delegation it was named into."""
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
    await name_delegations(rows)
    return rows


async def find_page(meeting: dict, filters: DeskFilters, page: int, per_page: int) -> Page:
    """One page of the list, read from the database a page at a time (sorted and skipped by the
    database, but for names on SQLite: see the module's docstring). With a search, the matches
    are counted up to `COUNT_CAP`, or up to the page asked for if further."""
    per_page = per_page if per_page in PAGE_SIZES else DEFAULT_PAGE_SIZE
    page = max(1, page)
    up_to = min(max(COUNT_CAP, page * per_page), _MAX_COUNT_LIMIT - 1) if filters.q else None
    ids = None
    if _names_sorted_in_python(filters):
        ids = await _ids_sorted_in_python(meeting, filters)
        total = len(ids) if up_to is None else min(len(ids), up_to + 1)
    else:
        total = await _count(meeting, filters, up_to)
    capped = up_to is not None and total > up_to
    if capped:
        total = up_to
    pages = max(1, -(-total // per_page))
    page = min(page, pages)
    start = (page - 1) * per_page
    if ids is not None:
        ids = ids[start : start + per_page]
    else:
        ids = await _window(meeting, filters, start, per_page)
    return Page(await rows_of(meeting["id"], ids), total, page, pages, per_page, capped)


async def find_window(
    meeting: dict, filters: DeskFilters, offset: int, limit: int
) -> tuple[list[dict], int]:
    """The list's rows from `offset`, at most `limit` of them (as `rows_of` gives them), and the
    number of every match, counted exactly (the API's `total`)."""
    if _names_sorted_in_python(filters):
        ids = await _ids_sorted_in_python(meeting, filters)
        return await rows_of(meeting["id"], ids[offset : offset + limit]), len(ids)
    total = await _count(meeting, filters)
    ids = await _window(meeting, filters, offset, limit) if offset < total else []
    return await rows_of(meeting["id"], ids), total
