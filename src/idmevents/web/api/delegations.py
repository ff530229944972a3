"""Delegations in the JSON API: create and list a meeting's delegations (with the seats each has
used), and name a delegate into a delegation's quota (409 past it).

Organizers and admins only (a Bearer token). The nomination link each answer carries is the focal
point's private page: give it to them, not to anyone else.
"""

from __future__ import annotations

from dataclasses import asdict
from datetime import UTC, datetime
from typing import Annotated, Literal

import msgspec
from litestar import Controller, Request, get, post
from litestar.params import FromPath, FromQuery, JSONBody

from idmevents.delegations import participants as participants_list
from idmevents.delegations import services, visa_letters
from idmevents.registrations import desk
from idmevents.web.api.desk import READ_ERRORS, RegistrationOut, registration_out
from idmevents.web.common import error_specs, request_actor
from idmevents.web.guards import requires_role

Language = Annotated[str, msgspec.Meta(pattern="^(en|fr|es)$")]


class FocalPointIn(msgspec.Struct, forbid_unknown_fields=True):
    name: Annotated[str, msgspec.Meta(max_length=200, description="Not blank")] = ""
    email: Annotated[
        str, msgspec.Meta(max_length=320, description="Where the nomination link is sent")
    ] = ""
    mission: Annotated[str, msgspec.Meta(max_length=300, description="e.g. Permanent Mission")] = ""


class DelegationIn(msgspec.Struct, forbid_unknown_fields=True):
    """A State (`country`) or an organization (`organization`), never both."""

    focal_point: FocalPointIn
    quota: Annotated[int, msgspec.Meta(ge=0, le=services.MAX_QUOTA, description="Seats held")]
    country: Annotated[
        str,
        msgspec.Meta(
            max_length=2,
            description="ISO 3166-1 alpha-2 of a UN Member or Observer State (409 if it "
            "already has a delegation at the meeting)",
        ),
    ] = ""
    organization: Annotated[
        str, msgspec.Meta(max_length=300, description="An organization's name, if not a State")
    ] = ""


class FocalPointOut(msgspec.Struct):
    name: str
    email: str
    mission: str


class DelegationOut(msgspec.Struct):
    id: int
    meeting: str
    country: str
    organization: str
    name: str
    focal_point: FocalPointOut
    quota: int
    seats_used: int
    seats_left: int
    confirmed: Annotated[int, msgspec.Meta(description="Delegates confirmed")]
    waiting: Annotated[
        int, msgspec.Meta(description="Delegates awaiting approval or on the waiting list")
    ]
    checked_in: Annotated[int, msgspec.Meta(description="Delegates checked in at the door")]
    head: int | None
    nomination_url: str | None
    created_at: datetime


class DelegationList(msgspec.Struct):
    items: list[DelegationOut]
    seats_held: int


class DelegateIn(msgspec.Struct, forbid_unknown_fields=True):
    given_name: Annotated[str, msgspec.Meta(max_length=200)]
    family_name: Annotated[str, msgspec.Meta(max_length=200)]
    email: (
        Annotated[
            str,
            msgspec.Meta(
                max_length=320,
                description="Optional: a delegate without one is registered and never emailed",
            ),
        ]
        | None
    ) = None
    honorific: Annotated[str, msgspec.Meta(max_length=50)] | None = None
    position: Annotated[str, msgspec.Meta(max_length=300)] | None = None
    head: Annotated[bool, msgspec.Meta(description="Make this delegate the head")] = False
    language: Language = "en"
    list_consent: Annotated[
        bool,
        msgspec.Meta(description="The delegate agreed to appear on the list of participants"),
    ] = False
    replaces: (
        Annotated[
            int,
            msgspec.Meta(
                ge=1,
                le=desk.MAX_ID,
                description="A delegate's registration id: cancelled (and told), its seat "
                "given to this one",
            ),
        ]
        | None
    ) = None


class DelegateOut(msgspec.Struct):
    delegation_id: int
    honorific: str
    head: bool
    registration: RegistrationOut


class ParticipantOut(msgspec.Struct):
    honorific: str
    given_name: str
    family_name: str
    position: str
    organization: str
    head: bool


class ParticipantGroupOut(msgspec.Struct):
    name: str
    people: list[ParticipantOut]


class ParticipantCategoryOut(msgspec.Struct):
    code: str
    label: str
    groups: list[ParticipantGroupOut]


class ParticipantsOut(msgspec.Struct):
    meeting: str
    edition: Literal["provisional", "final"]
    language: str
    categories: list[ParticipantCategoryOut]


class VisaLetterOut(msgspec.Struct):
    code: str
    url: str


VISA_ERRORS = READ_ERRORS | error_specs(
    {409: "`reason`: not-confirmed (only a confirmed registration gets a letter)"}
)
DELEGATION_ERRORS = READ_ERRORS | error_specs(
    {409: "`reason`: duplicate (the State already has a delegation at the meeting)"}
)
DELEGATE_ERRORS = READ_ERRORS | error_specs(
    {
        409: "`reason`: quota (every seat of the delegation's quota is taken) or duplicate (the "
        "email address is already registered for the meeting); nothing was written"
    }
)


def delegation_out(row: dict, slug: str) -> DelegationOut:
    return DelegationOut(
        id=row["id"],
        meeting=slug,
        country=row["country"],
        organization=row["organization"],
        name=services.delegation_name(row, "en"),
        focal_point=FocalPointOut(
            name=row["focal_point_name"],
            email=row["focal_point_email"],
            mission=row["focal_point_mission"],
        ),
        quota=row["quota"],
        seats_used=row.get("used", 0),
        seats_left=row.get("seats_left", row["quota"]),
        # A delegation just created has no delegates yet: its counts are 0.
        confirmed=row.get("counts", {}).get("confirmed", 0),
        waiting=row.get("counts", {}).get("waiting", 0),
        checked_in=row.get("counts", {}).get("checked_in", 0),
        head=row["head"],
        nomination_url=services.nomination_url(row),
        created_at=row["created_at"].astimezone(UTC),
    )


class DelegationsApi(Controller):
    path = "/api/v1"
    tags = ["delegations"]
    guards = [requires_role("organizer")]
    security = [{"BearerToken": []}]

    @post(
        "/meetings/{slug:str}/delegations",
        name="api_delegation_create",
        status_code=201,
        responses=DELEGATION_ERRORS,
        summary="Invite a delegation",
    )
    async def create(
        self, request: Request, slug: FromPath[str], data: JSONBody[DelegationIn]
    ) -> DelegationOut:
        """A State's (or an organization's) delegation with its focal point and quota; the quota's
        seats are held for it at once. The answer carries the focal point's `nomination_url`."""
        meeting = await desk.get_meeting(slug)
        row = await services.create_delegation(
            meeting,
            {
                "country": data.country,
                "organization": data.organization,
                "focal_point_name": data.focal_point.name,
                "focal_point_email": data.focal_point.email,
                "focal_point_mission": data.focal_point.mission,
                "quota": data.quota,
            },
            by=request_actor(request),
            now=datetime.now(UTC),
        )
        return delegation_out(row | {"used": 0, "seats_left": row["quota"]}, meeting["slug"])

    @get(
        "/meetings/{slug:str}/delegations",
        name="api_delegations",
        responses=READ_ERRORS,
        summary="List a meeting's delegations with the seats they used",
    )
    async def index(self, slug: FromPath[str]) -> DelegationList:
        """Every delegation of the meeting, its quota, seats used and left, and `seats_held`:
        the seats public registration may not take (until the meeting's release date)."""
        meeting = await desk.get_meeting(slug)
        rows = await services.list_delegations(meeting["id"])
        return DelegationList(
            items=[delegation_out(row, meeting["slug"]) for row in rows],
            seats_held=await services.held_seats(meeting["id"]),
        )

    @get(
        "/meetings/{slug:str}/participants",
        name="api_participants",
        responses=READ_ERRORS,
        summary="The list of participants",
    )
    async def participants(
        self,
        slug: FromPath[str],
        edition: FromQuery[Literal["provisional", "final"]] = "provisional",
        language: FromQuery[Literal["en", "fr", "es"]] = "en",
    ) -> ParticipantsOut:
        """Only people who agreed to appear on it: `provisional` lists everyone confirmed,
        `final` those checked in. Grouped by category, then by delegation (or organization) in
        the order of `language`, the head of delegation first. Cancelled and replaced people
        never appear."""
        meeting = await desk.get_meeting(slug)
        categories = await participants_list.participants(
            meeting["id"], edition=edition, language=language
        )
        return msgspec.convert(
            {
                "meeting": meeting["slug"],
                "edition": edition,
                "language": language,
                "categories": [asdict(c) for c in categories],
            },
            ParticipantsOut,
        )

    @post(
        "/delegations/{delegation_id:int}/delegates",
        name="api_delegate_create",
        status_code=201,
        responses=DELEGATE_ERRORS,
        summary="Name a delegate into a delegation's quota",
    )
    async def nominate(
        self, request: Request, delegation_id: FromPath[int], data: JSONBody[DelegateIn]
    ) -> DelegateOut:
        """Registers the delegate into one of the delegation's held seats (confirmed, emailed if
        they have an address). 409 `quota` past the quota: the count is made under the meeting's
        lock, so concurrent calls never exceed it."""
        delegation = await services.get_delegation(delegation_id)
        result = await services.nominate(
            delegation,
            services.Nominee(
                given_name=data.given_name,
                family_name=data.family_name,
                email=data.email or "",
                honorific=data.honorific or "",
                position=data.position or "",
                head=data.head,
                language=data.language,
                list_consent=data.list_consent,
            ),
            by=request_actor(request),
            now=datetime.now(UTC),
            replacing=data.replaces,
        )
        meeting = await desk.get_meeting_by_id(delegation["meeting"])
        registration = await desk.get_registration(result.registration["id"])
        await desk.name_delegations([registration])
        delegation = await services.get_delegation(delegation_id)
        return DelegateOut(
            delegation_id=delegation_id,
            honorific=registration["honorific"],
            head=delegation["head"] == registration["id"],
            registration=registration_out(
                registration, meeting["slug"], result.waitlist_position, [], None
            ),
        )

    @post(
        "/registrations/{registration_id:int}/visa-letter",
        name="api_visa_letter",
        status_code=201,
        responses=VISA_ERRORS,
        summary="Issue a visa letter's verification code",
    )
    async def visa_letter(self, request: Request, registration_id: FromPath[int]) -> VisaLetterOut:
        """A new code for a confirmed registration's visa invitation letter, and the public
        `url` (/verify/{code}) where a consulate checks it: it shows only the name, the meeting
        and whether the letter is valid, which it stops being once the person is cancelled or
        replaced."""
        letter = await visa_letters.issue(
            registration_id, by=request_actor(request), now=datetime.now(UTC)
        )
        return VisaLetterOut(code=letter["code"], url=letter["url"])
