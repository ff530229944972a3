"""Delegations: creating them (one, all IOM Member States, a CSV of focal points), the focal
point's private link, naming, replacing and heading delegates.

A delegation's quota is a `SeatHold` of the registrations domain: the seats stay held for the
delegation until its delegates fill them or the meeting's release date passes, and every delegate
is a registration made into that hold (`registrations.services.register_in_hold`), so the quota
is enforced under the meeting lock with every other seat decision. Registrations never import this
package: they only see holds.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from idmevents import audit, db, states, urls
from idmevents.audit import Actor
from idmevents.delegations.tables import Delegate, Delegation
from idmevents.errors import Conflict, InvalidInput, NotFound
from idmevents.i18n import LANGUAGES, current_language, gettext
from idmevents.meetings.tables import Meeting
from idmevents.records import copy_fields
from idmevents.registrations import services as registrations
from idmevents.registrations.labels import ACTIVE_STATUSES
from idmevents.registrations.tables import SeatHold
from idmevents.validation import clean_text

# A delegation bigger than this is a typing mistake, not a delegation.
MAX_QUOTA = 500
# What `check_delegation` reads.
FORM_FIELDS = (
    "country",
    "organization",
    "focal_point_name",
    "focal_point_email",
    "focal_point_mission",
    "quota",
    "language",
)
CSV_COLUMNS = ("country", "focal_point_name", "focal_point_email", "quota")
# A CSV of focal points has at most one line per State and a few organizations.
MAX_CSV_LINES = 1000


def delegation_name(delegation: Mapping[str, Any], language: str) -> str:
    """The State's UN short name in `language`, or the organization's name."""
    if delegation["country"]:
        return states.state_name(delegation["country"], language)
    return delegation["organization"]


def nomination_url(delegation: Mapping[str, Any]) -> str | None:
    """The focal point's private link, or None when it was revoked."""
    return urls.nomination_page(delegation["token"]) if delegation["token"] else None


def _category(delegation: Mapping[str, Any]) -> str:
    if not delegation["country"]:
        return "un-igo"
    return "member-state" if states.un_status(delegation["country"]) == "member" else "observer"


@dataclass(frozen=True)
class DelegationForm:
    country: str
    organization: str
    focal_point_name: str
    focal_point_email: str
    focal_point_mission: str
    quota: int
    language: str = ""  # the focal point's emails' language; "": the meeting's


def check_delegation(data: Mapping[str, Any]) -> DelegationForm:
    """A delegation's details cleaned up, or InvalidInput naming every bad field."""
    problems: dict[str, str] = {}

    def text(name: str, limit: int, required: str | None = None) -> str:
        value = data.get(name)
        if value is None:
            value = ""
        if not isinstance(value, str):
            problems[name] = gettext("Must be text.")
            return ""
        value, problem = clean_text(value, "single_line")
        if required and not value:
            problems[name] = required
        elif len(value) > limit:
            problems[name] = gettext("At most %(n)s characters.") % {"n": limit}
        elif problem:
            problems[name] = problem
        return value

    country = text("country", 2).upper()
    organization = text("organization", 300)
    if "country" not in problems and "organization" not in problems:
        if country and not states.is_state(country):
            problems["country"] = gettext(
                "Use the two-letter code of a UN Member or Observer State, such as CH."
            )
        elif country and organization:
            problems["organization"] = gettext("Name a State or an organization, not both.")
        elif not country and not organization:
            problems["country"] = gettext("Choose a State, or name an organization.")
    name = text("focal_point_name", 200, gettext("Enter the focal point's name."))
    email = text("focal_point_email", 320, gettext("Enter the focal point's email address."))
    if email and "focal_point_email" not in problems:
        normalized = registrations.normalize_email(email)
        if normalized is None:
            problems["focal_point_email"] = gettext(
                "Enter an email address in the form name@example.org."
            )
        else:
            email = normalized
    mission = text("focal_point_mission", 300)
    quota = data.get("quota")
    if isinstance(quota, str) and quota.strip().isdigit():
        quota = int(quota.strip())
    if isinstance(quota, bool) or not isinstance(quota, int) or not 0 <= quota <= MAX_QUOTA:
        problems["quota"] = gettext("A whole number of seats from 0 to %(n)s.") % {"n": MAX_QUOTA}
    language = data.get("language") or ""
    if language not in ("", *LANGUAGES):
        problems["language"] = gettext("One of: %(choices)s.") % {"choices": ", ".join(LANGUAGES)}
    if problems:
        raise InvalidInput(gettext("Some fields need your attention."), fields=problems)
    return DelegationForm(country, organization, name, email, mission, quota, language)


async def insert_delegation(
    meeting: dict, form: DelegationForm, *, by: Actor, now: datetime
) -> dict:
    """Write one delegation and its held seats, in the caller's write transaction (the meeting
    locked by the caller, or a loader that runs alone)."""
    if form.country and await Delegation.exists().where(
        (Delegation.meeting == meeting["id"]) & (Delegation.country == form.country)
    ):
        raise Conflict(
            gettext("%(state)s already has a delegation at this meeting.")
            % {"state": states.state_name(form.country, current_language())},
            reason="duplicate",
        )
    hold_id = await registrations.create_hold(
        meeting["id"], form.quota, country=form.country, organization=form.organization
    )
    values = {
        "meeting": meeting["id"],
        "country": form.country,
        "organization": form.organization,
        "focal_point_name": form.focal_point_name,
        "focal_point_email": form.focal_point_email,
        "focal_point_mission": form.focal_point_mission,
        "quota": form.quota,
        "seat_hold": hold_id,
        "token": registrations.new_token(),
        "token_email": form.focal_point_email,
        "head": None,
        "language": form.language or meeting.get("original_language") or "en",
        "created_at": now,
        "updated_at": now,
    }
    delegation = await db.inserted(Delegation, values)
    await audit.write(
        by,
        "delegation.created",
        "delegation",
        delegation["id"],
        meeting_slug=meeting["slug"],
        now=now,
        summary=f"{delegation_name(delegation, 'en')}: {form.quota} seats",
    )
    return delegation


async def create_delegation(
    meeting: dict, data: Mapping[str, Any], *, by: Actor, now: datetime
) -> dict:
    """One delegation: its quota is held at once. Conflict if the State already has one."""
    form = check_delegation(data)
    async with db.write_transaction():
        await registrations._lock_meeting(meeting["id"])
        return await insert_delegation(meeting, form, by=by, now=now)


async def create_member_states(
    meeting: dict,
    *,
    quota: int,
    focal_point_email: str = "",
    by: Actor,
    now: datetime,
) -> int:
    """A delegation for every IOM Member State not invited yet, each with `quota` seats; their
    focal points are filled in later. Returns how many were created."""
    if isinstance(quota, bool) or not isinstance(quota, int) or not 0 <= quota <= MAX_QUOTA:
        raise InvalidInput(
            gettext("Some fields need your attention."),
            fields={
                "quota": gettext("A whole number of seats from 0 to %(n)s.") % {"n": MAX_QUOTA}
            },
        )
    created = 0
    async with db.write_transaction():
        await registrations._lock_meeting(meeting["id"])
        invited = {
            row["country"]
            for row in await Delegation.select(Delegation.country).where(
                Delegation.meeting == meeting["id"]
            )
        }
        for code, _name in states.state_choices("en"):
            if code in invited or states.iom_status(code) != "member":
                continue
            form = DelegationForm(code, "", "", focal_point_email, "", quota)
            await insert_delegation(meeting, form, by=by, now=now)
            created += 1
    return created


async def import_focal_points(meeting: dict, text: str, *, by: Actor, now: datetime) -> list[int]:
    """Delegations from a CSV with the columns country, focal_point_name, focal_point_email,
    quota (and, optionally, language). All or nothing: InvalidInput names every bad line.
    Returns the ids of those created."""
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff")))
    header = [name.strip() for name in reader.fieldnames or []]
    missing = [name for name in CSV_COLUMNS if name not in header]
    if missing:
        raise InvalidInput(
            gettext("The file must have the columns %(columns)s.")
            % {"columns": ", ".join(CSV_COLUMNS)},
            fields={"file": gettext("Missing: %(columns)s.") % {"columns": ", ".join(missing)}},
        )
    forms: list[DelegationForm] = []
    problems: dict[str, str] = {}
    for number, row in enumerate(reader, start=2):
        if number > MAX_CSV_LINES + 1:
            problems["file"] = gettext("At most %(n)s lines.") % {"n": MAX_CSV_LINES}
            break
        row = {(key or "").strip(): (value or "") for key, value in row.items() if key}
        try:
            columns = (*CSV_COLUMNS, "language")  # language is optional
            forms.append(check_delegation({name: row.get(name, "") for name in columns}))
        except InvalidInput as exc:
            problems[f"line {number}"] = "; ".join(exc.fields.values())
    seen: set[str] = set()
    for number, form in enumerate(forms, start=2):
        if form.country and form.country in seen:
            problems.setdefault(f"line {number}", gettext("This State is listed twice."))
        seen.add(form.country)
    if problems:
        raise InvalidInput(gettext("Some lines of the file need your attention."), fields=problems)
    async with db.write_transaction():
        await registrations._lock_meeting(meeting["id"])
        created = [await insert_delegation(meeting, form, by=by, now=now) for form in forms]
    return [row["id"] for row in created]


async def list_delegations(meeting_id: int) -> list[dict]:
    """The meeting's delegations with `used` (active delegates) and `seats_left` in their quota,
    and `counts` of their delegates: confirmed, waiting and checked in."""
    rows = await Delegation.select().where(Delegation.meeting == meeting_id).order_by(Delegation.id)
    holds = [row["seat_hold"] for row in rows if row["seat_hold"]]
    used = await registrations.holds_used(holds)
    counts = await registrations.hold_counts(holds)
    nothing = {"confirmed": 0, "waiting": 0, "checked_in": 0}
    return [
        row
        | {
            "used": used.get(row["seat_hold"], 0),
            "seats_left": _left(row, used),
            "counts": counts.get(row["seat_hold"], nothing),
        }
        for row in rows
    ]


async def hold_of(meeting_id: int, delegation_id: int) -> int | None:
    """The held seats of the meeting's delegation `delegation_id` (None: no such delegation)."""
    row = (
        await Delegation.select(Delegation.seat_hold)
        .where((Delegation.id == delegation_id) & (Delegation.meeting == meeting_id))
        .first()
    )
    return None if row is None else row["seat_hold"]


def _left(row: dict, used: dict[int, int]) -> int:
    return max(0, row["quota"] - used.get(row["seat_hold"], 0))


async def get_delegation(delegation_id: int) -> dict:
    row = await Delegation.select().where(Delegation.id == delegation_id).first()
    if row is None:
        raise NotFound(gettext("There is no such delegation."))
    return row


async def by_token(token: str) -> dict:
    """The delegation whose focal point holds this link. A revoked link, or one sent to an
    address that is no longer the focal point's, finds nothing."""
    row = await Delegation.select().where(Delegation.token == token).first()
    if row is None or row["token_email"] != row["focal_point_email"]:
        raise NotFound(
            gettext("This nomination link is not valid: ask the secretariat for a new one.")
        )
    return row


async def delegates(delegation: Mapping[str, Any], *, active_only: bool = True) -> list[dict]:
    """The delegation's delegates (their registration and honorific), the head first."""
    query = Delegate.select(
        *db.joined(
            Delegate.registration,
            "honorific",
            "id",
            "given_name",
            "family_name",
            "email",
            "position",
            "status",
        ),
    ).where(Delegate.delegation == delegation["id"])
    if active_only:
        query = query.where(Delegate.registration.status.is_in(list(ACTIVE_STATUSES)))
    rows = await query.order_by(Delegate.id)
    for row in rows:
        row["head"] = row["id"] == delegation["head"]
    return sorted(rows, key=lambda row: not row["head"])


class Nominee(registrations.HeldPerson, kw_only=True):
    """A person a delegation names into one of its seats; the delegation sets their
    organization, category and country."""

    head: bool = False


async def nominate(
    delegation: Mapping[str, Any],
    nominee: Nominee,
    *,
    by: Actor,
    now: datetime,
    replacing: int | None = None,
) -> registrations.RegistrationResult:
    """Name a delegate into one of the delegation's seats (replacing one, if asked).

    Conflict (reason "quota") when every seat of the quota is taken: the count is made under the
    meeting lock, so ten focal-point clicks at once for three seats make three delegates.
    """
    if delegation["seat_hold"] is None:
        raise Conflict(gettext("This delegation has no seats."), reason="quota")
    if replacing is not None and not await Delegate.exists().where(
        (Delegate.delegation == delegation["id"]) & (Delegate.registration == replacing)
    ):
        raise NotFound(gettext("There is no such delegate in this delegation."))
    person = copy_fields(
        registrations.HeldPerson,
        nominee,
        honorific=nominee.honorific or "",
        organization=delegation_name(delegation, "en"),
        category=_category(delegation),
        country=delegation["country"],
    )
    was_head = replacing is not None and replacing == delegation["head"]

    async def write_delegate(registration: dict) -> None:
        await Delegate.insert(
            Delegate(
                delegation=delegation["id"],
                registration=registration["id"],
                created_at=now,
            )
        )
        if nominee.head or was_head:
            await Delegation.update(
                {Delegation.head: registration["id"], Delegation.updated_at: now}
            ).where(Delegation.id == delegation["id"])

    return await registrations.register_in_hold(
        delegation["seat_hold"],
        person,
        by=by,
        now=now,
        replacing=replacing,
        on_created=write_delegate,
    )


async def set_head(
    delegation: Mapping[str, Any], registration_id: int, *, by: Actor, now: datetime
) -> None:
    """Make one of the delegation's active delegates its head (there is one head at most)."""
    found = await Delegate.exists().where(
        (Delegate.delegation == delegation["id"])
        & (Delegate.registration == registration_id)
        & Delegate.registration.status.is_in(list(ACTIVE_STATUSES))
    )
    if not found:
        raise NotFound(gettext("There is no such delegate in this delegation."))
    await Delegation.update({Delegation.head: registration_id, Delegation.updated_at: now}).where(
        Delegation.id == delegation["id"]
    )
    await audit.write(
        by, "delegation.head", "delegation", delegation["id"], now=now, summary=str(registration_id)
    )


async def held_seats(meeting_id: int) -> int:
    """Seats the meeting's delegations still keep (their quotas less their active delegates)."""
    holds = await SeatHold.select(SeatHold.id, SeatHold.seats).where(SeatHold.meeting == meeting_id)
    used = await registrations.holds_used([hold["id"] for hold in holds])
    return sum(max(0, hold["seats"] - used.get(hold["id"], 0)) for hold in holds)


async def set_release_date(
    meeting: dict, release_at: datetime | None, *, by: Actor, now: datetime
) -> None:
    """When the seats delegations have not filled go back to everyone (None: they stay held).
    A date already past releases them now: the waiting list moves into them at once."""
    if release_at is not None and release_at.tzinfo is None:
        raise InvalidInput(
            gettext("Some fields need your attention."),
            fields={"release_at": gettext("A date and time with its time zone.")},
        )
    await Meeting.update({Meeting.held_seats_release_at: release_at}).where(
        Meeting.id == meeting["id"]
    )
    await audit.write_on_meeting(
        by,
        "delegation.release-date",
        meeting,
        now=now,
        summary=release_at.isoformat() if release_at else "",
    )
    if release_at is not None and release_at <= now:
        await registrations.fill_free_seats(meeting["id"], now=now)


async def owners_of_delegation(delegation_id: int) -> frozenset[int] | None:
    """The meeting a delegation belongs to (None: no such delegation), for meeting teams."""
    row = await Delegation.select(Delegation.meeting).where(Delegation.id == delegation_id).first()
    return None if row is None else frozenset({row["meeting"]})
