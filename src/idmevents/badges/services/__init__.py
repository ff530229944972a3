"""Badges and check-in: a participant's badge, batches printed to PDF, and the check-in desk.

One face for three modules: `_badge` (the participant's page), `_printing` (batches to PDF) and
`_desk` (the check-in desk); `_common` holds what they share.
"""

from idmevents.badges.services._badge import BadgePage, badge_for_token
from idmevents.badges.services._common import (
    CategoryCount,
    Totals,
    badge_views,
    holds_of,
    sort_key,
)
from idmevents.badges.services._desk import (
    ALREADY_CHECKED_IN,
    BADGE_REPLACED,
    CHECKED_IN,
    NOT_CHECKED_IN,
    REFUSED,
    SEARCH_LIMIT,
    SEARCH_MAX_LENGTH,
    UNDONE,
    Card,
    DeskMeeting,
    DeskResult,
    SearchResult,
    arrival_counts,
    card,
    check_in,
    check_in_code,
    desk_meetings,
    outcome_message,
    replace_badge,
    search,
    undo_check_in,
)
from idmevents.badges.services._printing import (
    PrintRun,
    check_print_options,
    choose_and_mark,
    print_badges,
    print_counts,
    restore_printed_marks,
)

__all__ = [
    "ALREADY_CHECKED_IN",
    "BADGE_REPLACED",
    "CHECKED_IN",
    "NOT_CHECKED_IN",
    "REFUSED",
    "SEARCH_LIMIT",
    "SEARCH_MAX_LENGTH",
    "UNDONE",
    "BadgePage",
    "Card",
    "CategoryCount",
    "DeskMeeting",
    "DeskResult",
    "PrintRun",
    "SearchResult",
    "Totals",
    "arrival_counts",
    "badge_for_token",
    "badge_views",
    "card",
    "check_in",
    "check_in_code",
    "check_print_options",
    "choose_and_mark",
    "desk_meetings",
    "holds_of",
    "outcome_message",
    "print_badges",
    "print_counts",
    "replace_badge",
    "restore_printed_marks",
    "search",
    "sort_key",
    "undo_check_in",
]
