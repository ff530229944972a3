"""Registrations: what a valid form is, who gets a seat, the waiting lists, and every change of state.

Seats. A meeting's `capacity` (None: no limit) counts `confirmed` registrations. Every decision
about seats runs in `db.write_transaction()` after reading the meeting row with `db.locked()`
(FOR UPDATE on PostgreSQL; SQLite's IMMEDIATE transaction serialises writers): all changes to one
meeting's registrations queue on that one row, so no number of concurrent requests confirms more
people than there are seats, and the waiting list's order is the order of commits.

States. A new registration is `pending` when its category needs an organizer's approval (the
meeting's `approval_categories`), else `confirmed` while seats are free, else `waitlisted`, with
`waitlist_seq` one above the highest so far; a person's position is their rank among those still
waiting. Pending registrations do not hold a seat: approval confirms the person when a seat is
free and otherwise puts them at the end of the waiting list. When a confirmed person cancels or is
rejected, the seat goes to the first on the waiting list in the same transaction, and they are
told. A cancelled registration can be taken up again by its owner while registration is open, or
by an organizer even after it has closed; it is then decided like a new one. An organizer may also
reconsider a rejected one: it awaits approval again (see `reinstate`). An organizer who moves a
registration to another category never takes a seat or a place in line away; a pending one moved
out of approval is decided then (see `edit_registration`).

Sessions with their own capacity (side events) keep their own list the same way, in
`SessionAttendance`: a choice holds a place only while the registration is confirmed; other
choices wait (`waitlisted`, in order of choosing) and take a place, in that order, when one is
free and their registration is confirmed. Sessions without a capacity never wait.

Every change of state writes its email to the outbox inside the same transaction.
"""

from __future__ import annotations

import json
import re
import secrets
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import msgspec
from piccolo.query.functions.aggregate import Count, Max

from idmevents import audit, db
from idmevents.auth.tables import User
from idmevents.errors import Conflict, Forbidden, InvalidInput, NotFound
from idmevents.i18n import LANGUAGES, gettext
from idmevents.mail import recipes
from idmevents.mail.message import new_message_id
from idmevents.mail.outbox import message_domain
from idmevents.mail.tables import OutboxMessage
from idmevents.meetings.services import registration_is_open
from idmevents.meetings.tables import Meeting, MeetingSession
from idmevents.registrations import emails
from idmevents.registrations.countries import COUNTRY_CODES
from idmevents.registrations.invitation import MeetingSpan
from idmevents.registrations.labels import (  # noqa: F401  (part of this module's interface)
    CATEGORIES,
    category_label,
    language_label,
    status_label,
)
from idmevents.registrations.tables import Registration, SessionAttendance
from idmevents.settings import get_settings

# Delegations speak for a country: these categories must name it.
COUNTRY_REQUIRED = frozenset({"member-state", "observer"})
STATUSES = ("pending", "confirmed", "waitlisted", "rejected", "cancelled")
ACTIVE_STATUSES = ("pending", "confirmed", "waitlisted")
# The widths of the columns they go into.
MAX_LENGTHS = {
    "given_name": 200,
    "family_name": 200,
    "email": 320,
    "organization": 300,
    "position": 300,
    "accessibility_needs": 2000,
}
# What an organizer may change (`edit_registration`), in the order the form shows them.
EDIT_FIELDS = (
    "given_name",
    "family_name",
    "email",
    "organization",
    "position",
    "category",
    "country",
    "language",
    "accessibility_needs",
)
# What a participant may change from their private page: all but the address and the category.
DETAIL_FIELDS = tuple(name for name in EDIT_FIELDS if name not in {"email", "category"})
# Someone typing an address already registered gets its link again, but not more often than this:
# otherwise the form would be a way to fill a stranger's mailbox.
LINK_RESEND_INTERVAL = timedelta(minutes=5)
TOKEN_BYTES = 32

Actor = str | int  # "participant", "system", or an organizer's user id


# ---------------------------------------------------------------------------------------------
# Forms


class RegistrationForm(msgspec.Struct, kw_only=True):
    """What a person submitted, as text and flags; `problems` holds what the edge already found
    wrong with its shape (a number where text belongs, an unknown field), keyed by field."""

    given_name: str = ""
    family_name: str = ""
    email: str = ""
    organization: str = ""
    position: str = ""
    category: str = ""
    country: str = ""
    language: str = "en"
    accessibility_needs: str = ""
    consent: bool = False
    sessions: list[int] = []
    problems: dict[str, str] = {}


class DetailsForm(msgspec.Struct, kw_only=True):
    """The details a participant may change from their private page."""

    given_name: str = ""
    family_name: str = ""
    organization: str = ""
    position: str = ""
    country: str = ""
    language: str = "en"
    accessibility_needs: str = ""
    problems: dict[str, str] = {}


class RegistrationEdit(msgspec.Struct, kw_only=True):
    """What an organizer may change on a registration (see `edit_registration`): its details, its
    email address and its category. A field left None keeps its value."""

    given_name: str | None = None
    family_name: str | None = None
    email: str | None = None
    organization: str | None = None
    position: str | None = None
    category: str | None = None
    country: str | None = None
    language: str | None = None
    accessibility_needs: str | None = None
    problems: dict[str, str] = {}


_SPACES = re.compile(r"\s+")
_EMAIL_LOCAL = re.compile(r"^[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*$")
_DOMAIN_LABEL = re.compile(r"^[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?$")


def single_line(value: str) -> str:
    """One line of text: every run of white space (CR and LF included) becomes one space, and
    other control characters go. A name can then never break a header or a CSV row."""
    value = "".join(ch for ch in value if unicodedata.category(ch) != "Cc" or ch.isspace())
    return _SPACES.sub(" ", value).strip()


def multi_line(value: str) -> str:
    value = value.replace("\r\n", "\n").replace("\r", "\n")
    value = "".join(ch for ch in value if unicodedata.category(ch) != "Cc" or ch in "\n\t")
    return value.strip()


def normalize_email(value: str) -> str | None:
    """The address with its domain in ASCII (IDNA), or None when it is not an address we can mail."""
    value = value.strip()
    local, at, domain = value.rpartition("@")
    if not at or not local or not domain or len(local) > 64:
        return None
    if not _EMAIL_LOCAL.match(local):
        return None
    try:
        domain = domain.encode("idna").decode("ascii").lower()
    except UnicodeError:
        return None
    labels = domain.split(".")
    if len(domain) > 253 or len(labels) < 2 or not all(_DOMAIN_LABEL.match(x) for x in labels):
        return None
    if labels[-1].isdigit():
        return None
    return f"{local}@{domain}"


def _check_text(
    name: str, value: str, problems: dict[str, str], *, required: str | None, multiline=False
) -> str:
    value = multi_line(value) if multiline else single_line(value)
    if name in problems:
        return value
    if not value and required:
        problems[name] = required
    elif len(value) > MAX_LENGTHS[name]:
        problems[name] = gettext("Use at most %(limit)s characters.") % {"limit": MAX_LENGTHS[name]}
    return value


def _check_country(
    value: str, category: str, problems: dict[str, str], *, category_known: bool = True
) -> str:
    value = value.strip().upper()
    if "country" in problems:
        return value
    if value and value not in COUNTRY_CODES:
        problems["country"] = gettext("Use a two-letter ISO 3166 country code, such as CH or US.")
    elif not value and category_known and category in COUNTRY_REQUIRED:
        problems["country"] = gettext(
            "Choose the country of your delegation: Member States and Observers must name it."
        )
    return value


def _check_language(value: str, problems: dict[str, str]) -> str:
    value = value.strip().lower() or "en"
    if "language" not in problems and value not in LANGUAGES:
        problems["language"] = gettext("Choose one of: %(choices)s.") % {
            "choices": ", ".join(LANGUAGES)
        }
    return value


def _check_email(value: str, problems: dict[str, str]) -> str:
    """The address as we store it (see `normalize_email`), or the text as typed with a problem."""
    value = value.strip()
    if "email" in problems:
        return value
    if not value:
        problems["email"] = gettext("Enter your email address.")
    elif len(value) > MAX_LENGTHS["email"] or normalize_email(value) is None:
        problems["email"] = gettext("Enter an email address in the form name@example.org.")
    else:
        return normalize_email(value) or value
    return value


def _check_category(value: str, problems: dict[str, str]) -> str:
    value = value.strip().lower()
    if "category" in problems:
        return value
    if not value:
        problems["category"] = gettext("Choose the category you are registering in.")
    elif value not in CATEGORIES:
        problems["category"] = gettext("Choose one of: %(choices)s.") % {
            "choices": ", ".join(CATEGORIES)
        }
    return value


def check_registration(form: RegistrationForm, choosable: Mapping[int, dict]) -> RegistrationForm:
    """The form cleaned up, or InvalidInput naming every bad field and why."""
    problems = dict(form.problems)
    given_name = _check_text(
        "given_name", form.given_name, problems, required=gettext("Enter your given name.")
    )
    family_name = _check_text(
        "family_name", form.family_name, problems, required=gettext("Enter your family name.")
    )
    email = _check_email(form.email, problems)
    organization = _check_text(
        "organization",
        form.organization,
        problems,
        required=gettext("Enter the organization, ministry or mission you represent."),
    )
    position = _check_text("position", form.position, problems, required=None)
    category = _check_category(form.category, problems)
    country = _check_country(
        form.country, category, problems, category_known="category" not in problems
    )
    language = _check_language(form.language, problems)
    needs = _check_text(
        "accessibility_needs", form.accessibility_needs, problems, required=None, multiline=True
    )
    if "consent" not in problems and form.consent is not True:
        problems["consent"] = gettext(
            "You must agree to the use of your details for this meeting to register."
        )
    sessions = list(dict.fromkeys(form.sessions))
    if "sessions" not in problems:
        unknown = [str(s) for s in sessions if s not in choosable]
        if unknown:
            problems["sessions"] = gettext(
                "These are not sessions of this meeting that you can sign up for: %(ids)s."
            ) % {"ids": ", ".join(unknown)}
    if problems:
        raise InvalidInput(
            gettext("Some fields need your attention."), fields=_in_form_order(problems)
        )
    return RegistrationForm(
        given_name=given_name,
        family_name=family_name,
        email=email,
        organization=organization,
        position=position,
        category=category,
        country=country,
        language=language,
        accessibility_needs=needs,
        consent=True,
        sessions=sessions,
    )


def check_details(form: DetailsForm, category: str) -> DetailsForm:
    problems = dict(form.problems)
    cleaned = _checked_details(form, category, problems)
    if problems:
        raise InvalidInput(
            gettext("Some fields need your attention."), fields=_in_form_order(problems)
        )
    return cleaned


def _checked_details(
    form: DetailsForm, category: str, problems: dict[str, str], *, category_known: bool = True
) -> DetailsForm:
    """The details cleaned up; what is wrong with them is added to `problems`."""
    return DetailsForm(
        given_name=_check_text(
            "given_name", form.given_name, problems, required=gettext("Enter your given name.")
        ),
        family_name=_check_text(
            "family_name", form.family_name, problems, required=gettext("Enter your family name.")
        ),
        organization=_check_text(
            "organization",
            form.organization,
            problems,
            required=gettext("Enter the organization, ministry or mission you represent."),
        ),
        position=_check_text("position", form.position, problems, required=None),
        country=_check_country(form.country, category, problems, category_known=category_known),
        language=_check_language(form.language, problems),
        accessibility_needs=_check_text(
            "accessibility_needs",
            form.accessibility_needs,
            problems,
            required=None,
            multiline=True,
        ),
    )


def _as_form(data: Mapping[str, Any], kind: type[msgspec.Struct]) -> Any:
    """A mapping from another part of the program, as a form; a value of the wrong type is a
    422 naming its field, not a crash."""
    try:
        return msgspec.convert(dict(data), kind)
    except msgspec.ValidationError as exc:
        field = str(exc).rpartition("$.")[2].split("[")[0].strip("`") or "form"
        raise InvalidInput(
            gettext("Some fields need your attention."), fields={field: str(exc)}
        ) from None


# The registration form's fields, top to bottom.
_FIELD_ORDER = (*EDIT_FIELDS, "sessions", "consent")


def _in_form_order(problems: dict[str, str]) -> dict[str, str]:
    """Errors in the order the form shows its fields, so the summary reads top to bottom."""
    rank = {name: i for i, name in enumerate(_FIELD_ORDER)}
    return dict(sorted(problems.items(), key=lambda item: rank.get(item[0], len(rank))))


# ---------------------------------------------------------------------------------------------
# What the pages and the API read


@dataclass(frozen=True)
class SessionChoice:
    """A session someone can sign up for, and where this registration stands with it."""

    id: int
    title: str
    kind: str
    starts_at: datetime
    ends_at: datetime
    room_name: str
    capacity: int | None
    places_left: int | None  # None: no limit
    chosen: bool = False
    status: str | None = None  # confirmed | waitlisted, when chosen
    position: int | None = None  # on the session's waiting list, once the registration is confirmed


@dataclass
class RegistrationView:
    """A registration as its private page shows it."""

    registration: dict
    meeting: dict
    waitlist_position: int | None
    sessions: list[SessionChoice] = field(default_factory=list)
    registration_open: bool = False

    @property
    def active(self) -> bool:
        return self.registration["status"] in ACTIVE_STATUSES


@dataclass(frozen=True)
class RegistrationResult:
    registration: dict
    waitlist_position: int | None
    sessions: list[SessionChoice]
    changed: tuple[str, ...] = ()  # the fields an edit changed

    @property
    def status(self) -> str:
        return self.registration["status"]

    @property
    def token(self) -> str:
        return self.registration["token"]


def new_token() -> str:
    return secrets.token_urlsafe(TOKEN_BYTES)


def manage_url(token: str) -> str:
    return f"{get_settings().base_url}/r/{token}"


def approval_categories(meeting: dict) -> list[str]:
    value = meeting.get("approval_categories") or []
    if isinstance(value, str):  # Piccolo hands JSON columns back as text
        value = json.loads(value or "[]")
    return list(value)


async def choosable_sessions(meeting_id: int) -> dict[int, dict]:
    """The sessions a participant may sign up for: scheduled ones, breaks aside, in time order."""
    rows = (
        await MeetingSession.select(
            MeetingSession.id,
            MeetingSession.title,
            MeetingSession.kind,
            MeetingSession.starts_at,
            MeetingSession.ends_at,
            MeetingSession.capacity,
            MeetingSession.room.name.as_alias("room_name"),
        )
        .where(
            (MeetingSession.meeting == meeting_id)
            & (MeetingSession.status == "scheduled")
            & (MeetingSession.kind != "break")
        )
        .order_by(MeetingSession.starts_at)
        .order_by(MeetingSession.id)
    )
    return {row["id"]: row for row in rows}


async def get_by_token(token: str) -> dict:
    # Tokens are 43 characters; anything else is not one of ours and needs no query.
    if not token or len(token) > 64:
        raise NotFound(gettext("There is no registration at this address."))
    row = await Registration.select().where(Registration.token == token).first()
    if row is None:
        raise NotFound(gettext("There is no registration at this address."))
    return row


async def waitlist_position(registration: dict) -> int | None:
    """1 for the first in line; None when the registration is not waiting."""
    if registration["status"] != "waitlisted" or registration["waitlist_seq"] is None:
        return None
    return await Registration.count().where(
        (Registration.meeting == registration["meeting"])
        & (Registration.status == "waitlisted")
        & (Registration.waitlist_seq <= registration["waitlist_seq"])
    )


async def session_choices(meeting_id: int, registration: dict | None) -> list[SessionChoice]:
    sessions = await choosable_sessions(meeting_id)
    return await _session_choices(sessions, registration)


async def _session_choices(
    sessions: Mapping[int, dict], registration: dict | None
) -> list[SessionChoice]:
    if not sessions:
        return []
    capped = [sid for sid, row in sessions.items() if row["capacity"] is not None]
    taken: dict[int, int] = {}
    if capped:
        rows = (
            await SessionAttendance.select(SessionAttendance.meeting_session, Count())
            .where(
                SessionAttendance.meeting_session.is_in(capped)
                & (SessionAttendance.status == "confirmed")
            )
            .group_by(SessionAttendance.meeting_session)
        )
        taken = {row["meeting_session"]: row["count"] for row in rows}
    mine: dict[int, dict] = {}
    if registration is not None:
        rows = await SessionAttendance.select().where(
            SessionAttendance.registration == registration["id"]
        )
        mine = {row["meeting_session"]: row for row in rows}
    choices = []
    for sid, row in sessions.items():
        attendance = mine.get(sid)
        position = None
        if (
            attendance is not None
            and attendance["status"] == "waitlisted"
            and registration is not None
            and registration["status"] == "confirmed"
        ):
            position = await _session_position(attendance)
        capacity = row["capacity"]
        choices.append(
            SessionChoice(
                id=sid,
                title=row["title"],
                kind=row["kind"],
                starts_at=row["starts_at"],
                ends_at=row["ends_at"],
                room_name=row.get("room_name") or "",
                capacity=capacity,
                places_left=None if capacity is None else max(0, capacity - taken.get(sid, 0)),
                chosen=attendance is not None,
                status=attendance["status"] if attendance else None,
                position=position,
            )
        )
    return choices


async def _session_position(attendance: dict) -> int:
    """Rank among those waiting for the session whose registration is confirmed (the others wait
    for their registration first)."""
    return await SessionAttendance.count().where(
        (SessionAttendance.meeting_session == attendance["meeting_session"])
        & (SessionAttendance.status == "waitlisted")
        & (SessionAttendance.waitlist_seq <= attendance["waitlist_seq"])
        & (SessionAttendance.registration.status == "confirmed")
    )


async def registration_view(token: str, *, now: datetime) -> RegistrationView:
    registration = await get_by_token(token)
    meeting = await Meeting.select().where(Meeting.id == registration["meeting"]).first()
    if meeting is None:  # pragma: no cover - the foreign key cascades
        raise NotFound(gettext("There is no registration at this address."))
    return RegistrationView(
        registration=registration,
        meeting=meeting,
        waitlist_position=await waitlist_position(registration),
        sessions=await session_choices(meeting["id"], registration),
        registration_open=registration_is_open(meeting, now),
    )


# ---------------------------------------------------------------------------------------------
# Inside the write transaction


class _Meeting:
    """The locked meeting row and what the emails of this transaction need to know about it."""

    def __init__(self, row: dict, span: MeetingSpan | None = None) -> None:
        self.row = row
        self.id: int = row["id"]
        self.capacity: int | None = row["capacity"]
        self._span = span

    async def span(self) -> MeetingSpan:
        if self._span is None:
            self._span = await meeting_span(self.row)
        return self._span


async def meeting_span(meeting: dict) -> MeetingSpan:
    bounds = (
        await MeetingSession.select(
            MeetingSession.starts_at.as_alias("first"), MeetingSession.ends_at.as_alias("last")
        )
        .where((MeetingSession.meeting == meeting["id"]) & (MeetingSession.status == "scheduled"))
        .order_by(MeetingSession.starts_at)
    )
    if not bounds:
        return MeetingSpan(meeting["timezone"], meeting["starts_on"], meeting["ends_on"])
    return MeetingSpan(
        meeting["timezone"],
        meeting["starts_on"],
        meeting["ends_on"],
        starts_at=bounds[0]["first"],
        ends_at=max(row["last"] for row in bounds),
    )


async def _registration_by_email(meeting_id: int, email_key: str) -> dict | None:
    return (
        await Registration.select()
        .where((Registration.meeting == meeting_id) & (Registration.email_key == email_key))
        .first()
    )


async def _lock_meeting(meeting_id: int, span: MeetingSpan | None = None) -> _Meeting:
    row = await db.locked(Meeting.select().where(Meeting.id == meeting_id)).first()
    if row is None:
        raise NotFound(gettext("This meeting no longer exists."))
    return _Meeting(row, span)


async def _lock_registration(registration_id: int) -> tuple[dict, _Meeting]:
    """The registration and its meeting, the meeting locked first (the one lock order everywhere)."""
    found = (
        await Registration.select(Registration.meeting)
        .where(Registration.id == registration_id)
        .first()
    )
    if found is None:
        raise NotFound(gettext("There is no such registration."))
    meeting = await _lock_meeting(found["meeting"])
    registration = await Registration.select().where(Registration.id == registration_id).first()
    if registration is None:  # deleted while we waited for the lock
        raise NotFound(gettext("There is no such registration."))
    return registration, meeting


async def _status_counts(meeting_id: int) -> dict[str, int]:
    rows = (
        await Registration.select(Registration.status, Count())
        .where(Registration.meeting == meeting_id)
        .group_by(Registration.status)
    )
    return {row["status"]: row["count"] for row in rows}


async def _next_waitlist_seq(meeting_id: int) -> int:
    row = await Registration.select(Max(Registration.waitlist_seq, alias="top")).where(
        Registration.meeting == meeting_id
    )
    return (row[0]["top"] or 0) + 1 if row else 1


async def _fill_seats(meeting: _Meeting, *, now: datetime) -> None:
    """Give every free seat to the next on the waiting list, in order, and tell each of them."""
    if meeting.capacity is None:
        waiting_limit = None
    else:
        counts = await _status_counts(meeting.id)
        free = meeting.capacity - counts.get("confirmed", 0)
        if free <= 0 or not counts.get("waitlisted"):
            return
        waiting_limit = free
    query = (
        Registration.select()
        .where((Registration.meeting == meeting.id) & (Registration.status == "waitlisted"))
        .order_by(Registration.waitlist_seq)
    )
    if waiting_limit is not None:
        query = query.limit(waiting_limit)
    for registration in await query:
        await _confirm(registration, meeting, now=now, email_kind="promoted", by="system")


async def _confirm(
    registration: dict,
    meeting: _Meeting,
    *,
    now: datetime,
    email_kind: str,
    by: Actor,
    beyond: dict[str, int] | None = None,
) -> dict:
    await Registration.update(
        {
            Registration.status: "confirmed",
            Registration.confirmed_at: now,
            Registration.updated_at: now,
        }
    ).where(Registration.id == registration["id"])
    registration = registration | {"status": "confirmed", "confirmed_at": now, "updated_at": now}
    await _settle_sessions_of(registration, now=now)
    await emails.queue(
        email_kind,
        registration,
        meeting.row,
        span=await meeting.span(),
        now=now,
        sessions=await session_choices(meeting.id, registration),
        invitation="REQUEST",
    )
    summary = f"{registration['given_name']} {registration['family_name']} confirmed"
    if beyond is not None:
        summary += f" beyond capacity ({beyond['confirmed']} of {beyond['capacity']} seats)"
    await _audit(
        by,
        f"registration.{email_kind}",
        registration,
        meeting.row,
        now=now,
        summary=summary,
        data={"over_capacity": beyond} if beyond is not None else None,
    )
    return registration


async def _settle_sessions_of(registration: dict, *, now: datetime) -> None:
    """A registration just confirmed: its waiting session choices take the free places."""
    waiting = await SessionAttendance.select(SessionAttendance.meeting_session).where(
        (SessionAttendance.registration == registration["id"])
        & (SessionAttendance.status == "waitlisted")
    )
    for row in waiting:
        # Its own confirmation email lists its sessions: no separate email for these.
        await _settle_session(row["meeting_session"], now=now, quiet={registration["id"]})


async def _settle_session(session_id: int, *, now: datetime, quiet: set[int] = frozenset()) -> None:
    """Give the session's free places to those waiting whose registration is confirmed, in order."""
    session = await MeetingSession.select().where(MeetingSession.id == session_id).first()
    if session is None:
        return
    if session["capacity"] is None:
        free = None
    else:
        taken = await SessionAttendance.count().where(
            (SessionAttendance.meeting_session == session_id)
            & (SessionAttendance.status == "confirmed")
        )
        free = session["capacity"] - taken
        if free <= 0:
            return
    query = (
        SessionAttendance.select(
            SessionAttendance.id, SessionAttendance.registration.id.as_alias("registration_id")
        )
        .where(
            (SessionAttendance.meeting_session == session_id)
            & (SessionAttendance.status == "waitlisted")
            & (SessionAttendance.registration.status == "confirmed")
        )
        .order_by(SessionAttendance.waitlist_seq)
    )
    if free is not None:
        query = query.limit(free)
    promoted = await query
    if not promoted:
        return
    await SessionAttendance.update({SessionAttendance.status: "confirmed"}).where(
        SessionAttendance.id.is_in([row["id"] for row in promoted])
    )
    told = [row["registration_id"] for row in promoted if row["registration_id"] not in quiet]
    if not told:
        return
    # Two queries for all of them, not two per person.
    meeting = await Meeting.select().where(Meeting.id == session["meeting"]).first()
    registrations = await Registration.select().where(Registration.id.is_in(told))
    by_id = {registration["id"]: registration for registration in registrations}
    for registration_id in told:
        registration = by_id[registration_id]
        await emails.queue(
            "session-promoted",
            registration,
            meeting,
            span=None,
            now=now,
            session=session,
        )


async def _add_session_choice(
    registration: dict, session: dict, *, now: datetime
) -> SessionAttendance:
    if session["capacity"] is None:
        status, seq = "confirmed", None
    else:
        # Anyone confirmed still waiting for a place was there first.
        await _settle_session(session["id"], now=now)
        taken = await SessionAttendance.count().where(
            (SessionAttendance.meeting_session == session["id"])
            & (SessionAttendance.status == "confirmed")
        )
        if registration["status"] == "confirmed" and taken < session["capacity"]:
            status, seq = "confirmed", None
        else:
            top = await SessionAttendance.select(
                Max(SessionAttendance.waitlist_seq, alias="top")
            ).where(SessionAttendance.meeting_session == session["id"])
            status, seq = "waitlisted", (top[0]["top"] or 0) + 1
    await SessionAttendance.insert(
        SessionAttendance(
            registration=registration["id"],
            meeting_session=session["id"],
            status=status,
            waitlist_seq=seq,
            created_at=now,
        )
    ).on_conflict(action="DO NOTHING")


async def _drop_sessions(
    registration: dict, *, now: datetime, only: set[int] | None = None
) -> None:
    """Remove the registration's session choices (all, or `only` those) and pass on the places."""
    query = SessionAttendance.select().where(SessionAttendance.registration == registration["id"])
    rows = await query
    if only is not None:
        rows = [row for row in rows if row["meeting_session"] in only]
    if not rows:
        return
    await SessionAttendance.delete().where(SessionAttendance.id.is_in([row["id"] for row in rows]))
    for row in rows:
        if row["status"] == "confirmed":
            await _settle_session(row["meeting_session"], now=now)


async def _audit(
    by: Actor,
    action: str,
    registration: dict,
    meeting: dict,
    *,
    now: datetime,
    summary: str = "",
    data: dict | None = None,
) -> None:
    """One line in the audit log, in the transaction of the change it records."""
    user_id = by if isinstance(by, int) else None
    actor = by if isinstance(by, str) else ""
    if user_id is not None:
        user = await User.select(User.email).where(User.id == user_id).first()
        actor = user["email"] if user else f"user {user_id}"
    await audit.record(
        user_id=user_id,
        actor=actor,
        action=action,
        entity_type="registration",
        entity_id=registration["id"],
        meeting_slug=meeting["slug"],
        summary=summary,
        data=data,
        now=now,
    )


async def _send_link_again(registration: dict, meeting: _Meeting, *, now: datetime) -> None:
    recent = await OutboxMessage.exists().where(
        (OutboxMessage.registration == registration["id"])
        & (OutboxMessage.kind == emails.kind_of("link"))
        & (OutboxMessage.created_at > now - LINK_RESEND_INTERVAL)
    )
    if recent:
        return
    await emails.queue(
        "link",
        registration,
        meeting.row,
        span=None,
        now=now,
        position=await waitlist_position(registration),
    )


# ---------------------------------------------------------------------------------------------
# The verbs


def _closed_conflict(meeting: dict, now: datetime) -> Conflict:
    opens = meeting["registration_opens_at"]
    if meeting["status"] == "published" and opens is not None and now < opens:
        message = gettext("Registration for this meeting is not open yet.")
    else:
        message = gettext("Registration for this meeting is closed.")
    return Conflict(message, reason="closed")


def _duplicate_conflict() -> Conflict:
    return Conflict(
        gettext(
            "This email address is already registered for this meeting. We have emailed the "
            "link to that registration again: use it to see or change it."
        ),
        reason="duplicate",
    )


async def register(
    meeting: dict, form: RegistrationForm | Mapping[str, Any], *, now: datetime
) -> RegistrationResult:
    """Register a person for a meeting.

    Raises Conflict when registration is closed or the email is already registered (whose link is
    then emailed again), InvalidInput naming every bad field.
    """
    if not registration_is_open(meeting, now):
        raise _closed_conflict(meeting, now)
    if not isinstance(form, RegistrationForm):
        form = _as_form(form, RegistrationForm)
    # Read before the lock: every moment the meeting row is locked, other registrations wait.
    sessions = await choosable_sessions(meeting["id"]) if form.sessions else {}
    form = check_registration(form, sessions)
    email_key = form.email.lower()
    if not form.sessions and not db.is_sqlite():
        result = await _register_in_one_statement(meeting["id"], form, email_key, now=now)
        if result is not None:
            return result
    async with db.write_transaction():
        result = await _register_locked(meeting["id"], form, sessions, email_key, now=now)
    # A duplicate leaves the transaction normally: the link it emailed again must be committed.
    if result is None:
        raise _duplicate_conflict()
    return result


def _new_registration(
    meeting_id: int, form: RegistrationForm, email_key: str, *, now: datetime
) -> dict:
    """The row of a newcomer, all but its status (`status`, `waitlist_seq`, `confirmed_at`)."""
    return {
        "meeting": meeting_id,
        "token": new_token(),
        "feed_token": new_token(),
        "given_name": form.given_name,
        "family_name": form.family_name,
        "email": form.email,
        "email_key": email_key,
        "organization": form.organization,
        "position": form.position,
        "category": form.category,
        "country": form.country,
        "language": form.language,
        "accessibility_needs": form.accessibility_needs,
        "rejection_reason": "",
        "consented_at": now,
        "created_at": now,
        "updated_at": now,
        "cancelled_at": None,
        "badge_printed_at": None,
    }


async def _register_in_one_statement(
    meeting_id: int, form: RegistrationForm, email_key: str, *, now: datetime
) -> RegistrationResult | None:
    """PostgreSQL, no session chosen: decided and written by `idmevents_register` (see its
    migration) in one round trip. None: a case it leaves to `_register_locked`."""
    values = _new_registration(meeting_id, form, email_key, now=now)
    text_values = {name: value for name, value in values.items() if isinstance(value, str)}
    rows = await Registration.raw(
        "SELECT * FROM idmevents_register({}, {}, {}, {})",
        meeting_id,
        now,
        json.dumps(text_values),
        new_message_id(message_domain()),
    )
    outcome = rows[0]
    if outcome["outcome"] != "created":
        return None
    status = outcome["status"]
    registration = values | {
        "id": outcome["registration_id"],
        "status": status,
        "waitlist_seq": outcome["waitlist_seq"],
        "confirmed_at": now if status == "confirmed" else None,
    }
    return RegistrationResult(
        registration=registration, waitlist_position=outcome["waitlist_position"], sessions=[]
    )


async def _register_locked(
    meeting_id: int,
    form: RegistrationForm,
    sessions: Mapping[int, dict],
    email_key: str,
    *,
    now: datetime,
) -> RegistrationResult | None:
    """The registration decided and written, or None for an email already registered."""
    locked = await _lock_meeting(meeting_id)
    if not registration_is_open(locked.row, now):
        raise _closed_conflict(locked.row, now)
    existing = await _registration_by_email(locked.id, email_key)
    if existing is not None:
        await _send_link_again(existing, locked, now=now)
        return None
    status, seq = await _decide(locked, form.category, now=now)
    values = _new_registration(locked.id, form, email_key, now=now) | {
        "status": status,
        "waitlist_seq": seq,
        "confirmed_at": now if status == "confirmed" else None,
    }
    # The unique index on (meeting, email_key) is the backstop: a twin that got past the check
    # above (a writer that did not take the meeting lock) makes this insert nothing, not fail.
    inserted = (
        await Registration.insert(Registration(**values))
        .on_conflict(action="DO NOTHING")
        .returning(Registration.id)
    )
    if not inserted:
        existing = await _registration_by_email(locked.id, email_key)
        if existing is not None:
            await _send_link_again(existing, locked, now=now)
        return None
    registration = values | {"id": inserted[0]["id"]}
    for session_id in form.sessions:
        await _add_session_choice(registration, sessions[session_id], now=now)
    position = await waitlist_position(registration)
    # Only chosen sessions are reported or emailed: with none chosen there is nothing to read.
    choices = await _session_choices(sessions, registration) if form.sessions else []
    await emails.queue_announcement(
        registration, now=now, position=position, with_sessions=bool(form.sessions)
    )
    await _audit(
        "participant",
        "registration.created",
        registration,
        locked.row,
        now=now,
        summary=f"{form.given_name} {form.family_name} registered: {status}",
    )
    return RegistrationResult(
        registration=registration, waitlist_position=position, sessions=choices
    )


async def _decide(meeting: _Meeting, category: str, *, now: datetime) -> tuple[str, int | None]:
    """The status a newcomer gets (and their waiting-list number), the meeting being locked."""
    if category in approval_categories(meeting.row):
        return "pending", None
    if meeting.capacity is None:
        return "confirmed", None
    counts = await _status_counts(meeting.id)
    if counts.get("waitlisted") and counts.get("confirmed", 0) < meeting.capacity:
        # Seats came free without anyone moving up (the capacity was raised): those waiting
        # were here first.
        await _fill_seats(meeting, now=now)
        counts = await _status_counts(meeting.id)
    if counts.get("confirmed", 0) < meeting.capacity:
        return "confirmed", None
    return "waitlisted", await _next_waitlist_seq(meeting.id)


async def approve(
    registration_id: int, *, by: Actor, now: datetime, over_capacity: bool = False
) -> RegistrationResult:
    """Approve a pending registration: confirmed if a seat is free, else last on the waiting list.

    With `over_capacity` an organizer confirms the person even when every seat is taken (a head
    of delegation approved late); the audit entry says the meeting went over its capacity.
    """
    async with db.write_transaction():
        registration, meeting = await _lock_registration(registration_id)
        if registration["status"] != "pending":
            raise Conflict(
                gettext("Only a registration awaiting approval can be approved."),
                reason="not-pending",
            )
        await _fill_seats(meeting, now=now)
        counts = await _status_counts(meeting.id)
        full = meeting.capacity is not None and counts.get("confirmed", 0) >= meeting.capacity
        if not full or over_capacity:
            registration = await _confirm(
                registration,
                meeting,
                now=now,
                email_kind="approved",
                by=by,
                beyond=_beyond_capacity(meeting, counts) if full else None,
            )
        else:
            seq = await _next_waitlist_seq(meeting.id)
            await Registration.update(
                {
                    Registration.status: "waitlisted",
                    Registration.waitlist_seq: seq,
                    Registration.updated_at: now,
                }
            ).where(Registration.id == registration_id)
            registration = registration | {
                "status": "waitlisted",
                "waitlist_seq": seq,
                "updated_at": now,
            }
            await emails.queue(
                "approved",
                registration,
                meeting.row,
                span=None,
                now=now,
                position=await waitlist_position(registration),
                sessions=await session_choices(meeting.id, registration),
            )
            await _audit(
                by,
                "registration.approved",
                registration,
                meeting.row,
                now=now,
                summary="approved onto the waiting list",
            )
        return await _result(registration)


async def reject(
    registration_id: int, reason: str, *, by: Actor, now: datetime
) -> RegistrationResult:
    """Turn a registration down with a reason the person will read; a confirmed seat moves on."""
    reason = multi_line(reason)
    if not reason:
        raise InvalidInput(
            gettext("Some fields need your attention."),
            fields={"reason": gettext("Give the reason: the person will read it.")},
        )
    if len(reason) > 2000:
        raise InvalidInput(
            gettext("Some fields need your attention."),
            fields={"reason": gettext("Use at most %(limit)s characters.") % {"limit": 2000}},
        )
    return await _end_registration(
        registration_id,
        status="rejected",
        changes={Registration.rejection_reason: reason},
        email_kind="rejected",
        email_context={"reason": reason},
        action="registration.rejected",
        summary=reason,
        by=by,
        now=now,
    )


async def cancel(registration_id: int, *, by: Actor, now: datetime) -> RegistrationResult:
    """Cancel a registration (by its owner, or removed by an organizer); a confirmed seat moves on."""
    return await _end_registration(
        registration_id,
        status="cancelled",
        changes={Registration.cancelled_at: now},
        email_kind="cancelled",
        email_context={"by_organizer": by != "participant"},
        action="registration.cancelled",
        summary="",
        by=by,
        now=now,
    )


async def _end_registration(
    registration_id: int,
    *,
    status: str,
    changes: dict,
    email_kind: str,
    email_context: dict,
    action: str,
    summary: str,
    by: Actor,
    now: datetime,
) -> RegistrationResult:
    """Cancel or reject: the status, the person's session places, their email, the audit entry,
    and — when they held a seat — the waiting list moving up, all in one transaction."""
    async with db.write_transaction():
        registration, meeting = await _lock_registration(registration_id)
        if registration["status"] not in ACTIVE_STATUSES:
            raise Conflict(
                gettext("This registration is already cancelled or turned down."),
                reason="not-active",
            )
        was_confirmed = registration["status"] == "confirmed"
        await Registration.update(
            {Registration.status: status, Registration.updated_at: now, **changes}
        ).where(Registration.id == registration_id)
        registration = registration | {
            "status": status,
            "updated_at": now,
            **{column._meta.name: value for column, value in changes.items()},
        }
        await _drop_sessions(registration, now=now)
        await emails.queue(
            email_kind,
            registration,
            meeting.row,
            span=await meeting.span() if was_confirmed else None,
            now=now,
            registration_open=registration_is_open(meeting.row, now),
            invitation="CANCEL" if was_confirmed else None,
            **email_context,
        )
        await _audit(by, action, registration, meeting.row, now=now, summary=summary)
        if was_confirmed:
            await _fill_seats(meeting, now=now)
        return await _result(registration)


async def promote(
    registration_id: int, *, by: Actor, now: datetime, over_capacity: bool = False
) -> RegistrationResult:
    """An organizer moves someone from the waiting list to a seat, out of turn if they choose.

    Without `over_capacity` there must be a free seat; with it, the meeting may go over its
    capacity (a speaker's assistant, a late head of delegation).
    """
    async with db.write_transaction():
        registration, meeting = await _lock_registration(registration_id)
        if registration["status"] != "waitlisted":
            raise Conflict(
                gettext("Only a registration on the waiting list can be promoted."),
                reason="not-waitlisted",
            )
        counts = await _status_counts(meeting.id)
        full = meeting.capacity is not None and counts.get("confirmed", 0) >= meeting.capacity
        if full and not over_capacity:
            raise Conflict(
                gettext("The meeting is full: there is no free seat to promote anyone to."),
                reason="full",
            )
        registration = await _confirm(
            registration,
            meeting,
            now=now,
            email_kind="promoted",
            by=by,
            beyond=_beyond_capacity(meeting, counts) if full else None,
        )
        return await _result(registration)


def _beyond_capacity(meeting: _Meeting, counts: dict[str, int]) -> dict[str, int]:
    """What the audit log keeps of a confirmation past the last seat: seats taken after it."""
    return {"confirmed": counts.get("confirmed", 0) + 1, "capacity": meeting.capacity or 0}


async def fill_free_seats(meeting_id: int, *, now: datetime) -> None:
    """After an organizer raises the capacity: the waiting list moves up into the new seats."""
    async with db.write_transaction():
        meeting = await _lock_meeting(meeting_id)
        await _fill_seats(meeting, now=now)


async def reinstate(
    registration_id: int, *, now: datetime, by: Actor = "participant"
) -> RegistrationResult:
    """Take up a registration that ended.

    Its owner may take up a cancelled registration while registration is open. It is decided like
    a new one: pending if its category needs approval, else confirmed if a seat is free, else last
    on the waiting list; they get the email a newcomer would.

    An organizer may do the same when registration is closed (the meeting not cancelled), and may
    also reconsider a rejected registration: it goes back to pending whatever its category, its
    rejection reason cleared, and the person is told that it is being reconsidered. Its seat is
    then decided by approving it, where the organizer sees whether one is free and chooses whether
    to go beyond the capacity, rather than here, unseen.
    """
    organizer = by != "participant"
    async with db.write_transaction():
        registration, meeting = await _lock_registration(registration_id)
        status = registration["status"]
        if organizer and status not in ("cancelled", "rejected"):
            raise Conflict(
                gettext("Only a cancelled or rejected registration can be reinstated."),
                reason="active",
            )
        if not organizer and status != "cancelled":
            raise Conflict(
                gettext("Only a cancelled registration can be taken up again."),
                reason="not-cancelled",
            )
        if organizer and meeting.row["status"] == "cancelled":
            raise Conflict(
                gettext("The meeting is cancelled: its registrations cannot be taken up again."),
                reason="meeting-cancelled",
            )
        if not organizer and not registration_is_open(meeting.row, now):
            raise _closed_conflict(meeting.row, now)
        if status == "rejected":
            return await _reconsider(registration, meeting, by=by, now=now)
        status, seq = await _decide(meeting, registration["category"], now=now)
        changes = {
            Registration.status: status,
            Registration.waitlist_seq: seq,
            Registration.cancelled_at: None,
            Registration.updated_at: now,
            Registration.confirmed_at: now if status == "confirmed" else None,
        }
        await Registration.update(changes).where(Registration.id == registration_id)
        registration = registration | {
            column._meta.name: value for column, value in changes.items()
        }
        position = await waitlist_position(registration)
        choices = await session_choices(meeting.id, registration)
        await emails.queue_announcement(
            registration, now=now, position=position, with_sessions=True
        )
        await _audit(
            by,
            "registration.reinstated",
            registration,
            meeting.row,
            now=now,
            summary=status,
        )
        return RegistrationResult(registration, position, choices)


async def _reconsider(
    registration: dict, meeting: _Meeting, *, by: Actor, now: datetime
) -> RegistrationResult:
    """A rejected registration back among those awaiting approval (see `reinstate`)."""
    changes = {
        Registration.status: "pending",
        Registration.waitlist_seq: None,
        Registration.rejection_reason: "",
        Registration.confirmed_at: None,
        Registration.updated_at: now,
    }
    await Registration.update(changes).where(Registration.id == registration["id"])
    reason = registration["rejection_reason"]
    registration = registration | {column._meta.name: value for column, value in changes.items()}
    await emails.queue("reconsidered", registration, meeting.row, span=None, now=now)
    await _audit(
        by,
        "registration.reconsidered",
        registration,
        meeting.row,
        now=now,
        summary="rejection withdrawn: pending",
        data={"rejection_reason": reason},
    )
    return await _result(registration)


async def update_details(
    registration_id: int, form: DetailsForm | Mapping[str, Any], *, by: Actor, now: datetime
) -> RegistrationResult:
    """Change a participant's details; they get an email listing what changed."""
    if not isinstance(form, DetailsForm):
        form = _as_form(form, DetailsForm)
    async with db.write_transaction():
        registration, meeting = await _lock_registration(registration_id)
        if registration["status"] not in ACTIVE_STATUSES and by == "participant":
            raise Conflict(
                gettext("A cancelled or declined registration cannot be changed."),
                reason="not-active",
            )
        cleaned = check_details(form, registration["category"])
        registration, changed = await _save_changes(
            registration,
            meeting,
            {name: getattr(cleaned, name) for name in DETAIL_FIELDS},
            by=by,
            now=now,
        )
        return await _result(registration, changed)


async def edit_registration(
    registration_id: int, form: RegistrationEdit | Mapping[str, Any], *, by: Actor, now: datetime
) -> RegistrationResult:
    """An organizer corrects a registration: its details, its email address, its category.

    Everything is checked first, together (InvalidInput naming every bad field), and saved in one
    transaction: all of it, or nothing. The result's `changed` names the fields that changed; the
    person is emailed the details as they now read, and the audit log says who changed what.

    Email address: checked as the registration form checks it, and unique among the meeting's
    registrations, case aside (Conflict `email-taken` naming the registration that has it; the
    unique index on (meeting, email_key) is the backstop). When it is another mailbox, not the same
    address in other capitals, the private link is replaced: the old mailbox may never have been
    the person's (a typo), and it holds the old link. The details email, with the new link, goes
    to the new address; a short notice without any link goes to the old one, so that a mistaken
    change is noticed.

    Category: Member State and Observer delegations must name their country (InvalidInput on
    `country`). The status then follows these rules:
    - confirmed and waitlisted registrations keep their seat or their place in line, whatever the
      new category: an organizer moving someone into a category that needs approval approves them;
    - a pending registration moved into a category that needs no approval is decided as a newcomer
      would be now: confirmed if a seat is free, else last on the waiting list, and told so (the
      confirmation with its calendar invitation); moved into another category that needs
      approval, it stays pending;
    - cancelled and rejected registrations keep their status: the new category counts when they
      are reinstated;
    - in a cancelled meeting nothing is decided.

    Participants change their details with `update_details`, never their address or category.
    """
    if by == "participant":
        raise Forbidden(
            gettext("Only the organizers can change a registration's email address or category.")
        )
    if not isinstance(form, RegistrationEdit):
        form = _as_form(form, RegistrationEdit)
    async with db.write_transaction():
        registration, meeting = await _lock_registration(registration_id)
        typed = {
            name: registration[name] if getattr(form, name) is None else getattr(form, name)
            for name in EDIT_FIELDS
        }
        problems = dict(form.problems)
        email = _check_email(typed["email"], problems)
        category = _check_category(typed["category"], problems)
        details = _checked_details(
            DetailsForm(**{name: typed[name] for name in DETAIL_FIELDS}),
            category,
            problems,
            category_known="category" not in problems,
        )
        if problems:
            raise InvalidInput(
                gettext("Some fields need your attention."), fields=_in_form_order(problems)
            )
        if email.lower() != registration["email_key"]:
            holder = await _registration_by_email(meeting.id, email.lower())
            if holder is not None:
                raise _email_taken(holder)
        checked = {name: getattr(details, name) for name in DETAIL_FIELDS}
        checked |= {"email": email, "category": category}
        registration, changed = await _save_changes(
            registration, meeting, {name: checked[name] for name in EDIT_FIELDS}, by=by, now=now
        )
        return await _result(registration, changed)


def _email_taken(holder: dict | None) -> Conflict:
    if holder is None:
        problem = gettext("Another registration for this meeting already has this address.")
    else:
        problem = gettext(
            "Another registration for this meeting already has this address: "
            "%(name)s (#%(id)s, %(status)s)."
        ) % {
            "name": f"{holder['given_name']} {holder['family_name']}",
            "id": holder["id"],
            "status": status_label(holder["status"]),
        }
    return Conflict(problem, fields={"email": problem}, reason="email-taken")


async def _save_changes(
    registration: dict, meeting: _Meeting, cleaned: dict[str, str], *, by: Actor, now: datetime
) -> tuple[dict, tuple[str, ...]]:
    """Write the checked values that differ, with the audit entries and the person's emails (see
    `edit_registration`); the registration as it now is, and the names of what changed."""
    changed = {
        name: (registration[name], value)
        for name, value in cleaned.items()
        if registration[name] != value
    }
    if not changed:
        return registration, ()
    updates: dict[str, Any] = {name: new for name, (_, new) in changed.items()}
    old_email = registration["email"]
    new_mailbox = "email" in changed and updates["email"].lower() != registration["email_key"]
    if "email" in changed:
        updates["email_key"] = updates["email"].lower()
    if new_mailbox:
        # An email queued as a recipe is written when it is sent, with the link of that moment:
        # those still waiting for the old address are written now, with the old link.
        await _write_waiting_emails(registration["id"])
        updates["token"] = new_token()
    updates["updated_at"] = now
    try:
        await Registration.update(updates).where(Registration.id == registration["id"])
    except Exception as exc:
        if new_mailbox and db.is_unique_violation(exc):
            raise _email_taken(None) from None
        raise
    registration = registration | updates
    details = [name for name in changed if name in DETAIL_FIELDS]
    if details:
        await _audit(
            by,
            "registration.details-changed",
            registration,
            meeting.row,
            now=now,
            summary=", ".join(details),
            data={name: {"from": changed[name][0], "to": changed[name][1]} for name in details},
        )
    for name in ("email", "category"):
        if name in changed:
            old, new = changed[name]
            await _audit(
                by,
                f"registration.{name}-changed",
                registration,
                meeting.row,
                now=now,
                summary=f"{old} → {new}",
                data={"from": old, "to": new},
            )
    await emails.queue(
        "details-changed",
        registration,
        meeting.row,
        span=None,
        now=now,
        changed=list(changed),
        new_link=new_mailbox,
    )
    if new_mailbox:
        await emails.queue(
            "email-changed", registration | {"email": old_email}, meeting.row, span=None, now=now
        )
    if "category" in changed:
        registration = await _follow_category(registration, meeting, by=by, now=now)
    return registration, tuple(changed)


async def _write_waiting_emails(registration_id: int) -> None:
    waiting = await OutboxMessage.select(OutboxMessage.id).where(
        (OutboxMessage.registration == registration_id)
        & (OutboxMessage.raw == "")
        & (OutboxMessage.recipe != "")
    )
    for row in waiting:
        await recipes.rendered_raw(row["id"])


async def _follow_category(
    registration: dict, meeting: _Meeting, *, by: Actor, now: datetime
) -> dict:
    """The status after an organizer moved the registration to another category (the rules are
    in `edit_registration`): only a pending one moved out of approval is decided."""
    if (
        registration["status"] != "pending"
        or meeting.row["status"] == "cancelled"
        or registration["category"] in approval_categories(meeting.row)
    ):
        return registration
    status, seq = await _decide(meeting, registration["category"], now=now)
    if status == "confirmed":
        return await _confirm(registration, meeting, now=now, email_kind="confirmed", by=by)
    changes = {"status": status, "waitlist_seq": seq, "updated_at": now}
    await Registration.update(changes).where(Registration.id == registration["id"])
    registration = registration | changes
    await emails.queue(
        "waitlisted",
        registration,
        meeting.row,
        span=None,
        now=now,
        position=await waitlist_position(registration),
    )
    await _audit(
        by,
        "registration.waitlisted",
        registration,
        meeting.row,
        now=now,
        summary="its category needs no approval: on the waiting list",
    )
    return registration


async def choose_sessions(
    registration_id: int, session_ids: list[int], *, by: Actor, now: datetime
) -> RegistrationResult:
    """Replace the sessions a participant will attend; places freed go to those waiting."""
    async with db.write_transaction():
        registration, meeting = await _lock_registration(registration_id)
        if registration["status"] not in ACTIVE_STATUSES:
            raise Conflict(
                gettext("A cancelled or declined registration cannot choose sessions."),
                reason="not-active",
            )
        sessions = await choosable_sessions(meeting.id)
        wanted = list(dict.fromkeys(session_ids))
        unknown = [str(sid) for sid in wanted if sid not in sessions]
        if unknown:
            raise InvalidInput(
                gettext("Some fields need your attention."),
                fields={
                    "sessions": gettext(
                        "These are not sessions of this meeting that you can sign up for: %(ids)s."
                    )
                    % {"ids": ", ".join(unknown)}
                },
            )
        current = {
            row["meeting_session"]
            for row in await SessionAttendance.select(SessionAttendance.meeting_session).where(
                SessionAttendance.registration == registration_id
            )
        }
        # Sessions cancelled since they were chosen stay chosen: the person's calendar shows
        # them as cancelled rather than silently dropping them.
        removed = {sid for sid in current - set(wanted) if sid in sessions}
        await _drop_sessions(registration, now=now, only=removed)
        for sid in wanted:
            if sid not in current:
                await _add_session_choice(registration, sessions[sid], now=now)
        if removed or set(wanted) - current:
            await _audit(
                by,
                "registration.sessions-chosen",
                registration,
                meeting.row,
                now=now,
                data={"sessions": wanted},
            )
        return await _result(registration)


async def _result(registration: dict, changed: tuple[str, ...] = ()) -> RegistrationResult:
    return RegistrationResult(
        registration=registration,
        waitlist_position=await waitlist_position(registration),
        sessions=await session_choices(registration["meeting"], registration),
        changed=changed,
    )
