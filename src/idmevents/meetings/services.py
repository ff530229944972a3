"""Reading meetings and their agendas, as the public pages, feeds and emails need them."""

from __future__ import annotations

import time
from collections import defaultdict
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from zoneinfo import ZoneInfo

from idmevents import content
from idmevents.db import through
from idmevents.errors import NotFound
from idmevents.meetings.tables import Meeting, MeetingSession, Panelist, Room, SessionPanelist
from idmevents.records import copy_fields
from idmevents.settings import get_settings
from idmevents.validation import language_codes

SESSION_KINDS = ("opening", "keynote", "panel", "plenary", "break", "side-event", "closing")
PANELIST_ROLES = ("chair", "moderator", "keynote", "speaker", "discussant")
MEETING_STATUSES = ("draft", "published", "cancelled")


@dataclass(frozen=True)
class PanelistRole:
    panelist_id: int
    slug: str
    honorific: str
    name: str
    position: str
    organization: str
    role: str
    order: int
    # The panelist's position in other languages ({"fr": {"position": …}}), and the language the
    # meeting writes its content in: idmevents.content resolves them.
    translations: dict = field(default_factory=dict)
    original_language: str = "en"

    @property
    def display_name(self) -> str:
        return f"{self.honorific} {self.name}".strip()


@dataclass
class AgendaItem:
    """A session with what the agenda shows beside it."""

    id: int
    uid: str
    title: str
    description: str
    kind: str
    starts_at: datetime
    ends_at: datetime
    status: str
    sequence: int
    updated_at: datetime
    created_at: datetime
    capacity: int | None
    room_id: int | None
    room_name: str
    illustrative: bool
    panelists: list[PanelistRole] = field(default_factory=list)
    webcast_url: str = ""  # the session's own; the meeting's applies when empty
    interpretation: tuple[str, ...] = ()  # language codes (idmevents.i18n.UN_LANGUAGES...)
    # Title, description and the room's name ("room_name") in other languages, by language, and
    # the language of the meeting's own text: idmevents.content resolves them.
    translations: dict = field(default_factory=dict)
    original_language: str = "en"
    # Set by `localize_agenda`: the language the title is in (frab's <language>).
    title_language: str = ""

    @property
    def cancelled(self) -> bool:
        return self.status == "cancelled"


@dataclass
class AgendaDay:
    day: date
    items: list[AgendaItem]


@dataclass
class Agenda:
    meeting: dict
    items: list[AgendaItem]

    @property
    def timezone(self) -> str:
        return self.meeting["timezone"]

    def by_day(self) -> list[AgendaDay]:
        zone = ZoneInfo(self.timezone)
        days: dict[date, list[AgendaItem]] = defaultdict(list)
        for item in self.items:
            days[item.starts_at.astimezone(zone).date()].append(item)
        return [AgendaDay(day=day, items=items) for day, items in sorted(days.items())]

    def panelists(self) -> list[PanelistRole]:
        """Everyone on the agenda once, in order of first appearance."""
        seen: dict[int, PanelistRole] = {}
        for item in self.items:
            for person in item.panelists:
                seen.setdefault(person.panelist_id, person)
        return list(seen.values())


def localize_agenda(agenda: Agenda, lang: str) -> Agenda:
    """The agenda with its meeting's and items' text in `lang` where it exists (feeds, schedules,
    emails), each missing translation in the meeting's original language."""
    meeting = content.localized(agenda.meeting, content.MEETING_TEXT, lang)
    items = []
    for item in agenda.items:
        title, title_language = content.resolve(item, "title", lang)
        items.append(
            replace(
                item,
                title=title,
                title_language=title_language,
                description=content.text(item, "description", lang),
                room_name=content.text(item, "room_name", lang),
                panelists=[
                    replace(person, position=content.text(person, "position", lang))
                    for person in item.panelists
                ],
            )
        )
    return Agenda(meeting=meeting, items=items)


def registration_is_open(meeting: dict, now: datetime) -> bool:
    if meeting["status"] != "published":
        return False
    opens, closes = meeting["registration_opens_at"], meeting["registration_closes_at"]
    if opens is not None and now < opens:
        return False
    return not (closes is not None and now >= closes)


def is_past(meeting: dict, now: datetime) -> bool:
    return meeting["ends_on"] < now.astimezone(ZoneInfo(meeting["timezone"])).date()


async def list_public_meetings(now: datetime) -> tuple[list[dict], list[dict]]:
    """Published and cancelled meetings: (upcoming soonest first, past latest first)."""
    meetings = (
        await Meeting.select()
        .where(Meeting.status.is_in(["published", "cancelled"]))
        .order_by(Meeting.starts_on)
    )
    upcoming = [m for m in meetings if not is_past(m, now)]
    past = [m for m in reversed(meetings) if is_past(m, now)]
    return upcoming, past


async def get_meeting(slug: str, *, include_drafts: bool = False) -> dict:
    query = Meeting.select().where(Meeting.slug == slug)
    if not include_drafts:
        query = query.where(Meeting.status != "draft")
    meeting = await query.first()
    if meeting is None:
        raise NotFound(f"There is no meeting called “{slug}”.")
    return meeting


async def load_agenda(meeting: dict, *, include_cancelled: bool = True) -> Agenda:
    """The meeting's sessions in time order with rooms and panelists: three queries, whatever its size."""
    sessions_query = (
        MeetingSession.select(
            MeetingSession.all_columns(),
            MeetingSession.room.name.as_alias("room_name"),
            MeetingSession.room.translations.as_alias("room_translations"),
        )
        .where(MeetingSession.meeting == meeting["id"])
        .order_by(MeetingSession.starts_at)
        .order_by(MeetingSession.id)
    )
    if not include_cancelled:
        sessions_query = sessions_query.where(MeetingSession.status != "cancelled")
    sessions = await sessions_query
    original = content.original_language(meeting)
    roles = await panelist_roles([s["id"] for s in sessions], original=original)
    items = [_agenda_item(s, roles.get(s["id"], []), original) for s in sessions]
    return Agenda(meeting=meeting, items=items)


# A panelist's part in a session, with who the panelist is: what the agenda shows of them.
ROLE_COLUMNS = (
    SessionPanelist.meeting_session,
    SessionPanelist.role,
    SessionPanelist.position,
    *through(
        SessionPanelist.panelist,
        "slug",
        "honorific",
        "name",
        "organization",
        id="panelist_id",
        position="panelist_position",
        translations="panelist_translations",
    ),
)


async def panelist_roles(
    session_ids: list[int], *, original: str = "en"
) -> dict[int, list[PanelistRole]]:
    if not session_ids:
        return {}
    rows = (
        await SessionPanelist.select(*ROLE_COLUMNS)
        .where(SessionPanelist.meeting_session.is_in(session_ids))
        .order_by(SessionPanelist.position)
        .order_by(SessionPanelist.id)
    )
    roles: dict[int, list[PanelistRole]] = defaultdict(list)
    for row in rows:
        roles[row["meeting_session"]].append(
            copy_fields(
                PanelistRole,
                row,
                position=row["panelist_position"],
                order=row["position"],
                translations=content.load(row["panelist_translations"]),
                original_language=original,
            )
        )
    return roles


def _agenda_item(row: dict, panelists: list[PanelistRole], original: str = "en") -> AgendaItem:
    translations = content.load(row.get("translations"))
    for lang, texts in content.load(row.get("room_translations")).items():
        if texts.get("name"):
            translations.setdefault(lang, {})["room_name"] = texts["name"]
    return copy_fields(
        AgendaItem,
        row,
        room_id=row["room"],
        room_name=row.get("room_name") or "",
        panelists=panelists,
        webcast_url=row.get("webcast_url") or "",
        interpretation=language_codes(row.get("interpretation")),
        translations=translations,
        original_language=original,
    )


# What the public pages and feeds show of a panelist.
PANELIST_COLUMNS = (
    Panelist.id,
    Panelist.slug,
    Panelist.honorific,
    Panelist.name,
    Panelist.position,
    Panelist.organization,
    Panelist.bio,
    Panelist.translations,
)


async def meeting_panelists(meeting: dict) -> list[dict]:
    """The people on a meeting's agenda with their bios, in order of first appearance."""
    agenda = await load_agenda(meeting, include_cancelled=False)
    order = [person.panelist_id for person in agenda.panelists()]
    if not order:
        return []
    rows = await Panelist.select(*PANELIST_COLUMNS).where(Panelist.id.is_in(order))
    original = content.original_language(meeting)
    by_id = {row["id"]: row | {"original_language": original} for row in rows}
    sessions_by_person: dict[int, list[tuple[AgendaItem, str]]] = defaultdict(list)
    for item in agenda.items:
        for person in item.panelists:
            sessions_by_person[person.panelist_id].append((item, person.role))
    return [by_id[pid] | {"sessions": sessions_by_person[pid]} for pid in order]


async def meeting_titles() -> dict[str, str]:
    """Every meeting's title by slug, in date order (filters in organizer pages)."""
    rows = await Meeting.select(Meeting.slug, Meeting.title).order_by(Meeting.starts_on)
    return {row["slug"]: row["title"] for row in rows}


async def meeting_slugs(meeting_ids: frozenset[int]) -> list[str]:
    """The slugs of these meetings."""
    if not meeting_ids:
        return []
    rows = await Meeting.select(Meeting.slug).where(Meeting.id.is_in(sorted(meeting_ids)))
    return [row["slug"] for row in rows]


async def rooms_of(meeting_id: int) -> list[dict]:
    return await Room.select().where(Room.meeting == meeting_id).order_by(Room.name)


# Public reads under load ---------------------------------------------------------------------
# The meeting page and the feeds read the same meeting row on every request. Each process keeps
# what it read for `Settings.public_cache_seconds` (a second by default): an edit reaches every
# public page and feed within that time, and a busy process reads the row once a second instead
# of thousands of times. Organizer pages and every write use `get_meeting`, which always reads.

_recent_meetings: dict[str, tuple[float, dict, tuple]] = {}
_RECENT_LIMIT = 1000


async def get_public_meeting(slug: str) -> dict:
    """`get_meeting(slug)` (published or cancelled), as read at most `public_cache_seconds` ago."""
    return (await public_meeting_and_state(slug))[0]


async def public_meeting_and_state(slug: str) -> tuple[dict, tuple]:
    """`get_public_meeting(slug)` and its `meeting_state`, worked out once per read of the row:
    the meeting page's cache key, whose repr of every column costs more than the rest of an
    answer from the page cache."""
    max_age = get_settings().public_cache_seconds
    if max_age <= 0:
        meeting = await get_meeting(slug)
        return meeting, meeting_state(meeting)
    now = time.monotonic()
    held = _recent_meetings.get(slug)
    if held is not None and held[0] > now:
        return dict(held[1]), held[2]  # a copy: no request can change what the next one sees
    meeting = await get_meeting(slug)
    state = meeting_state(meeting)
    if len(_recent_meetings) >= _RECENT_LIMIT:
        _recent_meetings.clear()  # a flood of distinct slugs: start again rather than grow
    _recent_meetings[slug] = (now + max_age, dict(meeting), state)
    return meeting, state


def forget_public_meetings() -> None:
    """Drop what this process remembers (tests, and after changes made by this process)."""
    _recent_meetings.clear()


def meeting_state(meeting: dict) -> tuple:
    """Everything of the meeting row, as a cache key: any edit, and any agenda change (which moves
    agenda_changed_at), gives a new key."""
    return tuple(sorted((name, repr(value)) for name, value in meeting.items()))
