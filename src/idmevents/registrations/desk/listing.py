"""The desk's list: checking the filters, finding and sorting one meeting's registrations, paging.

Search and sorting run in Python after the database has applied the exact filters (see the
package's docstring for why)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from piccolo.columns.combination import WhereRaw
from piccolo.query.functions.aggregate import Count

from idmevents.errors import InvalidInput
from idmevents.i18n import current_language, gettext
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
    fold,
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
