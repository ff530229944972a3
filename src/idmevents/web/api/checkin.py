"""The check-in JSON API for scanning apps: look a person up, check them in, undo."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any

import msgspec
from litestar import Controller, Request, Response, delete, get, post
from litestar.openapi.datastructures import ResponseSpec
from litestar.params import FromPath, FromQuery, JSONBody

from idmevents.badges import services
from idmevents.errors import Conflict, InvalidInput, NotFound
from idmevents.i18n import gettext
from idmevents.meetings.services import get_meeting
from idmevents.records import copy_fields
from idmevents.web.common import NO_TOKEN, error_specs
from idmevents.web.guards import requires_role

# --- the JSON API for scanning apps -----------------------------------------------------------


class CheckInRequest(msgspec.Struct, forbid_unknown_fields=True):
    """A scanned code, or the id of a registration found by a search: one of the two."""

    code: str | None = None
    registration_id: int | None = None


class Person(msgspec.Struct):
    registration_id: int
    honorific: Annotated[str, msgspec.Meta(description="Such as H.E., Ambassador or Dr")]
    given_name: str
    family_name: str
    organization: str
    country: str
    delegation: Annotated[
        str,
        msgspec.Meta(
            description="The State's or organization's name (in the answer's language) of the "
            "delegation the person was named into; empty for others"
        ),
    ]
    category: str
    category_label: str
    status: str
    checked_in_at: datetime | None
    checked_in_by: str | None


class CheckInAnswer(msgspec.Struct):
    result: str  # checked_in | already_checked_in | undone | not_checked_in
    message: str
    registration: Person


class CategoryArrivals(msgspec.Struct):
    category: str
    label: str
    expected: int
    arrived: int


class Arrivals(msgspec.Struct):
    expected: int
    arrived: int
    categories: list[CategoryArrivals]


class SearchAnswer(msgspec.Struct):
    query: str
    results: list[Person]
    more: bool


class CheckInError(msgspec.Struct):
    """An error answer; a refused check-in says why in `reason`, and whose it was if known."""

    error: str
    detail: str
    fields: dict[str, str] | msgspec.UnsetType = msgspec.UNSET
    reason: str | msgspec.UnsetType = msgspec.UNSET
    registration: Person | msgspec.UnsetType = msgspec.UNSET
    meeting: str | msgspec.UnsetType = msgspec.UNSET


_READ_ERRORS = error_specs(
    {
        401: NO_TOKEN,
        403: "The token's user is not check-in staff, organizer or admin",
        404: "No meeting has this slug",
    },
    CheckInError,
)
_CHECK_IN_ANSWERS = (
    _READ_ERRORS
    | {
        200: ResponseSpec(
            data_container=CheckInAnswer,
            description="Already checked in: `registration` says when and by whom",
        )
    }
    | error_specs(
        {
            404: "No meeting has this slug; or `reason`: `unknown_code` (a genuine badge that was "
            "replaced or whose registration was deleted), `not_found` (no such registration in "
            "this meeting)",
            409: "Refused, `reason`: `other_meeting` (a badge of the meeting named in `meeting`), "
            "or the registration's status: `pending`, `waitlisted`, `cancelled`, `rejected`",
            422: "`reason`: `invalid_code` (forged, mistyped, another system's); or a bad body",
        },
        CheckInError,
    )
)
_UNDO_ANSWERS = _READ_ERRORS | error_specs(
    {
        404: "No meeting has this slug, or no such registration in it",
    },
    CheckInError,
)


def _person(card: services.Card) -> Person:
    return copy_fields(Person, card, checked_in_by=card.checked_in_by or None)


def _answer(result: services.DeskResult) -> CheckInAnswer:
    """The answer for a result that is not a refusal; refusals become errors with a reason."""
    if result.refused:
        extra: dict[str, Any] = {"reason": result.reason}
        if result.card is not None:
            extra["registration"] = msgspec.to_builtins(_person(result.card))
        if result.reason == "invalid_code":
            raise InvalidInput(result.message, fields={"code": result.message}, **extra)
        if result.reason in ("unknown_code", "not_found"):
            raise NotFound(result.message, **extra)
        if result.reason == "other_meeting":
            extra["meeting"] = result.other_meeting
        raise Conflict(result.message, **extra)
    return CheckInAnswer(
        result=result.outcome, message=result.message, registration=_person(result.card)
    )


class CheckInApiController(Controller):
    path = "/api/v1/checkin"
    guards = [requires_role("checkin")]
    tags = ["check-in"]

    @post("/{slug:str}", name="api_checkin", responses=_CHECK_IN_ANSWERS)
    async def check_in(
        self, request: Request, slug: FromPath[str], data: JSONBody[CheckInRequest]
    ) -> Response[CheckInAnswer]:
        """Check in the holder of a badge code, or a registration by id.

        201 when this call checked the person in, 200 when they already were (with when and by
        whom); 422 for a code that is not genuine, 404 for one that is no longer valid or an
        unknown id, 409 for a badge of another meeting or a registration that is not confirmed.
        Error bodies carry `reason` and, when known, the `registration`.
        """
        if (data.code is None) == (data.registration_id is None):
            message = gettext("Send either a code or a registration_id.")
            raise InvalidInput(message, fields={"code": message})
        meeting = await get_meeting(slug, include_drafts=True)
        now = datetime.now(UTC)
        if data.code is not None:
            result = await services.check_in_code(
                meeting, data.code, by=request.user, now=now, desk="api"
            )
        else:
            result = await services.check_in(
                meeting, data.registration_id, by=request.user, now=now, desk="api"
            )
        answer = _answer(result)
        return Response(answer, status_code=201 if answer.result == services.CHECKED_IN else 200)

    @delete(
        "/{slug:str}/{registration_id:int}",
        name="api_checkin_undo",
        status_code=200,
        responses=_UNDO_ANSWERS,
    )
    async def undo(
        self, request: Request, slug: FromPath[str], registration_id: FromPath[int]
    ) -> CheckInAnswer:
        """Take back a registration's check-in: `undone`, or `not_checked_in` if there was none."""
        meeting = await get_meeting(slug, include_drafts=True)
        result = await services.undo_check_in(
            meeting, registration_id, by=request.user, now=datetime.now(UTC)
        )
        return _answer(result)

    @get("/{slug:str}/counts", name="api_checkin_counts", responses=_READ_ERRORS)
    async def counts(self, slug: FromPath[str]) -> Arrivals:
        """Arrivals against expected (confirmed) registrations, in total and per category."""
        totals = await services.arrival_counts(await get_meeting(slug, include_drafts=True))
        return Arrivals(
            expected=totals.expected,
            arrived=totals.done,
            categories=[
                CategoryArrivals(
                    category=c.category, label=c.label, expected=c.expected, arrived=c.done
                )
                for c in totals.categories
            ],
        )

    @get("/{slug:str}/search", name="api_checkin_search", responses=_READ_ERRORS)
    async def search(self, slug: FromPath[str], q: FromQuery[str] = "") -> SearchAnswer:
        """Registrations whose name, organization or email contain every word of `q`."""
        found = await services.search(await get_meeting(slug, include_drafts=True), q)
        return SearchAnswer(
            query=found.query, results=[_person(c) for c in found.cards], more=found.more
        )
