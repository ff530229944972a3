"""Meetings, their rooms, their sessions, their panelists, and the record of agenda changes."""

from piccolo.columns import (
    JSON,
    Boolean,
    Date,
    ForeignKey,
    Integer,
    OnDelete,
    Text,
    Timestamptz,
    Varchar,
)
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.table import Table

from idmevents.auth.tables import User


class Meeting(Table, tablename="meeting"):
    slug = Varchar(length=100, unique=True, index=True)
    title = Varchar(length=300)
    theme = Text(default="")
    description = Text(default="")
    city = Varchar(length=100, default="")
    venue_name = Varchar(length=200, default="")
    venue_address = Text(default="")
    timezone = Varchar(length=64)
    starts_on = Date()
    ends_on = Date()
    registration_opens_at = Timestamptz(null=True, default=None)
    registration_closes_at = Timestamptz(null=True, default=None)
    capacity = Integer(null=True, default=None)  # in a hybrid meeting: the seats in the room
    mode = Varchar(length=20, default="in_person")  # in_person | online | hybrid
    capacity_online = Integer(null=True, default=None)  # a hybrid meeting's online places
    webcast_url = Varchar(length=500, default="")  # public: pages and public feeds show it
    # Private: for registered online participants only (their page, emails, personal feed).
    remote_url = Varchar(length=500, default="")
    # The languages sessions are interpreted into unless a session says otherwise: language codes
    # joined by commas ("ar,zh,en,fr,ru,es"), see idmevents.validation.interpretation_codes.
    interpretation = Varchar(length=200, default="")
    # Seats held for delegations (registrations.tables.SeatHold) that are not filled by then go
    # back to everyone; None: they stay held.
    held_seats_release_at = Timestamptz(null=True, default=None)
    # Whether the list of participants (delegations.participants) is public, as a PDF.
    participants_list_published = Boolean(default=False)
    # Categories whose registrations wait for an organizer's approval, e.g. ["civil-society", "media"].
    approval_categories = JSON(default="[]")
    # Categories open only to people an organizer invited (registrations.tables.Invitation).
    invitation_categories = JSON(default="[]")
    # Focal points of delegations that have not filled their quota by then are reminded once.
    nomination_deadline = Timestamptz(null=True, default=None)
    status = Varchar(length=20, default="draft")  # draft | published | cancelled
    created_at = Timestamptz(default=TimestamptzNow())
    updated_at = Timestamptz(default=TimestamptzNow())
    # Moves whenever anything a calendar or the agenda page shows changes: feeds cache on it.
    agenda_changed_at = Timestamptz(default=TimestamptzNow())
    last_notified_at = Timestamptz(null=True, default=None)
    # Personal data is kept this many days after the last day, then erased by the worker
    # (registrations/retention.py), which marks the meeting done with `personal_data_erased_at`.
    retention_days = Integer(default=180)
    # "Confirm your address first": a new registration holds its place only until its person
    # follows the link in their email, within this many hours (registrations/services/_confirm.py).
    confirm_email_first = Boolean(default=False)
    confirm_within_hours = Integer(default=24)
    personal_data_erased_at = Timestamptz(null=True, default=None)
    # When participants are reminded: signed ISO 8601 offsets from the start (negative) or the end
    # (positive), see meetings/reminder_schedule.py; off switches them all off.
    reminders = JSON(default='["-P7D", "-P1D"]')
    reminders_enabled = Boolean(default=True)
    follow_up_url = Varchar(length=500, default="")  # the link a follow-up after the end gives
    # The language the text columns are written in; the others live in `translations`
    # ({"fr": {"title": …}, "es": {…}}), read through idmevents.content.
    original_language = Varchar(length=8, default="en")
    translations = JSON(default="{}")


class Room(Table, tablename="room"):
    meeting = ForeignKey(references=Meeting, null=False, on_delete=OnDelete.cascade, index=True)
    name = Varchar(length=200)
    capacity = Integer(null=True, default=None)
    translations = JSON(default="{}")  # {"fr": {"name": …}}: see idmevents.content


class MeetingSession(Table, tablename="meeting_session"):
    """An item on a meeting's agenda (`session` alone is the HTTP session)."""

    meeting = ForeignKey(references=Meeting, null=False, on_delete=OnDelete.cascade, index=True)
    uid = Varchar(length=120, unique=True)  # the calendar UID: never changes
    title = Varchar(length=300)
    description = Text(default="")
    kind = Varchar(length=20, default="panel")
    starts_at = Timestamptz()
    ends_at = Timestamptz()
    room = ForeignKey(references=Room, null=True, on_delete=OnDelete.set_null)
    capacity = Integer(null=True, default=None)
    status = Varchar(length=20, default="scheduled")  # scheduled | cancelled
    sequence = Integer(default=0)
    created_at = Timestamptz(default=TimestamptzNow())
    updated_at = Timestamptz(default=TimestamptzNow())
    illustrative = Boolean(default=False)
    webcast_url = Varchar(length=500, default="")  # public; the meeting's when empty
    # The languages the session is interpreted into, as Meeting.interpretation (a new session
    # starts with the meeting's).
    interpretation = Varchar(length=200, default="")
    translations = JSON(default="{}")  # {"fr": {"title": …, "description": …}}


class AgendaChange(Table, tablename="agenda_change"):
    """One change a participant would want to hear about: moved, retimed, cancelled, added."""

    meeting = ForeignKey(references=Meeting, null=False, on_delete=OnDelete.cascade, index=True)
    meeting_session = ForeignKey(references=MeetingSession, null=False, on_delete=OnDelete.cascade)
    changed_at = Timestamptz(default=TimestamptzNow())
    kind = Varchar(length=20)  # retimed | moved | cancelled | added | restored
    summary = Text(default="")
    before = JSON(default="{}")
    after = JSON(default="{}")
    notified_at = Timestamptz(null=True, default=None)


class Panelist(Table, tablename="panelist"):
    slug = Varchar(length=120, unique=True, index=True)
    honorific = Varchar(length=60, default="")
    name = Varchar(length=200)
    position = Text(default="")
    organization = Varchar(length=300, default="")
    bio = Text(default="")
    email = Varchar(length=320, default="")  # private: never shown on public pages or feeds
    translations = JSON(default="{}")  # {"fr": {"position": …, "bio": …}}
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


class MeetingTeam(Table, tablename="meeting_team"):
    """Who works on a meeting: organizers and check-in staff see only their meetings (admins all)."""

    meeting = ForeignKey(references=Meeting, null=False, on_delete=OnDelete.cascade, index=True)
    user = ForeignKey(references=User, null=False, on_delete=OnDelete.cascade, index=True)
    added_at = Timestamptz(default=TimestamptzNow())
    # UNIQUE (meeting, user): a unique index made in its migration (works on SQLite too).
