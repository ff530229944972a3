"""Visa letter requests in the JSON API (organizers): the meeting's requests, and declining one
with a reason. Approving is `POST /api/v1/registrations/{id}/visa-letter` (web.api.delegations),
which issues the letter; participants ask through `/api/v1/r/{token}/visa-request`."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Annotated, Literal

import msgspec
from litestar import Request, get, post
from litestar.params import FromPath, FromQuery, JSONBody

from idmevents.delegations import visa_requests
from idmevents.records import copy_fields
from idmevents.registrations import desk
from idmevents.web.api.desk import READ_ERRORS
from idmevents.web.common import error_specs, request_actor
from idmevents.web.guards import OrganizerApi


class VisaRequestItem(msgspec.Struct):
    registration_id: int
    name: str
    status: Literal["pending", "approved", "declined"]
    registration_status: str
    nationality: Annotated[str, msgspec.Meta(description="The country's name in `language`")]
    arrival: date | None
    departure: date | None
    decline_reason: str
    letter_code: Annotated[str, msgspec.Meta(description="Empty until approved")]
    created_at: datetime


class VisaRequestList(msgspec.Struct):
    items: list[VisaRequestItem]


class DeclineIn(msgspec.Struct, forbid_unknown_fields=True):
    reason: Annotated[
        str, msgspec.Meta(max_length=2000, description="Emailed to the participant; not blank")
    ]


class DeclineOut(msgspec.Struct):
    registration_id: int
    status: Literal["declined"]


DECLINE_ERRORS = READ_ERRORS | error_specs(
    {409: "`reason`: decided (the request was already approved or declined)"}
)


class VisaRequestsApi(OrganizerApi):
    path = "/api/v1"
    tags = ["delegations"]

    @get(
        "/meetings/{slug:str}/visa-requests",
        name="api_visa_requests",
        responses=READ_ERRORS,
        summary="The meeting's visa letter requests",
    )
    async def index(
        self, slug: FromPath[str], language: FromQuery[Literal["en", "fr", "es"]] = "en"
    ) -> VisaRequestList:
        """Every request, the pending first (oldest first). Passport details are not listed:
        they are printed on the letter only."""
        meeting = await desk.get_meeting(slug)
        rows = await visa_requests.meeting_requests(meeting["id"], language)
        return VisaRequestList(
            items=[
                copy_fields(VisaRequestItem, r, created_at=r.created_at.astimezone(UTC))
                for r in rows
            ]
        )

    @post(
        "/registrations/{registration_id:int}/visa-letter/decline",
        name="api_visa_decline",
        status_code=200,
        responses=DECLINE_ERRORS,
        summary="Decline a visa letter request with a reason",
    )
    async def decline(
        self, request: Request, registration_id: FromPath[int], data: JSONBody[DeclineIn]
    ) -> DeclineOut:
        """The participant is emailed the reason, in their language, and may ask again."""
        await visa_requests.decline(
            registration_id, data.reason, by=request_actor(request), now=datetime.now(UTC)
        )
        return DeclineOut(registration_id=registration_id, status="declined")
