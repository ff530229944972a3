"""The agenda builder: creating and changing meetings, rooms, sessions and who speaks in them.

Every verb runs in one write transaction that also writes the audit entry. Whatever a calendar can
see moves `Meeting.agenda_changed_at` (the feeds cache on it) and bumps the session's `sequence`
and `updated_at`. On a published meeting, moving, retiming, cancelling, restoring or adding a
session also records an `AgendaChange`, which participants are told about when an organizer
presses "Notify participants". Cancelling a whole published meeting emails its participants: that
lives one floor up, in `registrations.meeting_cancellation`, which wraps `change_meeting`.

The modules: `_zones` (local times), `_meetings`, `_duplicate`, `_rooms`, `_sessions` (with their
panelists), `_changes` (sequences and the change log) and `_clash_report` (clashes in words).
"""

from idmevents.audit import Actor
from idmevents.audit import write as audit
from idmevents.meetings.builder._changes import (
    bump_sequence,
    change_summary,
    mark_agenda_changed,
    recent_changes,
)
from idmevents.meetings.builder._clash_report import (
    clash_summary,
    describe_clash,
    local_datetime_short,
    meeting_clashes,
)
from idmevents.meetings.builder._duplicate import duplicate_meeting
from idmevents.meetings.builder._meetings import (
    MEETING_FIELDS,
    MEETING_FIELDS_IN_EVENTS,
    MEETING_MODES,
    SLUG_MAX,
    SLUG_PATTERN,
    STATUS_TRANSITIONS,
    MeetingUpdate,
    audit_meeting_update,
    change_meeting,
    create_meeting,
    get_meeting_any,
    list_meetings,
    publish_meeting,
    update_meeting,
)
from idmevents.meetings.builder._rooms import create_room, delete_room, get_room, update_room
from idmevents.meetings.builder._sessions import (
    SESSION_FIELDS,
    UID_DOMAIN,
    PanelistAssignment,
    assign_panelist,
    create_session,
    delete_session,
    get_session,
    new_uid,
    session_panelists,
    set_session_status,
    unassign_panelist,
    update_session,
)
from idmevents.meetings.builder._zones import (
    NonexistentLocalTime,
    common_timezones,
    is_timezone,
    local_instant,
    wall_clock,
)
from idmevents.validation import MAX_ID, check_aware, check_capacity, check_text, is_row_id

__all__ = [
    "MAX_ID",
    "MEETING_FIELDS",
    "MEETING_FIELDS_IN_EVENTS",
    "MEETING_MODES",
    "SESSION_FIELDS",
    "SLUG_MAX",
    "SLUG_PATTERN",
    "STATUS_TRANSITIONS",
    "UID_DOMAIN",
    "Actor",
    "MeetingUpdate",
    "NonexistentLocalTime",
    "PanelistAssignment",
    "assign_panelist",
    "audit",
    "audit_meeting_update",
    "bump_sequence",
    "change_meeting",
    "change_summary",
    "check_aware",
    "check_capacity",
    "check_text",
    "clash_summary",
    "common_timezones",
    "create_meeting",
    "create_room",
    "create_session",
    "delete_room",
    "delete_session",
    "describe_clash",
    "duplicate_meeting",
    "get_meeting_any",
    "get_room",
    "get_session",
    "is_row_id",
    "is_timezone",
    "list_meetings",
    "local_datetime_short",
    "local_instant",
    "mark_agenda_changed",
    "meeting_clashes",
    "new_uid",
    "publish_meeting",
    "recent_changes",
    "session_panelists",
    "set_session_status",
    "unassign_panelist",
    "update_meeting",
    "update_room",
    "update_session",
    "wall_clock",
]
