"""Meeting teams for tests that are not about teams: accounts made by the factories join every
meeting there is, and meetings made by the factories take in every account there is.

tests/integration/organizers/test_meeting_teams.py builds its teams by hand instead.
"""

from __future__ import annotations

from idmevents.auth.tables import User
from idmevents.meetings.tables import Meeting, MeetingTeam
from idmevents.meetings.teams import TEAM_ROLES


async def join_every_meeting(user_id: int, role: str) -> None:
    if role not in TEAM_ROLES:
        return
    for row in await Meeting.select(Meeting.id):
        await MeetingTeam.insert(MeetingTeam(meeting=row["id"], user=user_id))


async def take_in_everyone(meeting_id: int) -> None:
    for row in await User.select(User.id).where(User.role.is_in(list(TEAM_ROLES))):
        await MeetingTeam.insert(MeetingTeam(meeting=meeting_id, user=row["id"]))
