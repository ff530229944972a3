"""meeting_team: the organizers and check-in staff of each meeting (admins see every meeting).

Existing organizers and check-in staff join every existing meeting, so that an upgrade takes no
one's work away; an administrator then removes who does not belong.
"""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.columns import ForeignKey, OnDelete, Timestamptz
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.table import Table

ID = "2026-12-04T19:38:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "meeting_team: organizers and check-in staff belong to meetings"


class Meeting(Table, tablename="meeting"):
    pass


class User(Table, tablename="app_user"):
    pass


class MeetingTeam(Table, tablename="meeting_team"):
    meeting = ForeignKey(references=Meeting, null=False, on_delete=OnDelete.cascade, index=True)
    user = ForeignKey(references=User, null=False, on_delete=OnDelete.cascade, index=True)
    added_at = Timestamptz(default=TimestamptzNow())


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="idmevents", description=DESCRIPTION)

    async def create():
        await MeetingTeam.create_table(if_not_exists=True)
        await MeetingTeam.raw(
            "CREATE UNIQUE INDEX IF NOT EXISTS meeting_team_one_per_user "
            'ON meeting_team (meeting, "user")'
        )
        await MeetingTeam.raw(
            'INSERT INTO meeting_team (meeting, "user", added_at) '
            "SELECT meeting.id, app_user.id, CURRENT_TIMESTAMP FROM meeting, app_user "
            "WHERE app_user.role IN ('organizer', 'checkin')"
        )

    async def drop():
        await MeetingTeam.raw("DROP TABLE IF EXISTS meeting_team")

    manager.add_raw(create)
    manager.add_raw_backwards(drop)
    return manager
