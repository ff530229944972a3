"""Which sessions each feed shows, and the feeds themselves, built once per change and cached.

A request first reads the few rows that say which state a feed is in (the meeting and its
`agenda_changed_at`, a participant's choices, a panelist's meetings); that state is the cache
key. Only a key not seen before loads the agenda and builds the document, in a worker thread so
that a large agenda does not hold up other requests. Every writer that changes what a feed shows
moves `Meeting.agenda_changed_at` (idmevents.meetings.builder.mark_agenda_changed), which is what
makes the key change.
"""

from __future__ import annotations

import asyncio
import functools
import secrets
import threading
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Hashable
from dataclasses import dataclass
from datetime import UTC, datetime

from idmevents import content, urls
from idmevents.calendar_events import Party
from idmevents.db import first_found, write_transaction
from idmevents.errors import NotFound
from idmevents.feeds import schedule
from idmevents.feeds.ical import CalendarInfo, calendar_bytes
from idmevents.i18n import (
    DEFAULT_LANGUAGE,
    current_language,
    gettext,
    reset_language,
    set_language,
)
from idmevents.meetings.services import (
    PANELIST_COLUMNS,
    Agenda,
    AgendaItem,
    get_public_meeting,
    load_agenda,
)
from idmevents.meetings.tables import Meeting, MeetingSession, Panelist, SessionPanelist
from idmevents.pagecache import entity_tag, gzip_bytes
from idmevents.registrations.tables import Registration, SessionAttendance
from idmevents.settings import get_settings

CALENDAR_TYPE = "text/calendar; charset=utf-8"
JSON_TYPE = "application/json"
XML_TYPE = "application/xml; charset=utf-8"
# Registrations whose participant is not coming: their personal feed no longer exists.
NO_FEED_STATUSES = ("cancelled", "rejected")
# The cache holds the built documents of this process. A meeting's feed in four forms and three
# languages is a dozen entries; the byte bound keeps a few very large agendas from taking memory.
CACHE_MAX_ENTRIES = 512
CACHE_MAX_BYTES = 64 * 1024 * 1024
# Meeting fields a feed shows (name, venue, zone, status): part of the key, so that a change to
# them rebuilds the feed even if the writer forgot to move agenda_changed_at.
MEETING_FIELDS_SHOWN = (
    "slug",
    "title",
    "theme",
    "city",
    "venue_name",
    "venue_address",
    "timezone",
    "starts_on",
    "ends_on",
    "status",
    "original_language",
    "translations",
)


@dataclass(frozen=True)
class FeedDocument:
    """A built feed: the bytes as sent, their gzip form, and what HTTP says about them."""

    body: bytes
    gzipped: bytes
    etag: str  # strong validator of `body`, quoted: "…"
    gzip_etag: str  # of `gzipped`: a different representation needs its own strong validator
    last_modified: datetime
    media_type: str
    filename: str | None
    private: bool
    # False when a change the feed shows can leave no timestamp behind (a choice withdrawn or
    # promoted from the waiting list, a panelist taken off another meeting's session): then only
    # the ETag can tell a stale copy, and If-Modified-Since must not be answered with 304.
    exact_last_modified: bool = True


class FeedCache:
    """A bounded least-recently-used map from feed state to built document, shared by the threads
    of one process (the app may run beside a test's own event loop)."""

    def __init__(self, max_entries: int = CACHE_MAX_ENTRIES, max_bytes: int = CACHE_MAX_BYTES):
        self.max_entries = max_entries
        self.max_bytes = max_bytes
        self._entries: OrderedDict[Hashable, FeedDocument] = OrderedDict()
        self._bytes = 0
        self._lock = threading.Lock()
        self.builds = 0  # how many documents were built: tests and the benchmark read it

    def get(self, key: Hashable) -> FeedDocument | None:
        with self._lock:
            document = self._entries.get(key)
            if document is not None:
                self._entries.move_to_end(key)
            return document

    def put(self, key: Hashable, document: FeedDocument) -> None:
        size = len(document.body) + len(document.gzipped)
        with self._lock:
            self.builds += 1
            if size > self.max_bytes:
                return
            old = self._entries.pop(key, None)
            if old is not None:
                self._bytes -= len(old.body) + len(old.gzipped)
            self._entries[key] = document
            self._bytes += size
            while len(self._entries) > self.max_entries or self._bytes > self.max_bytes:
                _, evicted = self._entries.popitem(last=False)
                self._bytes -= len(evicted.body) + len(evicted.gzipped)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
            self._bytes = 0

    def __len__(self) -> int:
        return len(self._entries)


cache = FeedCache()
_building: dict[Hashable, asyncio.Future[FeedDocument]] = {}


def make_document(
    body: bytes,
    *,
    last_modified: datetime,
    media_type: str,
    filename: str | None,
    private: bool,
    exact_last_modified: bool = True,
) -> FeedDocument:
    gzipped = gzip_bytes(body)
    return FeedDocument(
        body=body,
        gzipped=gzipped,
        etag=entity_tag(body),
        gzip_etag=entity_tag(gzipped),
        last_modified=last_modified.astimezone(UTC).replace(microsecond=0),
        media_type=media_type,
        filename=filename,
        private=private,
        exact_last_modified=exact_last_modified,
    )


@dataclass(frozen=True)
class FeedSpec:
    """How to build one feed once its state is known."""

    key: tuple
    load: Callable[[], Awaitable[object]]  # reads the data (async, in the request's loop)
    render: Callable[[object], bytes]  # pure, CPU-bound: runs in a worker thread
    state_modified: datetime  # the newest timestamp in the state the feed is built from
    media_type: str
    filename: str | None
    private: bool = False
    exact_last_modified: bool = True  # see FeedDocument


async def _document(spec: FeedSpec) -> FeedDocument:
    document = cache.get(spec.key)
    if document is not None:
        return document
    loop = asyncio.get_running_loop()
    pending = _building.get(spec.key)
    if pending is not None and pending.get_loop() is loop:
        # Another request is building this very document: wait for it instead of building twice.
        return await asyncio.shield(pending)
    future: asyncio.Future[FeedDocument] = loop.create_future()
    _building[spec.key] = future
    try:
        data = await spec.load()
        body = await asyncio.to_thread(spec.render, data)
        document = await asyncio.to_thread(
            make_document,
            body,
            last_modified=spec.state_modified,
            media_type=spec.media_type,
            filename=spec.filename,
            private=spec.private,
            exact_last_modified=spec.exact_last_modified,
        )
    except BaseException as exc:
        future.set_exception(exc)
        future.exception()  # retrieved here: waiters (if any) get it raised; none is fine too
        raise
    finally:
        _building.pop(spec.key, None)
    cache.put(spec.key, document)
    future.set_result(document)
    return document


def _organizer() -> Party:
    """Every published event's ORGANIZER: the secretariat, whose address the emails come from."""
    return _party(get_settings().mail.mail_from)


@functools.lru_cache(maxsize=8)
def _party(header: str) -> Party:
    # Part of every feed's cache key, so read on every request: parsing the address each time
    # cost a fifth of a 304's CPU. Keyed by the header, so a changed setting is parsed again.
    return Party.from_header(header)


def _meeting_state(meeting: dict) -> tuple:
    return (
        meeting["id"],
        _utc(meeting["agenda_changed_at"]),
        tuple(str(meeting.get(name)) for name in MEETING_FIELDS_SHOWN),
    )


def _meeting_modified(meeting: dict) -> datetime:
    return max(_utc(meeting["agenda_changed_at"]), _utc(meeting["updated_at"]))


def _utc(moment: datetime) -> datetime:
    return moment.astimezone(UTC)


# -- a meeting ------------------------------------------------------------------------------------


def _meeting_info(meeting: dict, base_url: str) -> CalendarInfo:
    meeting = content.localized(meeting, content.MEETING_TEXT, current_language())
    return CalendarInfo(
        name=meeting["title"],
        description=gettext("The agenda of %(title)s, in %(city)s. Times are %(zone)s time.")
        % {"title": meeting["title"], "city": meeting["city"], "zone": meeting["timezone"]},
        source_url=urls.meeting_feed(meeting["slug"], base_url=base_url),
        page_url=urls.meeting_page(meeting["slug"], base_url=base_url),
        organizer=_organizer(),
    )


async def meeting_calendar(slug: str, *, base_url: str) -> FeedDocument:
    """The meeting's whole agenda, cancelled sessions included (as cancelled)."""
    meeting = await get_public_meeting(slug)
    return await _document(
        FeedSpec(
            key=(
                "meeting.ics",
                _meeting_state(meeting),
                current_language(),
                base_url,
                _organizer(),
            ),
            load=lambda: load_agenda(meeting),
            # The calendar's name and description are only needed to build it: not per request.
            render=lambda agenda: calendar_bytes(
                [agenda], _meeting_info(meeting, base_url), base_url=base_url
            ),
            state_modified=_meeting_modified(meeting),
            media_type=CALENDAR_TYPE,
            filename=f"{meeting['slug']}.ics",
        )
    )


async def _meeting_schedule(slug: str, ext: str, render, media_type: str, base_url: str):
    """The meeting's agenda for apps (`meeting.<ext>`), rendered by `render(agenda, base_url=…)`."""
    meeting = await get_public_meeting(slug)
    return await _document(
        FeedSpec(
            key=(f"meeting.{ext}", _meeting_state(meeting), current_language(), base_url),
            load=lambda: load_agenda(meeting),
            render=lambda agenda: render(agenda, base_url=base_url),
            state_modified=_meeting_modified(meeting),
            media_type=media_type,
            filename=None,
        )
    )


async def meeting_schedule_json(slug: str, *, base_url: str) -> FeedDocument:
    return await _meeting_schedule(slug, "json", schedule.agenda_json, JSON_TYPE, base_url)


async def meeting_schedule_xml(slug: str, *, base_url: str) -> FeedDocument:
    return await _meeting_schedule(slug, "xml", schedule.frab_xml, XML_TYPE, base_url)


async def meeting_schedule_frab_json(slug: str, *, base_url: str) -> FeedDocument:
    """The agenda as frab schedule.json (voc/schedule's JSON schema), for conference apps."""
    return await _meeting_schedule(slug, "schedule.json", schedule.frab_json, JSON_TYPE, base_url)


async def session_calendar(slug: str, session_id: int, *, base_url: str) -> FeedDocument:
    """One session as its own calendar: what "add this session" links download."""
    meeting = await get_public_meeting(slug)
    row = (
        await MeetingSession.select(MeetingSession.title, MeetingSession.translations)
        .where((MeetingSession.id == session_id) & (MeetingSession.meeting == meeting["id"]))
        .first()
    )
    if row is None:
        raise NotFound(gettext("This meeting has no such session."))

    async def load() -> Agenda:
        agenda = await load_agenda(meeting)
        return Agenda(meeting=meeting, items=[i for i in agenda.items if i.id == session_id])

    lang, original = current_language(), content.original_language(meeting)
    info = CalendarInfo(
        name=f"{content.text(row, 'title', lang, original=original)}"
        f" · {content.text(meeting, 'title', lang)}",
        description=_meeting_info(meeting, base_url).description,
        source_url=urls.session_feed(meeting["slug"], session_id, base_url=base_url),
        page_url=urls.session_anchor(meeting["slug"], session_id, base_url=base_url),
        organizer=_organizer(),
    )
    return await _document(
        FeedSpec(
            key=(
                "session.ics",
                _meeting_state(meeting),
                session_id,
                row["title"],
                str(row["translations"]),
                current_language(),
                base_url,
                _organizer(),
            ),
            load=load,
            render=lambda agenda: calendar_bytes([agenda], info, base_url=base_url),
            state_modified=_meeting_modified(meeting),
            media_type=CALENDAR_TYPE,
            filename=f"{meeting['slug']}-session-{session_id}.ics",
        )
    )


# -- a panelist -----------------------------------------------------------------------------------


@dataclass
class PanelistAgenda:
    """A panelist with their sessions in every public meeting, each meeting in its own zone."""

    panelist: dict
    agendas: list[Agenda]

    @property
    def display_name(self) -> str:
        return f"{self.panelist['honorific']} {self.panelist['name']}".strip()

    @property
    def original_language(self) -> str:
        """The language the panelist's own text is taken to be in: their first meeting's."""
        return self.agendas[0].meeting.get("original_language", "en") if self.agendas else "en"

    def role_in(self, item: AgendaItem) -> str:
        for person in item.panelists:
            if person.panelist_id == self.panelist["id"]:
                return person.role
        return ""


async def _public_panelist(slug: str) -> tuple[dict, list[dict]]:
    """The panelist and the public meetings they appear in; 404 if they appear in none."""
    panelist = (
        await Panelist.select(*PANELIST_COLUMNS, Panelist.updated_at)
        .where(Panelist.slug == slug)
        .first()
    )
    if panelist is not None:
        rows = await SessionPanelist.select(
            SessionPanelist.meeting_session.meeting.as_alias("meeting_id")
        ).where(SessionPanelist.panelist == panelist["id"])
        meeting_ids = sorted({row["meeting_id"] for row in rows})
        meetings = (
            await Meeting.select()
            .where(Meeting.id.is_in(meeting_ids) & (Meeting.status != "draft"))
            .order_by(Meeting.starts_on)
            .order_by(Meeting.id)
            if meeting_ids
            else []
        )
        if meetings:
            return panelist, meetings
    # Someone on no public agenda yet has no public page: their name is not announced.
    raise NotFound(gettext("There is no panelist called “%(slug)s”.") % {"slug": slug})


async def _panelist_agendas(panelist: dict, meetings: list[dict]) -> list[Agenda]:
    agendas = []
    for meeting in meetings:
        agenda = await load_agenda(meeting)
        items = [
            item
            for item in agenda.items
            if any(person.panelist_id == panelist["id"] for person in item.panelists)
        ]
        if items:
            agendas.append(Agenda(meeting=meeting, items=items))
    return agendas


async def panelist_agenda(slug: str) -> PanelistAgenda:
    """For the panelist's public page."""
    panelist, meetings = await _public_panelist(slug)
    return PanelistAgenda(panelist=panelist, agendas=await _panelist_agendas(panelist, meetings))


async def panelist_calendar(slug: str, *, base_url: str) -> FeedDocument:
    """The panelist's sessions across every public meeting."""
    panelist, meetings = await _public_panelist(slug)
    name = f"{panelist['honorific']} {panelist['name']}".strip()
    info = CalendarInfo(
        name=gettext("%(name)s at the International Dialogue on Migration") % {"name": name},
        description=gettext("The sessions in which %(name)s takes part.") % {"name": name},
        source_url=urls.panelist_feed(panelist["slug"], base_url=base_url),
        page_url=urls.panelist_page(panelist["slug"], base_url=base_url),
        organizer=_organizer(),
    )
    state_modified = max([_utc(panelist["updated_at"])] + [_meeting_modified(m) for m in meetings])
    return await _document(
        FeedSpec(
            key=(
                "panelist.ics",
                panelist["id"],
                _utc(panelist["updated_at"]),
                panelist["slug"],
                name,
                tuple(_meeting_state(m) for m in meetings),
                current_language(),
                base_url,
                _organizer(),
            ),
            load=lambda: _panelist_agendas(panelist, meetings),
            render=lambda agendas: calendar_bytes(agendas, info, base_url=base_url),
            state_modified=state_modified,
            media_type=CALENDAR_TYPE,
            filename=f"{panelist['slug']}.ics",
            exact_last_modified=False,
        )
    )


# -- a participant --------------------------------------------------------------------------------


async def personal_calendar(feed_token: str, *, base_url: str) -> FeedDocument:
    """The sessions the participant chose (confirmed places only), or the whole meeting if they
    chose none. The feed's secret is Registration.feed_token, never the manage token: a feed URL
    ends up in calendar apps and their sync services, and must not let anyone change anything."""
    registration = await first_found(
        Registration.select(
            Registration.id,
            Registration.meeting,
            Registration.status,
            Registration.feed_token,
            Registration.attendance,
            Registration.language,
        ).where(
            (Registration.feed_token == feed_token)
            & Registration.status.not_in(list(NO_FEED_STATUSES))
        ),
        gettext("There is no calendar at this address."),
    )
    # The participant's own language, whatever the calendar app asks for (apps send none).
    token = set_language(registration["language"] or DEFAULT_LANGUAGE)
    try:
        return await _personal_calendar(registration, base_url=base_url)
    finally:
        reset_language(token)


async def _personal_calendar(registration: dict, *, base_url: str) -> FeedDocument:
    meeting = (
        await Meeting.select()
        .where((Meeting.id == registration["meeting"]) & (Meeting.status != "draft"))
        .first()
    )
    if meeting is None:
        raise NotFound(gettext("There is no calendar at this address."))
    return await _personal_agenda(registration, meeting, base_url=base_url)


async def _personal_agenda(registration: dict, meeting: dict, *, base_url: str) -> FeedDocument:
    choices = await SessionAttendance.select(
        SessionAttendance.meeting_session, SessionAttendance.created_at
    ).where(
        (SessionAttendance.registration == registration["id"])
        & (SessionAttendance.status == "confirmed")
    )
    chosen = tuple(sorted(row["meeting_session"] for row in choices))

    async def load() -> Agenda:
        agenda = await load_agenda(meeting)
        if not chosen:
            return agenda
        wanted = set(chosen)
        return Agenda(meeting=meeting, items=[i for i in agenda.items if i.id in wanted])

    title = content.text(meeting, "title", current_language())
    info = CalendarInfo(
        name=gettext("My agenda: %(title)s") % {"title": title},
        description=(
            gettext("The sessions you chose at %(title)s.")
            if chosen
            else gettext("The agenda of %(title)s. Choose sessions to see only yours.")
        )
        % {"title": title},
        source_url=urls.personal_feed(registration["feed_token"], base_url=base_url),
        page_url=urls.meeting_page(meeting["slug"], base_url=base_url),
        organizer=_organizer(),
    )
    state_modified = max(
        [_meeting_modified(meeting)] + [_utc(row["created_at"]) for row in choices]
    )
    # The private remote link: only in the feed of someone registered to take part online.
    remote_url = (
        meeting["remote_url"]
        if registration["attendance"] == "online"
        and meeting["mode"] != "in_person"
        and registration["status"] == "confirmed"
        else ""
    )
    return await _document(
        FeedSpec(
            key=(
                "personal.ics",
                registration["id"],
                registration["feed_token"],
                _meeting_state(meeting),
                chosen,
                current_language(),
                base_url,
                _organizer(),
                remote_url,
            ),
            load=load,
            render=lambda agenda: calendar_bytes(
                [agenda], info, base_url=base_url, remote_url=remote_url
            ),
            state_modified=state_modified,
            media_type=CALENDAR_TYPE,
            filename=f"{meeting['slug']}-my-agenda.ics",
            private=True,
            exact_last_modified=False,
        )
    )


def new_feed_token() -> str:
    return secrets.token_urlsafe(32)


async def replace_feed_token(manage_token: str, *, now: datetime) -> str:
    """Give the participant's feed a new secret; the old feed address then answers 404.

    For when a feed address was shared too widely: calendars subscribed to the old address stop
    updating, and the participant subscribes again with the new one.
    """
    new_token = new_feed_token()
    async with write_transaction():
        registration = await first_found(
            Registration.select(Registration.id).where(Registration.token == manage_token),
            gettext("There is no registration at this address."),
        )
        await Registration.update(
            {Registration.feed_token: new_token, Registration.updated_at: now}
        ).where(Registration.id == registration["id"])
    return new_token
