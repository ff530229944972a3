"""The agenda API's parts of a meeting under /api/v1/: rooms, sessions and panelists.

Organizers (and admins) only: anonymous calls get 401, other roles 403.
`DELETE /api/v1/sessions/{id}` on a meeting that has been published cancels the session instead
of erasing it, so that subscribed calendars receive it as STATUS:CANCELLED.
"""

from __future__ import annotations

from datetime import UTC, datetime

from litestar import Request, delete, get, patch, post
from litestar.params import FromPath, FromQuery, JSONBody

from idmevents.meetings import builder, panelists, teams
from idmevents.web.api.agenda_schemas import (
    ERRORS,
    AgendaApi,
    DeleteOut,
    PanelistCreate,
    PanelistOut,
    PanelistPatch,
    RoomCreate,
    RoomOut,
    RoomPatch,
    SessionCreate,
    SessionOut,
    SessionPatch,
    actor_of,
    assignments_of,
    given_fields,
    load_session_out,
    meeting_values,
    panelist_out,
    room_out,
    texts_in,
)
from idmevents.web.scope import visible_meeting_ids


class SessionsApiController(AgendaApi):
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
            translations=texts_in(data.translations),
            by=actor_of(request),
            now=datetime.now(UTC),
        )
        return room_out(await builder.get_room(room["id"]))

    @patch("/rooms/{room_id:int}", name="api_room_update", responses=ERRORS)
    async def update_room(
        self, request: Request, room_id: FromPath[int], data: JSONBody[RoomPatch]
    ) -> RoomOut:
        """Rename a room, change its capacity or its names in other languages (`translations`,
        merged: "" removes one). A new name in any language raises its sessions' SEQUENCE."""
        values = given_fields(data)
        if "translations" in values:
            values["translations"] = texts_in(values["translations"])
        await builder.update_room(room_id, values, by=actor_of(request), now=datetime.now(UTC))
        return room_out(await builder.get_room(room_id))

    @post("/meetings/{slug:str}/sessions", name="api_session_create", responses=ERRORS)
    async def create_session(
        self, request: Request, slug: FromPath[str], data: JSONBody[SessionCreate]
    ) -> SessionOut:
        """Add a session; `starts_at`/`ends_at` in ISO 8601 with their offset."""
        values = given_fields(data)
        values["translations"] = texts_in(values["translations"])
        assignments = assignments_of(values.pop("panelists"))
        row = await builder.create_session(
            slug, values, panelists=assignments, by=actor_of(request), now=datetime.now(UTC)
        )
        return await load_session_out(row["id"])

    @get("/sessions/{session_id:int}", name="api_session", responses=ERRORS)
    async def get_session(self, session_id: FromPath[int]) -> SessionOut:
        """One session with its room and panelists."""
        return await load_session_out(session_id)

    @patch("/sessions/{session_id:int}", name="api_session_update", responses=ERRORS)
    async def update_session(
        self, request: Request, session_id: FromPath[int], data: JSONBody[SessionPatch]
    ) -> SessionOut:
        """Change some fields; `panelists` replaces the whole list (in order); `status` cancels or
        restores. On a published meeting, retiming, moving and cancelling are recorded changes.
        `translations` ({"fr": {"title": …}}) are merged into the session's ("" removes one);
        changing any language's text raises the session's SEQUENCE once."""
        values = given_fields(data)
        if "translations" in values:
            values["translations"] = texts_in(values["translations"])
        now = datetime.now(UTC)
        status = values.pop("status", None)
        assignments = values.pop("panelists", None)
        if values or assignments is not None:
            await builder.update_session(
                session_id,
                values,
                panelists=None if assignments is None else assignments_of(assignments),
                by=actor_of(request),
                now=now,
            )
        if status is not None:
            await builder.set_session_status(session_id, status, by=actor_of(request), now=now)
        return await load_session_out(session_id)

    @delete(
        "/sessions/{session_id:int}", name="api_session_delete", status_code=200, responses=ERRORS
    )
    async def delete_session(self, request: Request, session_id: FromPath[int]) -> DeleteOut:
        """Erase a draft meeting's session; a published meeting's session is cancelled instead
        (`result: cancelled`), so calendars receive it as STATUS:CANCELLED."""
        result = await builder.delete_session(
            session_id, by=actor_of(request), now=datetime.now(UTC)
        )
        session = await load_session_out(session_id) if result == "cancelled" else None
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
            meeting_values(given_fields(data)), by=actor_of(request), now=datetime.now(UTC)
        )
        return panelist_out(row)

    @patch("/panelists/{panelist_id:int}", name="api_panelist_update", responses=ERRORS)
    async def update_panelist(
        self, request: Request, panelist_id: FromPath[int], data: JSONBody[PanelistPatch]
    ) -> PanelistOut:
        """Change some of a panelist's fields; `translations` are merged ("" removes one).
        What their sessions' events show changes: those sessions' SEQUENCE rises."""
        await panelists.update_panelist(
            panelist_id,
            meeting_values(given_fields(data)),
            by=actor_of(request),
            now=datetime.now(UTC),
        )
        return panelist_out(await panelists.get_panelist(panelist_id))
