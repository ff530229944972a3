"""Public pages: the meetings, a meeting with its agenda, and its panelists."""

from __future__ import annotations

from datetime import UTC, datetime

from litestar import Controller, get
from litestar.params import FromPath
from litestar.response import Template

from idmevents.meetings import builder, services

# How many agenda changes the public meeting page lists under "What changed".
RECENT_CHANGES = 10


class PublicMeetingController(Controller):
    tags = ["pages"]
    include_in_schema = False

    @get("/", name="home")
    async def index(self) -> Template:
        """The meetings: upcoming first, past below."""
        upcoming, past = await services.list_public_meetings(datetime.now(UTC))
        return Template("meetings/index.html.jinja2", context={"upcoming": upcoming, "past": past})

    @get("/meetings/{slug:str}", name="meeting")
    async def meeting(self, slug: FromPath[str]) -> Template:
        """A meeting: theme, venue, agenda by day in local time, panelists."""
        now = datetime.now(UTC)
        meeting = await services.get_meeting(slug)
        agenda = await services.load_agenda(meeting)
        changes = await builder.recent_changes(meeting, limit=RECENT_CHANGES)
        return Template(
            "meetings/detail.html.jinja2",
            context={
                "meeting": meeting,
                "agenda": agenda,
                "changes": changes,
                "registration_open": services.registration_is_open(meeting, now),
                "is_past": services.is_past(meeting, now),
            },
        )

    @get("/meetings/{slug:str}/panelists", name="meeting_panelists")
    async def panelists(self, slug: FromPath[str]) -> Template:
        """The people on the agenda with their short bios."""
        meeting = await services.get_meeting(slug)
        people = await services.meeting_panelists(meeting)
        return Template(
            "meetings/panelists.html.jinja2", context={"meeting": meeting, "people": people}
        )
