"""The audit log, below every domain so that each records its changes in its own transaction."""

from idmevents.audit.log import (
    ENTITY_TYPES,
    PAGE_SIZE,
    PARTICIPANT,
    SYSTEM,
    Actor,
    AuditFilters,
    AuditPage,
    filter_choices,
    history,
    list_entries,
    record,
    write,
    write_on_meeting,
)

__all__ = [
    "ENTITY_TYPES",
    "PAGE_SIZE",
    "PARTICIPANT",
    "SYSTEM",
    "Actor",
    "AuditFilters",
    "AuditPage",
    "filter_choices",
    "history",
    "list_entries",
    "record",
    "write",
    "write_on_meeting",
]
