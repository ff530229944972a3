"""The registrations desk in the JSON API: the list with its filters and counts, one registration,
approve, reject, cancel, promote and reinstate, and changes to a registration's details, email
address and category.

Organizers and admins only (a Bearer token; anonymous calls get 401). Check-in staff get 403:
the check-in desk has its own API, and these answers hold personal details and decisions that
are not theirs to make.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Annotated, Any, Literal

import msgspec
from litestar import Request, get, patch, post
from litestar.params import FromPath, FromQuery, JSONBody, QueryParameter

from idmevents.records import copy_fields
from idmevents.registrations import desk, services
from idmevents.registrations.labels import CATEGORIES
from idmevents.web.common import NO_TOKEN, error_specs, request_actor
from idmevents.web.guards import OrganizerApi
from idmevents.web.organizers.desk_filters import delegation_filter

Id = Annotated[int, msgspec.Meta(ge=1, le=desk.MAX_ID)]
Status = Literal["pending", "confirmed", "waitlisted", "rejected", "cancelled"]
Category = Literal[CATEGORIES]  # type: ignore[valid-type]  (one list: registrations.labels)
Sort = Literal["name", "-name", "date", "-date"]
Attendance = Literal["in_person", "online"]
Language = Literal["en", "fr", "es"]


class SessionPlaceOut(msgspec.Struct):
    session_id: int
    title: str
    status: Literal["confirmed", "waitlisted"]


class RegistrationOut(msgspec.Struct):
    id: int
    meeting: str
    status: Status
    attendance: Annotated[
        Literal["in_person", "online"],
        msgspec.Meta(description="In the room or online; hybrid meetings have a line for each"),
    ]
    waitlist_position: int | None
    delegation: Annotated[
        str,
        msgspec.Meta(
            description="The State's or organization's name of the delegation the person was "
            "named into (in the answer's language); empty for others"
        ),
    ]
    honorific: Annotated[str, msgspec.Meta(description="Such as H.E., Ambassador or Dr")]
    given_name: str
    family_name: str
    email: str
    organization: str
    position: str
    category: str
    country: str
    language: str
    accessibility_needs: str
    rejection_reason: str
    created_at: datetime
    updated_at: datetime
    confirmed_at: datetime | None
    cancelled_at: datetime | None
    checked_in_at: datetime | None
    sessions: list[SessionPlaceOut]


class SessionCountOut(msgspec.Struct):
    session_id: int
    title: str
    capacity: int | None
    taken: int
    places_left: int | None
    waiting: int


class PoolCountOut(msgspec.Struct):
    attendance: Attendance
    capacity: int | None
    confirmed: int
    places_left: int | None
    waiting: int
    pending: int


class CountsOut(msgspec.Struct):
    capacity: int | None
    seats_taken: int
    seats_left: int | None
    waiting: int
    by_status: dict[str, int]
    by_category: dict[str, dict[str, int]]
    sessions: list[SessionCountOut]
    pools: Annotated[
        list[PoolCountOut],
        msgspec.Meta(
            description="A hybrid meeting's places in the room and online, each with its own "
            "waiting list; empty for a meeting in person or online only"
        ),
    ]


class AttendanceIn(msgspec.Struct, forbid_unknown_fields=True):
    attendance: Annotated[
        Attendance,
        msgspec.Meta(description="Where the person takes part from now on"),
    ]


class RegistrationList(msgspec.Struct):
    items: list[RegistrationOut]
    total: Annotated[
        int,
        msgspec.Meta(
            description="Every registration matching the filters, counted exactly (not only "
            "this page's)"
        ),
    ]
    limit: int
    offset: int
    counts: CountsOut


class RejectIn(msgspec.Struct, forbid_unknown_fields=True):
    # Checked by the service rather than by the schema, so that a missing, empty or blank reason
    # all get the same answer: 422 naming `reason`.
    reason: Annotated[
        str,
        msgspec.Meta(
            max_length=2000,
            description="Required, not blank: emailed to the person, so say why",
        ),
    ] = ""


class SeatIn(msgspec.Struct, forbid_unknown_fields=True):
    over_capacity: Annotated[
        bool,
        msgspec.Meta(
            description="Confirm even when every seat is taken (the meeting goes over capacity)"
        ),
    ] = False


def _text(max_length: int | None, description: str) -> Any:
    """A text field of RegistrationPatch: the schema says its limit, the service checks the rest."""
    return Annotated[str, msgspec.Meta(max_length=max_length, description=description)] | None


Name = _text(200, "Not blank")
Honorific = _text(50, "Such as H.E., Ambassador or Dr; empty to clear")
Email = _text(
    320,
    "Unique in the meeting, case aside (409 `email-taken` otherwise). A new address gets the "
    "details with a new private link (the old link stops working); the old address gets a notice "
    "without any link",
)
Organization = _text(300, "Not blank")
Position = _text(300, "Empty to clear")
Country = _text(None, "ISO 3166-1 alpha-2; empty to clear (not for member-state or observer)")
Needs = _text(2000, "Empty to clear")
NewCategory = Annotated[
    Category | None,
    msgspec.Meta(
        description=(
            "Confirmed and waitlisted registrations keep their seat or place whatever the "
            "category. A pending one moved to a category that needs no approval is decided at "
            "once: confirmed if a seat is free, else last on the waiting list. Other statuses are "
            "kept. member-state and observer need a country"
        )
    ),
]
NewLanguage = Annotated[
    Language | None, msgspec.Meta(description="The language of the person's emails")
]


class RegistrationPatch(msgspec.Struct, forbid_unknown_fields=True):
    """The fields to change. A field left out, or null, keeps its value; the service checks them
    all together and names every bad field at once."""

    honorific: Honorific = None
    given_name: Name = None
    family_name: Name = None
    email: Email = None
    organization: Organization = None
    position: Position = None
    category: NewCategory = None
    country: Country = None
    language: NewLanguage = None
    accessibility_needs: Needs = None


READ_ERRORS = error_specs(
    {
        401: NO_TOKEN,
        403: "The token's user may not manage registrations (organizers and admins may)",
        404: "No such meeting or registration",
        422: "A filter or field that is not a possible value; `fields` names each",
    }
)
ATTENDANCE_ERRORS = READ_ERRORS | error_specs(
    {
        409: "`reason`: full (no free place there now), not-hybrid (the meeting is in person "
        "or online only), or not-active (cancelled or rejected)",
        422: "`attendance` is not in_person or online",
    }
)
ACTION_ERRORS = READ_ERRORS | error_specs(
    {
        409: "The registration's state forbids it; `reason`: not-pending, not-waitlisted, "
        "not-active, or full (no free seat and `over_capacity` not set)",
    }
)


EDIT_ERRORS = READ_ERRORS | error_specs(
    {
        409: "`reason`: email-taken, another registration of the meeting has the address (the "
        "message and `fields.email` name it); nothing was changed",
    }
)
REINSTATE_ERRORS = READ_ERRORS | error_specs(
    {
        409: "`reason`: active (the registration is not cancelled or rejected) or meeting-cancelled",
    }
)


def _utc(moment: datetime | None) -> datetime | None:
    return None if moment is None else moment.astimezone(UTC)


async def _decided(
    request: Request,
    registration_id: int,
    decide: Callable[..., Awaitable[Any]],
    *args: Any,
    **kwargs: Any,
) -> RegistrationOut:
    """Apply one decision to an existing registration as the organizer asking, and answer with the
    registration as it now is."""
    await desk.get_registration(registration_id)
    await decide(registration_id, *args, by=request_actor(request), now=datetime.now(UTC), **kwargs)
    return await _one(registration_id)


# A decision that gives a seat (approve, promote) may take a body asking for one over capacity.
SeatBody = JSONBody[SeatIn | None]


async def _seated(
    request: Request,
    registration_id: int,
    decide: Callable[..., Awaitable[Any]],
    data: SeatIn | None,
) -> RegistrationOut:
    """A decision that gives a seat: beyond the capacity only when the body asks for it."""
    over_capacity = bool(data and data.over_capacity)
    return await _decided(request, registration_id, decide, over_capacity=over_capacity)


def registration_out(
    registration: dict,
    meeting_slug: str,
    position: int | None,
    places: list[dict],
    checked_in_at: datetime | None,
) -> RegistrationOut:
    return copy_fields(
        RegistrationOut,
        registration,
        meeting=meeting_slug,
        waitlist_position=position,
        created_at=registration["created_at"].astimezone(UTC),
        updated_at=registration["updated_at"].astimezone(UTC),
        confirmed_at=_utc(registration["confirmed_at"]),
        cancelled_at=_utc(registration["cancelled_at"]),
        checked_in_at=_utc(checked_in_at),
        sessions=[copy_fields(SessionPlaceOut, p) for p in places],
    )


def counts_out(counts: desk.DeskCounts, pools: list[desk.PoolCount]) -> CountsOut:
    return copy_fields(
        CountsOut,
        counts,
        seats_taken=counts.taken,
        by_category={row.category: row.counts for row in counts.categories},
        sessions=[copy_fields(SessionCountOut, s, session_id=s.id) for s in counts.sessions],
        pools=[copy_fields(PoolCountOut, p) for p in pools],
    )


async def _one(registration_id: int) -> RegistrationOut:
    registration = await desk.get_registration(registration_id)
    await desk.name_delegations([registration])
    meeting = await desk.get_meeting_by_id(registration["meeting"])
    places = await desk.session_places(meeting["id"], [registration_id])
    return registration_out(
        registration,
        meeting["slug"],
        await services.waitlist_position(registration),
        places.get(registration_id, []),
        (await desk.check_ins_of([registration_id])).get(registration_id),
    )


def decision_route(action: str, *, name: str, summary: str, responses: dict = ACTION_ERRORS):
    """`POST /registrations/{id}/<action>`: a decision on one registration, answered 200."""
    return post(
        f"/registrations/{{registration_id:int}}/{action}",
        name=name,
        status_code=200,
        responses=responses,
        summary=summary,
    )


class RegistrationDeskApi(OrganizerApi):
    path = "/api/v1"
    tags = ["registrations"]

    @get(
        "/meetings/{slug:str}/registrations",
        name="api_meeting_registrations",
        responses=READ_ERRORS,
        summary="List a meeting's registrations",
    )
    async def list_registrations(
        self,
        slug: FromPath[str],
        status: FromQuery[Status | None] = None,
        category: FromQuery[Category | None] = None,
        country: Annotated[
            str | None,
            QueryParameter(pattern="^[A-Za-z]{2}$", description="ISO 3166-1 alpha-2"),
        ] = None,
        session: Annotated[
            int | None, QueryParameter(ge=1, le=desk.MAX_ID, description="A session's id")
        ] = None,
        delegation: Annotated[
            int | None,
            QueryParameter(
                ge=1,
                le=desk.MAX_ID,
                description="A delegation's id (GET /meetings/{slug}/delegations): its delegates",
            ),
        ] = None,
        q: Annotated[
            str | None,
            QueryParameter(
                max_length=desk.MAX_QUERY,
                description="Words to find in names, emails and organizations",
            ),
        ] = None,
        sort: FromQuery[Sort] = "-date",
        attendance: Annotated[
            Attendance | None,
            QueryParameter(description="In a hybrid meeting: those in the room, or online"),
        ] = None,
        limit: Annotated[int, QueryParameter(ge=1, le=desk.MAX_API_LIMIT)] = 50,
        offset: Annotated[int, QueryParameter(ge=0, le=desk.MAX_ID)] = 0,
    ) -> RegistrationList:
        """Registrations matching the filters (`q` searches names, emails and organizations,
        ignoring case and accents), sorted by name or date (`-` for descending), one page of
        them, with the meeting's counts by status, by category and per session."""
        meeting = await desk.get_meeting(slug)
        filters = await desk.check_filters(
            meeting,
            status=status,
            category=category,
            country=country,
            session=session,
            q=q,
            sort=sort,
            attendance=attendance,
            **await delegation_filter(meeting, delegation),
        )
        window, total = await desk.find_window(meeting, filters, offset, limit)
        places = await desk.session_places(meeting["id"], [row["id"] for row in window])
        return RegistrationList(
            items=[
                registration_out(
                    row,
                    meeting["slug"],
                    row["waitlist_position"],
                    places.get(row["id"], []),
                    row["checked_in_at"],
                )
                for row in window
            ],
            total=total,
            limit=limit,
            offset=offset,
            counts=counts_out(await desk.meeting_counts(meeting), await desk.pool_counts(meeting)),
        )

    @get(
        "/registrations/{registration_id:int}",
        name="api_registration",
        responses=READ_ERRORS,
        summary="One registration",
    )
    async def get_registration(self, registration_id: FromPath[int]) -> RegistrationOut:
        """A registration with its waiting-list position and chosen sessions."""
        return await _one(registration_id)

    @decision_route(
        "approve", name="api_registration_approve", summary="Approve a pending registration"
    )
    async def approve(
        self, request: Request, registration_id: FromPath[int], data: SeatBody = None
    ) -> RegistrationOut:
        """Confirmed when a seat is free, else last on the waiting list, unless `over_capacity`.
        The person is emailed."""
        return await _seated(request, registration_id, services.approve, data)

    @decision_route(
        "reject", name="api_registration_reject", summary="Reject a registration with a reason"
    )
    async def reject(
        self, request: Request, registration_id: FromPath[int], data: JSONBody[RejectIn]
    ) -> RegistrationOut:
        """Turn a pending, confirmed or waiting registration down; the person is emailed the
        reason, and a confirmed seat goes to the next one waiting."""
        return await _decided(request, registration_id, services.reject, data.reason)

    @decision_route("cancel", name="api_registration_cancel", summary="Cancel a registration")
    async def cancel(self, request: Request, registration_id: FromPath[int]) -> RegistrationOut:
        """Cancel on the person's behalf; they are emailed, and a confirmed seat goes to the next
        one waiting."""
        return await _decided(request, registration_id, services.cancel)

    @decision_route(
        "promote",
        name="api_registration_promote",
        summary="Give a seat to someone on the waiting list",
    )
    async def promote(
        self, request: Request, registration_id: FromPath[int], data: SeatBody = None
    ) -> RegistrationOut:
        """Out of turn; 409 (`full`) when no seat is free, unless `over_capacity`. The person is
        emailed."""
        return await _seated(request, registration_id, services.promote, data)

    @decision_route(
        "attendance",
        name="api_registration_attendance",
        summary="Move a participant of a hybrid meeting to the room or online",
        responses=ATTENDANCE_ERRORS,
    )
    async def attendance(
        self, request: Request, registration_id: FromPath[int], data: JSONBody[AttendanceIn]
    ) -> RegistrationOut:
        """While the other side has room: a confirmed person keeps a confirmed place only if one
        is free there (409 `full` otherwise, nothing changed), someone waiting takes a free place
        there or keeps their place in line; the place left behind goes to the next person waiting
        on the side it was freed on. Badges and check-in are for those in the room only."""
        return await _decided(request, registration_id, desk.switch_attendance, data.attendance)

    @decision_route(
        "reinstate",
        name="api_registration_reinstate",
        summary="Take up a cancelled registration again, or reconsider a rejected one",
        responses=REINSTATE_ERRORS,
    )
    async def reinstate(self, request: Request, registration_id: FromPath[int]) -> RegistrationOut:
        """A cancelled registration is decided as a newcomer's would be now, even when
        registration is closed: pending if its category needs approval, else confirmed if a seat
        is free, else last on the waiting list. A rejected one is reconsidered: pending again,
        whatever its category, its rejection reason cleared, for an organizer to approve or
        reject. The person is emailed."""
        return await _decided(request, registration_id, services.reinstate)

    @patch(
        "/registrations/{registration_id:int}",
        name="api_registration_update",
        responses=EDIT_ERRORS,
        summary="Change a registration's details, email address or category",
    )
    async def update(
        self,
        request: Request,
        registration_id: FromPath[int],
        data: JSONBody[RegistrationPatch],
    ) -> RegistrationOut:
        """Only the fields sent change. They are checked together: 422 names every bad field, and
        nothing is saved. The person is emailed their details as they now read; a change of
        category may decide a pending registration (see `category`)."""
        return await _decided(
            request,
            registration_id,
            services.edit_registration,
            services.RegistrationEdit(**msgspec.structs.asdict(data)),
        )
