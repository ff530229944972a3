"""The agenda API's shapes and conversions: what /api/v1/ takes in and gives out for meetings,
rooms, sessions, panelists and clashes (the handlers are in meetings.py and sessions.py).

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
from litestar import Request

from idmevents import content
from idmevents.audit import Actor
from idmevents.errors import NotFound
from idmevents.i18n import gettext
from idmevents.meetings import builder, services
from idmevents.meetings.reminder_schedule import stored_offsets
from idmevents.records import copy_fields
from idmevents.registrations.labels import CATEGORIES
from idmevents.registrations.views import invitation_categories
from idmevents.validation import MAX_CONFIRM_HOURS, MAX_ID, language_codes
from idmevents.web.common import NO_TOKEN, error_specs
from idmevents.web.guards import OrganizerApi

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
ConfirmWithinHours = Annotated[
    int,
    msgspec.Meta(
        ge=1,
        le=MAX_CONFIRM_HOURS,
        description=(
            "With `confirm_email_first`: hours a new registration holds its place before its "
            "address is confirmed; then the worker releases it to the waiting list"
        ),
    ),
]
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
Category = Literal[CATEGORIES]  # type: ignore[valid-type]
InvitationCategories = Annotated[
    list[Category],
    msgspec.Meta(
        max_length=len(CATEGORIES),
        description="Registration categories open only to people an organizer invited "
        "(POST /api/v1/meetings/{slug}/invitations); registering in one without an "
        "invitation for that address is a 403",
    ),
]
NominationDeadline = Annotated[
    datetime,
    msgspec.Meta(
        tz=True,
        description="Focal points whose delegation has not filled its quota by then are "
        "reminded once by email",
    ),
]
UNSET = msgspec.UNSET
Interpretation = Annotated[
    list[Annotated[str, msgspec.Meta(max_length=3)]],
    msgspec.Meta(
        max_length=20,
        examples=[["ar", "zh", "en", "fr", "ru", "es"]],
        description=(
            "The languages a session is interpreted into, as ISO 639 codes (the six UN languages "
            "ar, zh, en, fr, ru, es, or any other, e.g. pt, sw, ase for American Sign Language); "
            "an unknown code is refused (422)."
        ),
    ),
]
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
    invitation_categories: InvitationCategories = []
    nomination_deadline: NominationDeadline | None = None


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
    invitation_categories: InvitationCategories | Unset = UNSET
    nomination_deadline: NominationDeadline | Unset | None = UNSET
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
    interpretation: (
        Annotated[
            Interpretation,
            msgspec.Meta(description="The interpretation of the meeting's sessions added later"),
        ]
        | Unset
    ) = UNSET
    confirm_email_first: (
        Annotated[
            bool,
            msgspec.Meta(
                description=(
                    "Confirm your address first: a new registration takes its seat or "
                    "waiting-list place marked unconfirmed, its email carries a confirmation "
                    "link, and it is released after `confirm_within_hours` unless confirmed"
                )
            ),
        ]
        | Unset
    ) = UNSET
    confirm_within_hours: ConfirmWithinHours | Unset = UNSET


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
    # Absent: the meeting's `interpretation`.
    interpretation: Interpretation | Unset = UNSET
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
    interpretation: Interpretation | Unset = UNSET
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
    interpretation: list[str]
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
    invitation_categories: list[str]
    nomination_deadline: datetime | None
    interpretation: list[str]
    confirm_email_first: bool
    confirm_within_hours: int
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


class AgendaApi(OrganizerApi):
    """The agenda API's controllers (meetings, rooms, sessions, panelists): one tag in the docs."""

    path = "/api/v1"
    tags = ["agenda"]


# ---------------------------------------------------------------------------------------------
# Conversions


def actor_of(request: Request) -> Actor:
    user = request.scope.get("user")
    return Actor(getattr(user, "id", None), getattr(user, "email", "api"))


def given_fields(struct: msgspec.Struct) -> dict[str, Any]:
    return {
        name: getattr(struct, name)
        for name in struct.__struct_fields__
        if getattr(struct, name) is not UNSET
    }


def meeting_values(given: dict[str, Any]) -> dict[str, Any]:
    if "venue" in given:
        given["venue_name"] = given.pop("venue")
    if "translations" in given:
        given["translations"] = texts_in(given["translations"])
    for name, value in given.items():
        if isinstance(value, msgspec.Struct):
            given[name] = given_fields(value)
    return given


def texts_in(translations: dict[str, msgspec.Struct]) -> dict[str, dict[str, str]]:
    """{"fr": SessionTexts(title=…)} as the builder takes it: {"fr": {"title": …}}."""
    return {lang: given_fields(texts) for lang, texts in translations.items()}


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
    return copy_fields(
        SessionOut,
        item,
        meeting=meeting["slug"],
        starts_at=_local(item.starts_at, zone),
        ends_at=_local(item.ends_at, zone),
        timezone=zone,
        room=item.room_name,
        updated_at=item.updated_at.astimezone(UTC),
        panelists=[
            SessionPanelistOut(p.panelist_id, p.display_name, p.role, p.order)
            for p in item.panelists
        ],
        webcast_url=item.webcast_url,
        interpretation=list(item.interpretation),
        translations=_texts_out(item.translations, SessionTexts),
    )


async def meeting_out(meeting: dict) -> MeetingOut:
    agenda = await services.load_agenda(meeting)
    rooms = await services.rooms_of(meeting["id"])
    zone = meeting["timezone"]
    return copy_fields(
        MeetingOut,
        meeting,
        venue=meeting["venue_name"],
        original_language=content.original_language(meeting),
        translations=_texts_out(meeting.get("translations"), MeetingTexts),
        registration_opens_at=_local(meeting["registration_opens_at"], zone),
        registration_closes_at=_local(meeting["registration_closes_at"], zone),
        agenda_changed_at=meeting["agenda_changed_at"].astimezone(UTC),
        reminders=stored_offsets(meeting),
        invitation_categories=invitation_categories(meeting),
        nomination_deadline=_local(meeting["nomination_deadline"], zone),
        interpretation=list(language_codes(meeting["interpretation"])),
        rooms=[room_out(r) for r in rooms],
        sessions=[session_out(item, meeting) for item in agenda.items],
    )


async def load_session_out(session_id: int) -> SessionOut:
    row = await builder.get_session(session_id)
    meeting = await builder.get_meeting_any(row["meeting_slug"])
    agenda = await services.load_agenda(meeting)
    item = next((i for i in agenda.items if i.id == session_id), None)
    if item is None:
        raise NotFound(gettext("There is no session %(id)s.") % {"id": session_id})
    return session_out(item, meeting)


def assignments_of(items: list[PanelistAssignmentIn]) -> list[builder.PanelistAssignment]:
    return [builder.PanelistAssignment(i.panelist_id, i.role) for i in items]


def panelist_out(row: dict) -> PanelistOut:
    return copy_fields(
        PanelistOut, row, translations=_texts_out(row.get("translations"), PanelistTexts)
    )
