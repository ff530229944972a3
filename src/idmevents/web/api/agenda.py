"""The agenda's JSON API under /api/v1/: meetings, rooms, sessions, panelists and clashes.

Organizers (and admins) only: anonymous calls get 401, other roles 403. Times go in and out as
ISO 8601; instants sent in must carry their UTC offset (a naive time is refused: it is ambiguous),
and instants coming out carry the meeting's local offset, with its zone named beside them.
`DELETE /api/v1/sessions/{id}` on a meeting that has been published cancels the session instead
of erasing it, so that subscribed calendars receive it as STATUS:CANCELLED.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Annotated, Any, Literal
from zoneinfo import ZoneInfo

import msgspec
from litestar import Controller, Request, delete, get, patch, post
from litestar.params import FromPath, FromQuery, JSONBody

from idmevents import content
from idmevents.audit import Actor
from idmevents.errors import NotFound
from idmevents.i18n import gettext
from idmevents.meetings import builder, panelists, services, teams
from idmevents.meetings.reminder_schedule import stored_offsets
from idmevents.registrations import meeting_cancellation
from idmevents.validation import MAX_ID
from idmevents.web.common import NO_TOKEN, error_specs
from idmevents.web.guards import requires_role
from idmevents.web.scope import only_visible, visible_meeting_ids

Text100 = Annotated[str, msgspec.Meta(max_length=100)]
Text300 = Annotated[str, msgspec.Meta(max_length=300)]
Slug = Annotated[
    str,
    msgspec.Meta(max_length=100, pattern=r"^[a-z0-9]+(?:-[a-z0-9]+)*$", examples=["idm-geneva"]),
]
Title = Annotated[str, msgspec.Meta(min_length=1, max_length=300)]
LongText = Annotated[str, msgspec.Meta(max_length=20_000)]
Seats = Annotated[int, msgspec.Meta(ge=0, le=1_000_000)]
Instant = Annotated[datetime, msgspec.Meta(tz=True)]
RetentionDays = Annotated[
    int,
    msgspec.Meta(
        ge=1,
        le=3650,
        description="Days after the meeting's last day before its personal data is erased",
    ),
]
Id = Annotated[int, msgspec.Meta(ge=1, le=MAX_ID)]
MeetingStatus = Literal["draft", "published", "cancelled"]
SessionKind = Literal["opening", "keynote", "panel", "plenary", "break", "side-event", "closing"]
PanelistRoleName = Literal["chair", "moderator", "keynote", "speaker", "discussant"]
Language = Literal["en", "fr", "es"]
UNSET = msgspec.UNSET
Unset = msgspec.UnsetType


# Content in other languages: {"fr": {"title": "…"}, "es": {…}}. The plain fields hold the text
# in the meeting's `original_language`; a translation is in one of the two others. In a PATCH,
# the languages and fields given replace those stored, the others stay; "" removes one. Each text
# follows the rules of the field it translates (a title is one line, and so on).


class MeetingTexts(msgspec.Struct, forbid_unknown_fields=True, omit_defaults=True):
    title: Annotated[str, msgspec.Meta(max_length=300)] | Unset = UNSET
    theme: LongText | Unset = UNSET
    description: LongText | Unset = UNSET
    city: Text100 | Unset = UNSET
    venue_name: Annotated[str, msgspec.Meta(max_length=200)] | Unset = UNSET
    venue_address: LongText | Unset = UNSET


class SessionTexts(msgspec.Struct, forbid_unknown_fields=True, omit_defaults=True):
    title: Annotated[str, msgspec.Meta(max_length=300)] | Unset = UNSET
    description: LongText | Unset = UNSET


class RoomTexts(msgspec.Struct, forbid_unknown_fields=True, omit_defaults=True):
    name: Annotated[str, msgspec.Meta(max_length=200)] | Unset = UNSET


class PanelistTexts(msgspec.Struct, forbid_unknown_fields=True, omit_defaults=True):
    position: Annotated[str, msgspec.Meta(max_length=2000)] | Unset = UNSET
    bio: LongText | Unset = UNSET


MeetingTranslations = dict[Language, MeetingTexts]
SessionTranslations = dict[Language, SessionTexts]
RoomTranslations = dict[Language, RoomTexts]
PanelistTranslations = dict[Language, PanelistTexts]


# ---------------------------------------------------------------------------------------------
# What comes in


class MeetingCreate(msgspec.Struct, forbid_unknown_fields=True):
    slug: Slug
    title: Title
    timezone: Annotated[str, msgspec.Meta(max_length=64, examples=["Europe/Zurich"])]
    starts_on: date
    ends_on: date
    theme: LongText = ""
    description: LongText = ""
    city: Text100 = ""
    venue: Annotated[str, msgspec.Meta(max_length=200)] = ""
    venue_address: LongText = ""
    capacity: Seats | None = None
    retention_days: RetentionDays = 180
    status: Literal["draft", "published"] = "draft"
    registration_opens_at: Instant | None = None
    registration_closes_at: Instant | None = None
    original_language: Language = "en"
    translations: MeetingTranslations = {}


class MeetingPatch(msgspec.Struct, forbid_unknown_fields=True):
    slug: Slug | Unset = UNSET
    title: Title | Unset = UNSET
    theme: LongText | Unset = UNSET
    description: LongText | Unset = UNSET
    city: Text100 | Unset = UNSET
    venue: Annotated[str, msgspec.Meta(max_length=200)] | Unset = UNSET
    venue_address: LongText | Unset = UNSET
    original_language: Language | Unset = UNSET
    translations: MeetingTranslations | Unset = UNSET
    timezone: Annotated[str, msgspec.Meta(max_length=64)] | Unset = UNSET
    starts_on: date | Unset = UNSET
    ends_on: date | Unset = UNSET
    capacity: Seats | Unset | None = UNSET
    retention_days: RetentionDays | Unset = UNSET
    status: MeetingStatus | Unset = UNSET
    registration_opens_at: Instant | Unset | None = UNSET
    registration_closes_at: Instant | Unset | None = UNSET
    reminders: (
        Annotated[
            list[Annotated[str, msgspec.Meta(max_length=40, examples=["-P7D", "-P1D", "PT2H"])]],
            msgspec.Meta(
                max_length=10,
                description=(
                    "When participants are reminded: ISO 8601 durations, negative before the "
                    "start (-P7D: 09:00 local time 7 days before the first day; -PT2H: 2 hours "
                    "before the first session), positive after the end (PT2H: a follow-up 2 hours "
                    "after the last session). Each person gets each reminder once."
                ),
            ),
        ]
        | Unset
    ) = UNSET
    reminders_enabled: bool | Unset = UNSET
    follow_up_url: Annotated[str, msgspec.Meta(max_length=500)] | Unset = UNSET
    mode: (
        Annotated[
            Literal["in_person", "online", "hybrid"],
            msgspec.Meta(
                description=(
                    "in_person, online, or hybrid: `capacity` seats in the room and "
                    "`capacity_online` places online, each with its own waiting list"
                )
            ),
        ]
        | Unset
    ) = UNSET
    capacity_online: Seats | Unset | None = UNSET
    webcast_url: (
        Annotated[str, msgspec.Meta(max_length=500, description="Public: shown on pages and feeds")]
        | Unset
    ) = UNSET
    remote_url: (
        Annotated[
            str,
            msgspec.Meta(
                max_length=500,
                description=(
                    "Private: given to registered online participants only (their page, emails, "
                    "reminders and personal feed), never in public pages, feeds or exports"
                ),
            ),
        ]
        | Unset
    ) = UNSET


class RoomCreate(msgspec.Struct, forbid_unknown_fields=True):
    name: Annotated[str, msgspec.Meta(min_length=1, max_length=200)]
    capacity: Seats | None = None
    translations: RoomTranslations = {}


class RoomPatch(msgspec.Struct, forbid_unknown_fields=True):
    name: Annotated[str, msgspec.Meta(min_length=1, max_length=200)] | Unset = UNSET
    capacity: Seats | Unset | None = UNSET
    translations: RoomTranslations | Unset = UNSET


class PanelistAssignmentIn(msgspec.Struct, forbid_unknown_fields=True):
    panelist_id: Id
    role: PanelistRoleName = "speaker"


class SessionCreate(msgspec.Struct, forbid_unknown_fields=True):
    title: Title
    starts_at: Instant
    ends_at: Instant
    description: LongText = ""
    kind: SessionKind = "panel"
    room_id: Id | None = None
    capacity: Seats | None = None
    panelists: Annotated[list[PanelistAssignmentIn], msgspec.Meta(max_length=100)] = []
    webcast_url: Annotated[
        str,
        msgspec.Meta(max_length=500, description="Public: the session's own webcast, if any"),
    ] = ""
    translations: SessionTranslations = {}


class SessionPatch(msgspec.Struct, forbid_unknown_fields=True):
    title: Title | Unset = UNSET
    starts_at: Instant | Unset = UNSET
    ends_at: Instant | Unset = UNSET
    description: LongText | Unset = UNSET
    kind: SessionKind | Unset = UNSET
    room_id: Id | Unset | None = UNSET
    capacity: Seats | Unset | None = UNSET
    status: Literal["scheduled", "cancelled"] | Unset = UNSET
    panelists: Annotated[list[PanelistAssignmentIn], msgspec.Meta(max_length=100)] | Unset = UNSET
    webcast_url: Annotated[str, msgspec.Meta(max_length=500)] | Unset = UNSET
    translations: SessionTranslations | Unset = UNSET


class PanelistCreate(msgspec.Struct, forbid_unknown_fields=True):
    name: Annotated[str, msgspec.Meta(min_length=1, max_length=200)]
    honorific: Annotated[str, msgspec.Meta(max_length=60)] = ""
    position: Annotated[str, msgspec.Meta(max_length=2000)] = ""
    organization: Text300 = ""
    bio: LongText = ""
    translations: PanelistTranslations = {}


class PanelistPatch(msgspec.Struct, forbid_unknown_fields=True):
    name: Annotated[str, msgspec.Meta(min_length=1, max_length=200)] | Unset = UNSET
    honorific: Annotated[str, msgspec.Meta(max_length=60)] | Unset = UNSET
    position: Annotated[str, msgspec.Meta(max_length=2000)] | Unset = UNSET
    organization: Text300 | Unset = UNSET
    bio: LongText | Unset = UNSET
    translations: PanelistTranslations | Unset = UNSET


# ---------------------------------------------------------------------------------------------
# What goes out


class RoomOut(msgspec.Struct):
    id: int
    name: str
    capacity: int | None
    translations: RoomTranslations = {}


class SessionPanelistOut(msgspec.Struct):
    panelist_id: int
    name: str
    role: str
    order: int


class SessionOut(msgspec.Struct):
    id: int
    meeting: str
    uid: str
    title: str
    description: str
    kind: str
    starts_at: datetime
    ends_at: datetime
    timezone: str
    room_id: int | None
    room: str
    capacity: int | None
    status: str
    sequence: int
    updated_at: datetime
    panelists: list[SessionPanelistOut]
    webcast_url: str
    translations: SessionTranslations


class MeetingOut(msgspec.Struct):
    id: int
    slug: str
    title: str
    theme: str
    description: str
    city: str
    venue: str
    venue_address: str
    original_language: str
    translations: MeetingTranslations
    timezone: str
    starts_on: date
    ends_on: date
    capacity: int | None
    retention_days: int
    status: str
    registration_opens_at: datetime | None
    registration_closes_at: datetime | None
    agenda_changed_at: datetime
    reminders: list[str]
    reminders_enabled: bool
    follow_up_url: str
    mode: str
    capacity_online: int | None
    webcast_url: str
    remote_url: str
    rooms: list[RoomOut]
    sessions: list[SessionOut]


class PanelistOut(msgspec.Struct):
    id: int
    slug: str
    name: str
    honorific: str
    position: str
    organization: str
    bio: str
    translations: PanelistTranslations


class ClashSessionOut(msgspec.Struct):
    id: int
    title: str
    meeting: str
    starts_at: datetime
    ends_at: datetime


class ClashOut(msgspec.Struct):
    kind: str
    detail: str
    sessions: list[ClashSessionOut]
    panelist_id: int | None
    room_id: int | None


class DeleteOut(msgspec.Struct):
    result: Literal["deleted", "cancelled"]
    session: SessionOut | None


class ErrorOut(msgspec.Struct):
    error: str
    detail: str
    fields: dict[str, str] | Unset = UNSET
    clashes: list[ClashOut] | Unset = UNSET


ERRORS = error_specs(
    {
        401: NO_TOKEN,
        403: "The token's user may not manage agendas",
        404: "No such meeting, session or panelist",
        409: "The state forbids it: a taken slug, a status change not allowed, clashes",
        422: "Invalid input; `fields` names each bad field",
    },
    ErrorOut,
)


# ---------------------------------------------------------------------------------------------
# Conversions


def _actor(request: Request) -> Actor:
    user = request.scope.get("user")
    return Actor(getattr(user, "id", None), getattr(user, "email", "api"))


def _given(struct: msgspec.Struct) -> dict[str, Any]:
    return {
        name: getattr(struct, name)
        for name in struct.__struct_fields__
        if getattr(struct, name) is not UNSET
    }


def _meeting_values(given: dict[str, Any]) -> dict[str, Any]:
    if "venue" in given:
        given["venue_name"] = given.pop("venue")
    if "translations" in given:
        given["translations"] = _texts_in(given["translations"])
    for name, value in given.items():
        if isinstance(value, msgspec.Struct):
            given[name] = _given(value)
    return given


def _texts_in(translations: dict[str, msgspec.Struct]) -> dict[str, dict[str, str]]:
    """{"fr": SessionTexts(title=…)} as the builder takes it: {"fr": {"title": …}}."""
    return {lang: _given(texts) for lang, texts in translations.items()}


def _texts_out(value: Any, kind: type[msgspec.Struct]) -> dict[str, Any]:
    """Stored translations as the API shows them (only the fields `kind` has)."""
    names = set(kind.__struct_fields__)
    return {
        lang: kind(**{k: v for k, v in texts.items() if k in names})
        for lang, texts in content.load(value).items()
        if any(k in names for k in texts)
    }


def room_out(row: dict) -> RoomOut:
    return RoomOut(
        row["id"], row["name"], row["capacity"], _texts_out(row.get("translations"), RoomTexts)
    )


def _local(moment: datetime | None, timezone: str) -> datetime | None:
    return None if moment is None else moment.astimezone(ZoneInfo(timezone))


def session_out(item: services.AgendaItem, meeting: dict) -> SessionOut:
    zone = meeting["timezone"]
    return SessionOut(
        id=item.id,
        meeting=meeting["slug"],
        uid=item.uid,
        title=item.title,
        description=item.description,
        kind=item.kind,
        starts_at=_local(item.starts_at, zone),
        ends_at=_local(item.ends_at, zone),
        timezone=zone,
        room_id=item.room_id,
        room=item.room_name,
        capacity=item.capacity,
        status=item.status,
        sequence=item.sequence,
        updated_at=item.updated_at.astimezone(UTC),
        panelists=[
            SessionPanelistOut(p.panelist_id, p.display_name, p.role, p.order)
            for p in item.panelists
        ],
        webcast_url=item.webcast_url,
        translations=_texts_out(item.translations, SessionTexts),
    )


async def meeting_out(meeting: dict) -> MeetingOut:
    agenda = await services.load_agenda(meeting)
    rooms = await services.rooms_of(meeting["id"])
    zone = meeting["timezone"]
    return MeetingOut(
        id=meeting["id"],
        slug=meeting["slug"],
        title=meeting["title"],
        theme=meeting["theme"],
        description=meeting["description"],
        city=meeting["city"],
        venue=meeting["venue_name"],
        venue_address=meeting["venue_address"],
        original_language=content.original_language(meeting),
        translations=_texts_out(meeting.get("translations"), MeetingTexts),
        timezone=zone,
        starts_on=meeting["starts_on"],
        ends_on=meeting["ends_on"],
        capacity=meeting["capacity"],
        retention_days=meeting["retention_days"],
        status=meeting["status"],
        registration_opens_at=_local(meeting["registration_opens_at"], zone),
        registration_closes_at=_local(meeting["registration_closes_at"], zone),
        agenda_changed_at=meeting["agenda_changed_at"].astimezone(UTC),
        reminders=stored_offsets(meeting),
        reminders_enabled=meeting["reminders_enabled"],
        follow_up_url=meeting["follow_up_url"],
        mode=meeting["mode"],
        capacity_online=meeting["capacity_online"],
        webcast_url=meeting["webcast_url"],
        remote_url=meeting["remote_url"],
        rooms=[room_out(r) for r in rooms],
        sessions=[session_out(item, meeting) for item in agenda.items],
    )


async def _session_out(session_id: int) -> SessionOut:
    row = await builder.get_session(session_id)
    meeting = await builder.get_meeting_any(row["meeting_slug"])
    agenda = await services.load_agenda(meeting)
    item = next((i for i in agenda.items if i.id == session_id), None)
    if item is None:
        raise NotFound(gettext("There is no session %(id)s.") % {"id": session_id})
    return session_out(item, meeting)


def _assignments(items: list[PanelistAssignmentIn]) -> list[builder.PanelistAssignment]:
    return [builder.PanelistAssignment(i.panelist_id, i.role) for i in items]


def panelist_out(row: dict) -> PanelistOut:
    return PanelistOut(
        id=row["id"],
        slug=row["slug"],
        name=row["name"],
        honorific=row["honorific"],
        position=row["position"],
        organization=row["organization"],
        bio=row["bio"],
        translations=_texts_out(row.get("translations"), PanelistTexts),
    )


# ---------------------------------------------------------------------------------------------
# Handlers


class AgendaApiController(Controller):
    path = "/api/v1"
    tags = ["agenda"]
    guards = [requires_role("organizer")]
    security = [{"BearerToken": []}]

    @get("/meetings", name="api_meetings", responses=ERRORS)
    async def list_meetings(self, request: Request) -> list[MeetingOut]:
        """The meetings of the token's account's teams (every one for an administrator), drafts
        included, latest first."""
        meetings = only_visible(await builder.list_meetings(), await visible_meeting_ids(request))
        return [await meeting_out(m) for m in meetings]

    @post("/meetings", name="api_meeting_create", responses=ERRORS)
    async def create_meeting(self, request: Request, data: JSONBody[MeetingCreate]) -> MeetingOut:
        """Create a meeting (a draft unless `status` is published). 409 if the slug is taken."""
        meeting = await builder.create_meeting(
            _meeting_values(_given(data)), by=_actor(request), now=datetime.now(UTC)
        )
        return await meeting_out(meeting)

    @get("/meetings/{slug:str}", name="api_meeting", responses=ERRORS)
    async def get_meeting(self, slug: FromPath[str]) -> MeetingOut:
        """A meeting with its rooms and its sessions (times in the meeting's local offset)."""
        return await meeting_out(await builder.get_meeting_any(slug))

    @patch("/meetings/{slug:str}", name="api_meeting_update", responses=ERRORS)
    async def update_meeting(
        self,
        request: Request,
        slug: FromPath[str],
        data: JSONBody[MeetingPatch],
        confirm_clashes: FromQuery[bool] = False,
    ) -> MeetingOut:
        """Change some fields. Publishing an agenda with clashes answers 409 listing them, unless
        `?confirm_clashes=true`. A new time zone keeps sessions at their local wall-clock times.
        Cancelling a published meeting emails everyone still registered that it is cancelled."""
        meeting = await meeting_cancellation.update_meeting(
            slug,
            _meeting_values(_given(data)),
            by=_actor(request),
            now=datetime.now(UTC),
            confirm_clashes=confirm_clashes,
        )
        return await meeting_out(meeting)

    @post("/meetings/{slug:str}/rooms", name="api_room_create", responses=ERRORS)
    async def create_room(
        self, request: Request, slug: FromPath[str], data: JSONBody[RoomCreate]
    ) -> RoomOut:
        """Add a room to a meeting. 409 if the meeting already has a room of that name.
        `translations` names the room in the meeting's other languages."""
        room = await builder.create_room(
            slug,
            name=data.name,
            capacity=data.capacity,
            translations=_texts_in(data.translations),
            by=_actor(request),
            now=datetime.now(UTC),
        )
        return room_out(await builder.get_room(room["id"]))

    @patch("/rooms/{room_id:int}", name="api_room_update", responses=ERRORS)
    async def update_room(
        self, request: Request, room_id: FromPath[int], data: JSONBody[RoomPatch]
    ) -> RoomOut:
        """Rename a room, change its capacity or its names in other languages (`translations`,
        merged: "" removes one). A new name in any language raises its sessions' SEQUENCE."""
        values = _given(data)
        if "translations" in values:
            values["translations"] = _texts_in(values["translations"])
        await builder.update_room(room_id, values, by=_actor(request), now=datetime.now(UTC))
        return room_out(await builder.get_room(room_id))

    @post("/meetings/{slug:str}/sessions", name="api_session_create", responses=ERRORS)
    async def create_session(
        self, request: Request, slug: FromPath[str], data: JSONBody[SessionCreate]
    ) -> SessionOut:
        """Add a session; `starts_at`/`ends_at` in ISO 8601 with their offset."""
        values = _given(data)
        values["translations"] = _texts_in(values["translations"])
        assignments = _assignments(values.pop("panelists"))
        row = await builder.create_session(
            slug, values, panelists=assignments, by=_actor(request), now=datetime.now(UTC)
        )
        return await _session_out(row["id"])

    @get("/meetings/{slug:str}/clashes", name="api_meeting_clashes", responses=ERRORS)
    async def clashes(self, slug: FromPath[str]) -> list[ClashOut]:
        """The agenda's clashes, each naming its sessions (in any meeting) and its kind."""
        meeting = await builder.get_meeting_any(slug)
        found = await builder.meeting_clashes(meeting)
        return [
            msgspec.convert(builder.clash_summary(c, meeting["timezone"]), ClashOut) for c in found
        ]

    @get("/sessions/{session_id:int}", name="api_session", responses=ERRORS)
    async def get_session(self, session_id: FromPath[int]) -> SessionOut:
        """One session with its room and panelists."""
        return await _session_out(session_id)

    @patch("/sessions/{session_id:int}", name="api_session_update", responses=ERRORS)
    async def update_session(
        self, request: Request, session_id: FromPath[int], data: JSONBody[SessionPatch]
    ) -> SessionOut:
        """Change some fields; `panelists` replaces the whole list (in order); `status` cancels or
        restores. On a published meeting, retiming, moving and cancelling are recorded changes.
        `translations` ({"fr": {"title": …}}) are merged into the session's ("" removes one);
        changing any language's text raises the session's SEQUENCE once."""
        values = _given(data)
        if "translations" in values:
            values["translations"] = _texts_in(values["translations"])
        now = datetime.now(UTC)
        status = values.pop("status", None)
        assignments = values.pop("panelists", None)
        if values or assignments is not None:
            await builder.update_session(
                session_id,
                values,
                panelists=None if assignments is None else _assignments(assignments),
                by=_actor(request),
                now=now,
            )
        if status is not None:
            await builder.set_session_status(session_id, status, by=_actor(request), now=now)
        return await _session_out(session_id)

    @delete(
        "/sessions/{session_id:int}", name="api_session_delete", status_code=200, responses=ERRORS
    )
    async def delete_session(self, request: Request, session_id: FromPath[int]) -> DeleteOut:
        """Erase a draft meeting's session; a published meeting's session is cancelled instead
        (`result: cancelled`), so calendars receive it as STATUS:CANCELLED."""
        result = await builder.delete_session(session_id, by=_actor(request), now=datetime.now(UTC))
        session = await _session_out(session_id) if result == "cancelled" else None
        return DeleteOut(result=result, session=session)

    @get("/panelists", name="api_panelists", responses=ERRORS)
    async def list_panelists(
        self, request: Request, q: FromQuery[str | None] = None
    ) -> list[PanelistOut]:
        """Panelists by name; `q` matches name or organization. A team member sees those who
        speak at their meetings or at none yet."""
        people = await panelists.list_panelists(q)
        visible = await teams.visible_panelist_ids(await visible_meeting_ids(request))
        return [panelist_out(p) for p in people if visible is None or p["id"] in visible]

    @post("/panelists", name="api_panelist_create", responses=ERRORS)
    async def create_panelist(
        self, request: Request, data: JSONBody[PanelistCreate]
    ) -> PanelistOut:
        """Add a panelist (reusable in any meeting); `translations` give the position and bio
        in other languages."""
        row = await panelists.create_panelist(
            _meeting_values(_given(data)), by=_actor(request), now=datetime.now(UTC)
        )
        return panelist_out(row)

    @patch("/panelists/{panelist_id:int}", name="api_panelist_update", responses=ERRORS)
    async def update_panelist(
        self, request: Request, panelist_id: FromPath[int], data: JSONBody[PanelistPatch]
    ) -> PanelistOut:
        """Change some of a panelist's fields; `translations` are merged ("" removes one).
        What their sessions' events show changes: those sessions' SEQUENCE rises."""
        await panelists.update_panelist(
            panelist_id, _meeting_values(_given(data)), by=_actor(request), now=datetime.now(UTC)
        )
        return panelist_out(await panelists.get_panelist(panelist_id))
