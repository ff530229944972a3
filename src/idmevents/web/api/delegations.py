"""Delegations in the JSON API: create and list a meeting's delegations (with the seats each has
used), and name a delegate into a delegation's quota (409 past it).

Organizers and admins only (a Bearer token). The nomination link each answer carries is the focal
point's private page: give it to them, not to anyone else.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Literal

import msgspec
from litestar import Request, Response, get, post
from litestar.openapi.datastructures import ResponseSpec
from litestar.params import FromPath, FromQuery, JSONBody

from idmevents.delegations import (
    focal_points,
    participants_pdf,
    services,
    visa_requests,
)
from idmevents.delegations import participants as participants_list
from idmevents.registrations import desk
from idmevents.web.api.desk import READ_ERRORS, RegistrationOut, registration_out
from idmevents.web.common import error_specs, pdf_response, request_actor
from idmevents.web.guards import OrganizerApi

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
    language: (
        Annotated[
            Language,
            msgspec.Meta(
                description="The focal point's emails' language (the meeting's if left out)"
            ),
        ]
        | None
    ) = None


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
    language: str
    invited_at: datetime | None
    reminded_at: datetime | None
    created_at: datetime


class InvitationSendIn(msgspec.Struct, forbid_unknown_fields=True):
    send_id: Annotated[
        str,
        msgspec.Meta(
            min_length=1,
            max_length=64,
            description="Names this send: the same send_id again emails nobody twice",
        ),
    ]
    delegations: (
        Annotated[
            list[Annotated[int, msgspec.Meta(ge=1, le=desk.MAX_ID)]],
            msgspec.Meta(max_length=1000, description="Ids of the delegations (all if left out)"),
        ]
        | None
    ) = None
    only_new: Annotated[
        bool, msgspec.Meta(description="Only focal points never sent their invitation")
    ] = False


class InvitationsSent(msgspec.Struct):
    queued: int


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


class ParticipantOut(participants_list.Person):
    pass


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


def delegation_out(row: dict, slug: str, mail: dict | None = None) -> DelegationOut:
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
        language=row["language"],
        invited_at=(mail or {}).get("invited_at"),
        reminded_at=(mail or {}).get("reminded_at"),
        created_at=row["created_at"].astimezone(UTC),
    )


class DelegationsApi(OrganizerApi):
    path = "/api/v1"
    tags = ["delegations"]

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
                "language": data.language or "",
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
        mail = await focal_points.mail_status(rows)
        return DelegationList(
            items=[delegation_out(row, meeting["slug"], mail[row["id"]]) for row in rows],
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
                "categories": categories,
            },
            ParticipantsOut,
            from_attributes=True,
        )

    @get(
        "/meetings/{slug:str}/participants.pdf",
        name="api_participants_pdf",
        media_type="application/pdf",
        responses=READ_ERRORS
        | {200: ResponseSpec(None, description="The list as PDF", media_type="application/pdf")},
        summary="The list of participants as a printable PDF",
    )
    async def participants_pdf(
        self,
        slug: FromPath[str],
        edition: FromQuery[Literal["provisional", "final"]] = "provisional",
        language: FromQuery[Literal["en", "fr", "es"]] = "en",
    ) -> Response[bytes]:
        """The same list as `/participants` (consented people only, cancelled and replaced never),
        printed: a title page with the meeting, the edition and the date, then each category and
        delegation in the order of `language`, the head of delegation first."""
        meeting = await desk.get_meeting(slug)
        data = await participants_pdf.list_pdf(
            meeting, edition=edition, language=language, now=datetime.now(UTC)
        )
        return pdf_response(data, participants_pdf.pdf_filename(meeting, edition))

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
        replaced. A pending request of the participant is approved by it: the letter (a PDF in
        their language) is then theirs to download, and they are emailed its link."""
        letter = await visa_requests.approve_if_pending(
            registration_id, by=request_actor(request), now=datetime.now(UTC)
        )
        return VisaLetterOut(code=letter["code"], url=letter["url"])

    async def _after(self, verb, request: Request, delegation_id: int) -> DelegationOut:
        """Do `verb` to the delegation's link, then answer the delegation as it now is."""
        await verb(delegation_id, by=request_actor(request), now=datetime.now(UTC))
        delegation = await services.get_delegation(delegation_id)
        meeting = await desk.get_meeting_by_id(delegation["meeting"])
        rows = await services.list_delegations(meeting["id"])
        row = next(row for row in rows if row["id"] == delegation_id)
        mail = await focal_points.mail_status([row])
        return delegation_out(row, meeting["slug"], mail[delegation_id])

    @post(
        "/delegations/{delegation_id:int}/nomination-link/revoke",
        name="api_nomination_link_revoke",
        status_code=200,
        responses=READ_ERRORS,
        summary="Revoke a focal point's nomination link",
    )
    async def revoke_link(self, request: Request, delegation_id: FromPath[int]) -> DelegationOut:
        """The link stops working at once (its page answers 404 and says whom to ask);
        `nomination_url` is then null. Nobody is emailed."""
        return await self._after(focal_points.revoke_link, request, delegation_id)

    @post(
        "/delegations/{delegation_id:int}/nomination-link",
        name="api_nomination_link_renew",
        status_code=201,
        responses=READ_ERRORS,
        summary="Give a focal point a new nomination link, by email",
    )
    async def renew_link(self, request: Request, delegation_id: FromPath[int]) -> DelegationOut:
        """A new link, bound to the focal point's current address and emailed to it; the old
        link stops working, and every browser must confirm the address again."""
        return await self._after(focal_points.renew_link, request, delegation_id)

    @post(
        "/meetings/{slug:str}/delegations/invitations",
        name="api_delegation_invitations",
        status_code=202,
        responses=READ_ERRORS,
        summary="Email focal points their invitation",
    )
    async def send_invitations(
        self, request: Request, slug: FromPath[str], data: JSONBody[InvitationSendIn]
    ) -> InvitationsSent:
        """Queues each focal point's invitation (their link, quota and deadlines, in the
        delegation's language) in the outbox; `queued` says how many. Sending with a `send_id`
        already used emails nobody again."""
        meeting = await desk.get_meeting(slug)
        queued = await focal_points.send_invitations(
            meeting,
            action=f"api:{data.send_id}",
            delegation_ids=data.delegations,
            only_new=data.only_new,
            by=request_actor(request),
            now=datetime.now(UTC),
        )
        return InvitationsSent(queued=queued)
