"""Registrations, the sessions each participant will attend, and check-ins at the door (one each)."""

from piccolo.columns import (
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
from idmevents.jobs.tables import Job
from idmevents.meetings.tables import Meeting, MeetingSession


class SeatHold(Table, tablename="seat_hold"):
    """Seats of a meeting kept for people not named yet (a delegation's quota).

    Until the meeting's `held_seats_release_at`, the part of `seats` not taken by the active
    registrations made into the hold is not free for anyone else (see `services._locks`).
    Registrations own this table so that the seat rules read it without knowing who asked for it.
    Whom the seats are kept for (a State's ISO code, or an organization's name) is written by the
    owner when it makes the hold, so that the desk, exports, badges and check-in name a delegate's
    delegation without reading the delegations domain above.
    """

    meeting = ForeignKey(references=Meeting, null=False, on_delete=OnDelete.cascade, index=True)
    seats = Integer(default=0)
    country = Varchar(length=2, default="")
    organization = Varchar(length=300, default="")
    created_at = Timestamptz(default=TimestamptzNow())


class Registration(Table, tablename="registration"):
    meeting = ForeignKey(references=Meeting, null=False, on_delete=OnDelete.cascade, index=True)
    token = Varchar(length=64, unique=True, index=True)  # the private /r/{token} link
    feed_token = Varchar(
        length=64, unique=True, index=True
    )  # the personal agenda feed; replaceable
    honorific = Varchar(length=50, default="")  # H.E., Ambassador, Dr…: printed before the name
    given_name = Varchar(length=200)
    family_name = Varchar(length=200)
    email = Varchar(length=320)
    email_key = Varchar(length=320)  # lower-cased, for the one-registration-per-email rule
    organization = Varchar(length=300, default="")
    position = Varchar(length=300, default="")
    category = Varchar(length=30)
    country = Varchar(length=2, default="")
    language = Varchar(length=5, default="en")
    # In the room or online; a hybrid meeting keeps a capacity and a waiting list for each.
    attendance = Varchar(length=20, default="in_person")  # in_person | online
    accessibility_needs = Text(default="")
    status = Varchar(length=20)  # pending | confirmed | waitlisted | rejected | cancelled
    # Arrival order on the waiting list; the position is the rank among those still waiting.
    waitlist_seq = Integer(null=True, default=None)
    rejection_reason = Text(default="")
    consented_at = Timestamptz(default=TimestamptzNow())
    # A separate, explicit consent to appear on the published list of participants.
    list_consent = Boolean(default=False)
    created_at = Timestamptz(default=TimestamptzNow())
    updated_at = Timestamptz(default=TimestamptzNow())
    confirmed_at = Timestamptz(null=True, default=None)
    cancelled_at = Timestamptz(null=True, default=None)
    badge_printed_at = Timestamptz(null=True, default=None)
    # The random half of the badge's check-in code (badges/codes.py); given when the badge is first
    # shown or printed, replaced to void a lost badge. UNIQUE: an index made in its migration.
    checkin_id = Varchar(length=16, null=True, default=None)
    # The held seats this registration was made into (a delegate named by a focal point).
    seat_hold = ForeignKey(references=SeatHold, null=True, on_delete=OnDelete.set_null, index=True)
    # The coarse network the registration came from (IPv4 /24, IPv6 /48; never the address), for
    # the desk's suspicious bursts (desk/bursts.py); erased with the other personal data.
    client_network = Varchar(length=64, default="")
    # In a meeting that wants addresses confirmed first: until when the place is held without it
    # (registrations/services/_confirm.py). None: confirmed, or no confirmation needed.
    unconfirmed_until = Timestamptz(null=True, default=None, index=True)
    # UNIQUE (meeting, email_key): a unique index made in the initial migration (works on SQLite too).


class SessionAttendance(Table, tablename="session_attendance"):
    """A participant's choice of a session; sessions with their own capacity keep a waiting list."""

    registration = ForeignKey(
        references=Registration, null=False, on_delete=OnDelete.cascade, index=True
    )
    meeting_session = ForeignKey(
        references=MeetingSession, null=False, on_delete=OnDelete.cascade, index=True
    )
    status = Varchar(length=20, default="confirmed")  # confirmed | waitlisted
    waitlist_seq = Integer(null=True, default=None)
    created_at = Timestamptz(default=TimestamptzNow())
    # UNIQUE (registration, meeting_session): a unique index made in the initial migration (works on SQLite too).


class CheckIn(Table, tablename="check_in"):
    registration = ForeignKey(
        references=Registration, null=False, on_delete=OnDelete.cascade, unique=True
    )
    checked_in_at = Timestamptz(default=TimestamptzNow())
    checked_in_by = ForeignKey(references=User, null=True, on_delete=OnDelete.set_null)
    desk = Varchar(length=100, default="")


class ReminderDelivery(Table, tablename="reminder_delivery"):
    """One reminder queued for one registration: written in the transaction that queues its
    email, so each person gets each reminder once, however many workers run."""

    meeting = ForeignKey(references=Meeting, null=False, on_delete=OnDelete.cascade, index=True)
    registration = ForeignKey(references=Registration, null=False, on_delete=OnDelete.cascade)
    reminder_offset = Varchar(length=40)  # the reminder's canonical offset, e.g. "-P7D"
    status = Varchar(length=20)  # what the registration was when reminded: confirmed | waitlisted
    message_id = Varchar(length=250, default="")  # the email's outbox Message-ID
    created_at = Timestamptz(default=TimestamptzNow())
    # UNIQUE (registration, reminder_offset): a unique index made in its migration (works on SQLite too).


class VisaRequest(Table, tablename="visa_request"):
    """A participant's request for a visa invitation letter, with the passport details it prints.

    Sensitive data: registrations own the table (the delegations domain decides the requests and
    issues the letters) so that `retention` erases it with the rest of a meeting's personal data.
    One request per registration: asking again after a decline replaces the declined one.
    """

    registration = ForeignKey(
        references=Registration, null=False, on_delete=OnDelete.cascade, unique=True
    )
    status = Varchar(length=20, default="pending")  # pending | approved | declined
    passport_name = Varchar(length=200, default="")
    nationality = Varchar(length=2, default="")
    birth_date = Date(null=True, default=None)
    passport_number = Varchar(length=20, default="")
    passport_expiry = Date(null=True, default=None)
    arrival = Date(null=True, default=None)
    departure = Date(null=True, default=None)
    purpose = Text(default="")
    decline_reason = Text(default="")
    letter_code = Varchar(length=32, default="")  # the approved letter's verification code
    created_at = Timestamptz(default=TimestamptzNow())
    decided_at = Timestamptz(null=True, default=None)


class Invitation(Table, tablename="invitation"):
    """An organizer's invitation to register in an invitation-only category, bound to one address.

    The personal link carries `token`; registering with it needs the same address (`email_key`,
    lower-cased) and uses it up (`registration`, `used_at`). UNIQUE (meeting, email_key): an index
    made in its migration.
    """

    meeting = ForeignKey(references=Meeting, null=False, on_delete=OnDelete.cascade, index=True)
    email = Varchar(length=320)
    email_key = Varchar(length=320)
    category = Varchar(length=30)
    given_name = Varchar(length=200, default="")
    family_name = Varchar(length=200, default="")
    language = Varchar(length=5, default="en")
    token = Varchar(length=64, unique=True)
    registration = ForeignKey(references=Registration, null=True, on_delete=OnDelete.set_null)
    used_at = Timestamptz(null=True, default=None)
    created_at = Timestamptz(default=TimestamptzNow())


class NoticeDelivery(Table, tablename="notice_delivery"):
    """One agenda-change notice queued for one registration, keyed by the job that queues it (one
    job per press of "Notify participants", i.e. per set of changes announced together): written
    in the transaction that queues its email, so a restarted job never emails anyone twice."""

    # No meeting column: the job names it (and goes with it), and each row saved is one foreign
    # key check fewer in a notice to 50,000 people.
    job = ForeignKey(references=Job, null=False, on_delete=OnDelete.cascade)
    registration = ForeignKey(references=Registration, null=False, on_delete=OnDelete.cascade)
    message_id = Varchar(length=250, default="")  # the email's outbox Message-ID
    created_at = Timestamptz(default=TimestamptzNow())
    # UNIQUE (job, registration): a unique index made in its migration (works on SQLite too).
