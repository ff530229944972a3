"""The organizers' registrations desk: finding registrations, counting seats, one person's history.

A package: common.py (limits, actions, the meetings), listing.py (filters, the list,
pages), counts.py (seats by category and session), pools.py (a hybrid meeting's places in the
room and online, moving someone between them), detail.py (one registration), bulk.py
(approving several); everything is re-exported here, so `desk.find_page` and the like still work.

The database filters, searches and pages the list; both engines give the same answers: a search
for "jose" finds "José" and "JOSÉ" (each engine's index of folded text, `registrations.search`),
and "Élodie" sorts among the E's (names folded as `i18n.fold` folds them: stored and indexed on
PostgreSQL, sorted in Python on SQLite; see listing.py).

Changes of state go through `registrations.services` (approve, reject, promote, cancel, reinstate,
edit_registration), which write the participant's email and the audit entry in the same transaction.
"""

from __future__ import annotations

from idmevents.i18n import fold
from idmevents.registrations.desk.bulk import (
    BulkResult,
    approve_many,
    cancel_many,
)
from idmevents.registrations.desk.common import (
    ACTIONS,
    DEFAULT_PAGE_SIZE,
    DEFAULT_SORT,
    MAX_API_LIMIT,
    MAX_BULK,
    MAX_ID,
    MAX_QUERY,
    PAGE_SIZES,
    SORTS,
    default_meeting,
    desk_meetings,
    get_meeting,
    get_meeting_by_id,
    is_id,
    status_name,
)
from idmevents.registrations.desk.counts import (
    CategoryCount,
    DeskCounts,
    SessionCount,
    meeting_countries,
    meeting_counts,
    meeting_sessions,
    session_places,
)
from idmevents.registrations.desk.detail import (
    Detail,
    get_registration,
    owners_of_registration,
    registration_detail,
)
from idmevents.registrations.desk.listing import (
    COUNT_CAP,
    LIST_COLUMNS,
    DeskFilters,
    Page,
    check_filters,
    check_ins,
    check_ins_of,
    find_page,
    find_registrations,
    find_window,
    name_delegations,
    name_key,
    ordered_ids,
    rows_of,
    waitlist_positions,
)
from idmevents.registrations.desk.pools import (
    PoolCount,
    pool_capacity,
    pool_counts,
    switch_attendance,
)

__all__ = [
    "ACTIONS",
    "COUNT_CAP",
    "DEFAULT_PAGE_SIZE",
    "DEFAULT_SORT",
    "LIST_COLUMNS",
    "MAX_API_LIMIT",
    "MAX_BULK",
    "MAX_ID",
    "MAX_QUERY",
    "PAGE_SIZES",
    "SORTS",
    "BulkResult",
    "CategoryCount",
    "DeskCounts",
    "DeskFilters",
    "Detail",
    "Page",
    "PoolCount",
    "SessionCount",
    "approve_many",
    "cancel_many",
    "check_filters",
    "check_ins",
    "check_ins_of",
    "default_meeting",
    "desk_meetings",
    "find_page",
    "find_registrations",
    "find_window",
    "fold",
    "get_meeting",
    "get_meeting_by_id",
    "get_registration",
    "is_id",
    "meeting_countries",
    "meeting_counts",
    "meeting_sessions",
    "name_delegations",
    "name_key",
    "ordered_ids",
    "owners_of_registration",
    "pool_capacity",
    "pool_counts",
    "registration_detail",
    "rows_of",
    "session_places",
    "status_name",
    "switch_attendance",
    "waitlist_positions",
]
