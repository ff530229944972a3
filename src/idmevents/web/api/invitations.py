"""Invitations in the JSON API: invite an address to register in one of a meeting's
invitation-only categories (emailed a personal link), and list a meeting's invitations.

Organizers and admins only (a Bearer token).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Literal

import msgspec
from litestar import Request, get, post
from litestar.params import FromPath, JSONBody

from idmevents import urls
from idmevents.records import copy_fields
from idmevents.registrations import desk
from idmevents.registrations import services as registrations
from idmevents.registrations.labels import CATEGORIES
from idmevents.web.api.desk import READ_ERRORS
from idmevents.web.common import error_specs, request_actor
from idmevents.web.guards import OrganizerApi

Category = Literal[CATEGORIES]  # type: ignore[valid-type]


class InvitationIn(msgspec.Struct, forbid_unknown_fields=True):
    email: Annotated[
        str, msgspec.Meta(max_length=320, description="The only address it works with")
    ]
    category: Annotated[Category, msgspec.Meta(description="The category it opens")]
    given_name: Annotated[str, msgspec.Meta(max_length=200)] = ""
    family_name: Annotated[str, msgspec.Meta(max_length=200)] = ""
    language: Annotated[
        Literal["en", "fr", "es"], msgspec.Meta(description="The email's language")
    ] = "en"


class InvitationOut(msgspec.Struct):
    id: int
    meeting: str
    email: str
    category: str
    given_name: str
    family_name: str
    language: str
    url: str
    registration: int | None
    used_at: datetime | None
    created_at: datetime


class InvitationList(msgspec.Struct):
    items: list[InvitationOut]


INVITATION_ERRORS = READ_ERRORS | error_specs(
    {409: "`reason`: duplicate (the address is already invited to the meeting)"}
)


def invitation_out(row: dict, slug: str) -> InvitationOut:
    return copy_fields(
        InvitationOut,
        row,
        meeting=slug,
        url=urls.invited_registration(slug, row["token"]),
        used_at=row["used_at"].astimezone(UTC) if row["used_at"] else None,
        created_at=row["created_at"].astimezone(UTC),
    )


class InvitationsApi(OrganizerApi):
    path = "/api/v1/meetings/{slug:str}/invitations"
    tags = ["invitations"]

    @post(
        "/",
        name="api_invitation_create",
        status_code=201,
        responses=INVITATION_ERRORS,
        summary="Invite an address to register in a category",
    )
    async def create(
        self, request: Request, slug: FromPath[str], data: JSONBody[InvitationIn]
    ) -> InvitationOut:
        """Invites one address and emails it a personal link to the registration form (`url`).
        Registering in one of the meeting's `invitation_categories` needs such an invitation,
        for that very address: without it, with another address, or a second time, the public
        registration answers 403."""
        meeting = await desk.get_meeting(slug)
        rows = await registrations.invite(
            meeting,
            [{"email": data.email, "given_name": data.given_name, "family_name": data.family_name}],
            category=data.category,
            language=data.language,
            by=request_actor(request),
            now=datetime.now(UTC),
        )
        return invitation_out(rows[0], meeting["slug"])

    @get("/", name="api_invitations", responses=READ_ERRORS, summary="List a meeting's invitations")
    async def index(self, slug: FromPath[str]) -> InvitationList:
        """Every invitation of the meeting, the latest first, with the registration it made."""
        meeting = await desk.get_meeting(slug)
        rows = await registrations.list_invitations(meeting["id"])
        return InvitationList(items=[invitation_out(row, meeting["slug"]) for row in rows])
