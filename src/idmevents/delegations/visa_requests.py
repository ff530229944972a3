"""Visa letter requests: a participant asks from their private page, an organizer approves (the
letter is issued, with its verification code, and the participant emailed its link) or declines
with a reason (emailed too). Emails are written in the participant's language, in the same
transaction as the decision.

What a request holds (passport name and number, nationality, date of birth, passport expiry,
dates of stay) is sensitive: it lives in `registrations.tables.VisaRequest`, which
`registrations.retention` erases with the meeting's other personal data.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from idmevents import audit, content, db, urls
from idmevents.audit import Actor
from idmevents.delegations import visa_letters
from idmevents.errors import Conflict, InvalidInput, NotFound
from idmevents.i18n import date_range, gettext
from idmevents.mail.outbox import enqueue
from idmevents.mail.render import render_email
from idmevents.meetings.tables import Meeting
from idmevents.registrations.countries import ALL_CODES, country_name
from idmevents.registrations.emails import to_registrant
from idmevents.registrations.tables import Registration, VisaRequest
from idmevents.validation import check_text

FIELDS = (
    "passport_name",
    "nationality",
    "birth_date",
    "passport_number",
    "passport_expiry",
    "arrival",
    "departure",
    "purpose",
)
DATE_FIELDS = ("birth_date", "passport_expiry", "arrival", "departure")
# A stay may start this many days before the meeting and end this many after it.
STAY_MARGIN_DAYS = 14
OLDEST_AGE_YEARS = 120
MAX_REASON = 2000
MAX_PURPOSE = 2000
# Passport numbers are 5 to 20 letters and digits (ICAO 9303 allows 9, some States use more).
_PASSPORT = re.compile(r"^[A-Z0-9]{5,20}$")


def default_purpose(meeting: dict, language: str) -> str:
    """The purpose the form offers: attending the meeting, in the participant's language."""
    return gettext("To attend the meeting “%(meeting)s”, %(dates)s, in %(city)s.") % {
        "meeting": content.text(meeting, "title", language),
        "dates": date_range(meeting["starts_on"], meeting["ends_on"]),
        "city": content.text(meeting, "city", language) or meeting.get("venue_name", ""),
    }


def _day(value: Any) -> date | None:
    if isinstance(value, date) and not isinstance(value, datetime):
        return value
    if isinstance(value, str) and value.strip():
        try:
            return date.fromisoformat(value.strip())
        except ValueError:
            return None
    return None


def check_request(data: dict[str, Any], meeting: dict, *, now: datetime) -> dict[str, Any]:
    """The request's values, cleaned; InvalidInput naming every field that is wrong."""
    values = {name: data.get(name, "") for name in FIELDS}
    errors: dict[str, str] = {}
    check_text(errors, values, "passport_name", 200, required=True, lines="single_line")
    check_text(errors, values, "purpose", MAX_PURPOSE, required=True, lines="multi_line")
    nationality = str(values["nationality"] or "").strip().upper()
    if nationality not in ALL_CODES:
        errors["nationality"] = gettext("Choose a country from the list.")
    values["nationality"] = nationality
    number = re.sub(r"[\s-]", "", str(values["passport_number"] or "")).upper()
    if not _PASSPORT.match(number):
        errors["passport_number"] = gettext("5 to 20 letters and digits, as in the passport.")
    values["passport_number"] = number
    for name in DATE_FIELDS:
        given = values[name]
        values[name] = _day(given)
        if values[name] is None:
            errors[name] = gettext("A date such as 2027-04-20.")
    today = now.date()
    starts, ends = meeting["starts_on"], meeting["ends_on"]
    born = values["birth_date"]
    if born and not (today.replace(year=today.year - OLDEST_AGE_YEARS) <= born < today):
        errors["birth_date"] = gettext("A date of birth in the past.")
    arrival, departure = values["arrival"], values["departure"]
    margin = timedelta(days=STAY_MARGIN_DAYS)
    window = gettext("Between %(first)s and %(last)s: around the meeting's dates.") % {
        "first": (starts - margin).isoformat(),
        "last": (ends + margin).isoformat(),
    }
    if arrival and not (starts - margin <= arrival <= ends):
        errors["arrival"] = window
    if departure and not (starts <= departure <= ends + margin):
        errors["departure"] = window
    if arrival and departure and departure < arrival and "departure" not in errors:
        errors["departure"] = gettext("The departure comes after the arrival.")
    expiry = values["passport_expiry"]
    if expiry and departure and expiry < departure:
        errors["passport_expiry"] = gettext("The passport must be valid for the whole stay.")
    if errors:
        raise InvalidInput(gettext("Some fields need your attention."), fields=errors)
    return values


async def request_of(registration_id: int) -> dict | None:
    return await VisaRequest.select().where(VisaRequest.registration == registration_id).first()


async def ask(registration: dict, data: dict[str, Any], *, by: Actor, now: datetime) -> dict:
    """Record a confirmed participant's request (pending); a declined one may ask again.

    Conflict when the registration is not confirmed or a request is already pending or approved.
    """
    meeting = await Meeting.select().where(Meeting.id == registration["meeting"]).first()
    if registration["status"] != "confirmed":
        raise Conflict(
            gettext("A visa letter is only issued for a confirmed registration."),
            reason="not-confirmed",
        )
    values = check_request(data, meeting, now=now)
    async with db.write_transaction():
        current = await request_of(registration["id"])
        if current is not None and current["status"] != "declined":
            raise Conflict(
                gettext("Your request is already with the organizers."), reason="already-asked"
            )
        row = {getattr(VisaRequest, name): value for name, value in values.items()} | {
            VisaRequest.status: "pending",
            VisaRequest.decline_reason: "",
            VisaRequest.created_at: now,
            VisaRequest.decided_at: None,
        }
        if current is None:
            await VisaRequest.insert(
                VisaRequest(registration=registration["id"], **values, created_at=now)
            )
        else:
            await VisaRequest.update(row).where(VisaRequest.id == current["id"])
        await audit.write(
            by,
            "registration.visa-requested",
            "registration",
            registration["id"],
            meeting_slug=meeting["slug"],
            now=now,
        )
    return await request_of(registration["id"])


@dataclass(frozen=True)
class RequestRow:
    registration_id: int
    name: str
    email: str
    status: str
    registration_status: str
    nationality: str
    arrival: date | None
    departure: date | None
    decline_reason: str
    letter_code: str
    created_at: datetime


async def meeting_requests(meeting_id: int, language: str) -> list[RequestRow]:
    """Every request of the meeting: the pending first (oldest first), then the decided."""
    rows = await VisaRequest.select(
        VisaRequest.all_columns(),
        VisaRequest.registration.given_name.as_alias("given_name"),
        VisaRequest.registration.family_name.as_alias("family_name"),
        VisaRequest.registration.email.as_alias("email"),
        VisaRequest.registration.status.as_alias("registration_status"),
    ).where(VisaRequest.registration.meeting == meeting_id)
    rows.sort(key=lambda r: (r["status"] != "pending", r["created_at"], r["id"]))
    return [
        RequestRow(
            registration_id=row["registration"],
            name=f"{row['given_name']} {row['family_name']}",
            email=row["email"],
            status=row["status"],
            registration_status=row["registration_status"],
            nationality=country_name(row["nationality"], language),
            arrival=row["arrival"],
            departure=row["departure"],
            decline_reason=row["decline_reason"],
            letter_code=row["letter_code"],
            created_at=row["created_at"],
        )
        for row in rows
    ]


async def _pending(registration_id: int) -> tuple[dict, dict, dict]:
    request = await request_of(registration_id)
    if request is None:
        raise NotFound(gettext("There is no visa letter request for this registration."))
    if request["status"] != "pending":
        raise Conflict(gettext("This request was already decided."), reason="decided")
    registration = await Registration.select().where(Registration.id == registration_id).first()
    meeting = await Meeting.select().where(Meeting.id == registration["meeting"]).first()
    return request, registration, meeting


async def _email(kind: str, registration: dict, meeting: dict, extra: dict, now: datetime) -> None:
    language = registration["language"] or "en"
    context = {
        "registration": registration,
        "meeting": content.localized(meeting, content.MEETING_TEXT, language),
        "manage_url": urls.manage_page(registration["token"]),
        "language": language,
        **extra,
    }
    rendered = render_email(f"visa/{kind}", context, language)
    await enqueue(to_registrant(f"visa-{kind}", registration, meeting, rendered), now=now)


async def approve(registration_id: int, *, by: Actor, now: datetime) -> dict:
    """Approve a pending request: the letter is issued ({"code", "url"}) and the participant
    emailed where to download it. Conflict if decided already or the person is not confirmed."""
    async with db.write_transaction():
        _, registration, meeting = await _pending(registration_id)
        letter = await visa_letters.issue(registration_id, by=by, now=now)
        await VisaRequest.update(
            {
                VisaRequest.status: "approved",
                VisaRequest.letter_code: letter["code"],
                VisaRequest.decided_at: now,
            }
        ).where(VisaRequest.registration == registration_id)
        await _email(
            "approved",
            registration,
            meeting,
            {"letter_url": urls.visa_letter_pdf(registration["token"]), "code": letter["code"]},
            now,
        )
    return letter


async def approve_if_pending(registration_id: int, *, by: Actor, now: datetime) -> dict:
    """A letter for the registration: its pending request approved if it has one, else a bare
    code as organizers issue for people who asked by other means."""
    request = await request_of(registration_id)
    if request is not None and request["status"] == "pending":
        return await approve(registration_id, by=by, now=now)
    return await visa_letters.issue(registration_id, by=by, now=now)


async def decline(registration_id: int, reason: Any, *, by: Actor, now: datetime) -> None:
    """Decline a pending request with a reason the participant is emailed (InvalidInput: none)."""
    values = {"reason": reason}
    errors: dict[str, str] = {}
    check_text(errors, values, "reason", MAX_REASON, required=True, lines="multi_line")
    if errors:
        raise InvalidInput(gettext("Some fields need your attention."), fields=errors)
    async with db.write_transaction():
        _, registration, meeting = await _pending(registration_id)
        await VisaRequest.update(
            {
                VisaRequest.status: "declined",
                VisaRequest.decline_reason: values["reason"],
                VisaRequest.decided_at: now,
            }
        ).where(VisaRequest.registration == registration_id)
        await audit.write(
            by,
            "registration.visa-declined",
            "registration",
            registration_id,
            meeting_slug=meeting["slug"],
            now=now,
        )
        await _email("declined", registration, meeting, {"reason": values["reason"]}, now)
