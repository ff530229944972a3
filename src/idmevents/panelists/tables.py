"""Panelists, their roles in sessions, and when they cannot speak."""

from piccolo.columns import ForeignKey, Integer, OnDelete, Text, Timestamptz, Varchar
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.table import Table

from idmevents.meetings.tables import MeetingSession


class Panelist(Table, tablename="panelist"):
    slug = Varchar(length=120, unique=True, index=True)
    honorific = Varchar(length=60, default="")
    name = Varchar(length=200)
    position = Text(default="")
    organization = Varchar(length=300, default="")
    bio = Text(default="")
    email = Varchar(length=320, default="")  # private: never shown on public pages or feeds
    created_at = Timestamptz(default=TimestamptzNow())
    updated_at = Timestamptz(default=TimestamptzNow())


class SessionPanelist(Table, tablename="session_panelist"):
    meeting_session = ForeignKey(
        references=MeetingSession, null=False, on_delete=OnDelete.cascade, index=True
    )
    panelist = ForeignKey(references=Panelist, null=False, on_delete=OnDelete.cascade, index=True)
    role = Varchar(
        length=20, default="speaker"
    )  # chair | moderator | keynote | speaker | discussant
    position = Integer(default=0)  # order within the session
    # UNIQUE (meeting_session, panelist): a unique index made in the initial migration (works on SQLite too).


class PanelistUnavailability(Table, tablename="panelist_unavailability"):
    panelist = ForeignKey(references=Panelist, null=False, on_delete=OnDelete.cascade, index=True)
    starts_at = Timestamptz()
    ends_at = Timestamptz()
    note = Varchar(length=300, default="")
