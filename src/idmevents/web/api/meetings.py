"""The agenda API's meetings under /api/v1/meetings: list, create, read, change, and their clashes.

Organizers (and admins) only: anonymous calls get 401, other roles 403. Times go in and out as
ISO 8601; instants sent in must carry their UTC offset (a naive time is refused: it is ambiguous),
and instants coming out carry the meeting's local offset, with its zone named beside them.
"""

from __future__ import annotations

from datetime import UTC, datetime

import msgspec
from litestar import Request, get, patch, post
from litestar.params import FromPath, FromQuery, JSONBody

from idmevents.meetings import builder
from idmevents.registrations import meeting_cancellation
from idmevents.web.api.agenda_schemas import (
    ERRORS,
    AgendaApi,
    ClashOut,
    MeetingCreate,
    MeetingOut,
    MeetingPatch,
    actor_of,
    given_fields,
    meeting_out,
    meeting_values,
)
from idmevents.web.scope import only_visible, visible_meeting_ids


class MeetingsApiController(AgendaApi):
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
            meeting_values(given_fields(data)), by=actor_of(request), now=datetime.now(UTC)
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
            meeting_values(given_fields(data)),
            by=actor_of(request),
            now=datetime.now(UTC),
            confirm_clashes=confirm_clashes,
        )
        return await meeting_out(meeting)

    @get("/meetings/{slug:str}/clashes", name="api_meeting_clashes", responses=ERRORS)
    async def clashes(self, slug: FromPath[str]) -> list[ClashOut]:
        """The agenda's clashes, each naming its sessions (in any meeting) and its kind."""
        meeting = await builder.get_meeting_any(slug)
        found = await builder.meeting_clashes(meeting)
        return [
            msgspec.convert(builder.clash_summary(c, meeting["timezone"]), ClashOut) for c in found
        ]
