"""The audit log: who changed what and when, written in the same transaction as the change itself.

Every domain records through `write(by, action, entity_type, entity_id, …)` with an `Actor`; `record`
is the lower-level form for callers that name the actor themselves.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from idmevents.audit.tables import AuditEntry


@dataclass(frozen=True)
class Actor:
    """Who makes a change, as the audit log records it: an account (`user_id`) or a role's name."""

    user_id: int | None
    label: str


SYSTEM = Actor(None, "system")
PARTICIPANT = Actor(None, "participant")

ENTITY_TYPES = (
    "meeting",
    "room",
    "session",
    "panelist",
    "registration",
    "checkin",
    "mail",
    "user",
    "token",
    "delegation",
)


async def record(
    *,
    user_id: int | None,
    actor: str,
    action: str,
    entity_type: str,
    entity_id: int | None = None,
    meeting_slug: str = "",
    summary: str = "",
    data: dict[str, Any] | None = None,
    now: datetime | None = None,
) -> int:
    """Write one audit entry and return its id.

    Call it inside the write transaction of the change it describes, so that a change that rolls
    back leaves no entry and a change that commits always has one. `actor` is what the log shows
    (an email, "participant", "system"); `user_id` links to the account when there is one.
    """
    rows = await AuditEntry.insert(
        AuditEntry(
            at=now or datetime.now(UTC),
            user=user_id,
            actor=actor[:320],
            action=action[:60],
            entity_type=entity_type[:40],
            entity_id=entity_id,
            meeting_slug=meeting_slug[:100],
            summary=summary,
            data=data or {},
        )
    ).returning(AuditEntry.id)
    return rows[0]["id"]


async def write(
    by: Actor,
    action: str,
    entity_type: str,
    entity_id: int | None,
    *,
    meeting_slug: str = "",
    summary: str = "",
    data: dict | None = None,
    now: datetime,
) -> None:
    """One entry for a change made by `by`; values in `data` are stored as JSON (dates as ISO text)."""
    await record(
        user_id=by.user_id,
        actor=by.label,
        action=action,
        entity_type=entity_type,
        entity_id=entity_id,
        meeting_slug=meeting_slug,
        summary=summary,
        data=_jsonable(data or {}),
        now=now,
    )


async def write_on_meeting(by: Actor, action: str, meeting: dict, **entry: Any) -> None:
    """`write` for a change to a meeting as a whole (its row: `id` and `slug`); `entry` is the
    rest of `write`'s keywords (`now`, and `summary` or `data` if any)."""
    await write(by, action, "meeting", meeting["id"], meeting_slug=meeting["slug"], **entry)


def _jsonable(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    if isinstance(value, datetime | date):
        return value.isoformat()
    return value


PAGE_SIZE = 50


@dataclass(frozen=True)
class AuditFilters:
    meeting_slug: str = ""
    entity_type: str = ""
    user_id: int | None = None
    page: int = 1
    # A team member's view: entries of these meetings only (None: every entry, for an admin).
    meeting_slugs: frozenset[str] | None = None


@dataclass(frozen=True)
class AuditPage:
    entries: list[dict]
    total: int
    page: int
    pages: int


async def list_entries(filters: AuditFilters, *, page_size: int = PAGE_SIZE) -> AuditPage:
    """The entries matching the filters, newest first, one page of them."""
    condition = None

    def add(clause):
        nonlocal condition
        condition = clause if condition is None else condition & clause

    if filters.meeting_slug:
        add(AuditEntry.meeting_slug == filters.meeting_slug)
    if filters.entity_type:
        add(AuditEntry.entity_type == filters.entity_type)
    if filters.user_id is not None:
        add(AuditEntry.user == filters.user_id)
    if filters.meeting_slugs is not None:
        add(
            AuditEntry.meeting_slug.is_in(sorted(filters.meeting_slugs))
            if filters.meeting_slugs
            else AuditEntry.id == -1
        )
    count = AuditEntry.count()
    query = AuditEntry.select(
        *AuditEntry.all_columns(), AuditEntry.user.email.as_alias("user_email")
    ).order_by(AuditEntry.at, AuditEntry.id, ascending=False)
    if condition is not None:
        count = count.where(condition)
        query = query.where(condition)
    total = await count
    pages = max(1, -(-total // page_size))
    page = min(max(1, filters.page), pages)
    entries = await query.limit(page_size).offset((page - 1) * page_size)
    return AuditPage(entries=entries, total=total, page=page, pages=pages)


async def history(entity_type: str, entity_id: int) -> list[dict]:
    """Every entry about one thing (a registration, a meeting), newest first."""
    return await (
        AuditEntry.select()
        .where((AuditEntry.entity_type == entity_type) & (AuditEntry.entity_id == entity_id))
        .order_by(AuditEntry.at, AuditEntry.id, ascending=False)
    )


async def filter_choices(
    meeting_titles: dict[str, str], *, meetings_only: bool = False
) -> dict[str, list]:
    """What the filters offer: meetings that exist (`meeting_titles`, slug → title) or, unless
    `meetings_only`, have entries; entity types, people."""
    # The accounts' table, through the lazy reference: the audit log imports no domain.
    User = AuditEntry.user._foreign_key_meta.resolved_references

    meetings = dict(meeting_titles)
    for row in await AuditEntry.select(AuditEntry.meeting_slug).distinct():
        if row["meeting_slug"] and not meetings_only:
            meetings.setdefault(row["meeting_slug"], row["meeting_slug"])
    types = {
        row["entity_type"] for row in await AuditEntry.select(AuditEntry.entity_type).distinct()
    }
    users = await User.select(User.id, User.email, User.display_name).order_by(User.email)
    return {
        "meetings": sorted(meetings.items(), key=lambda item: item[1]),
        "entity_types": sorted(set(ENTITY_TYPES) | types),
        "users": users,
    }
