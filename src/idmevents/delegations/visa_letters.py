"""Visa invitation letters: a code per letter, and what checking it may show (the name, the
meeting, whether the letter is valid) and nothing more. A letter is valid while its registration
is confirmed: cancelling or replacing the person voids it at once, as the check reads the status."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime

from idmevents import audit, content, urls
from idmevents.audit import Actor
from idmevents.db import first_found, joined
from idmevents.delegations.tables import VisaLetter
from idmevents.errors import Conflict, NotFound
from idmevents.i18n import current_language, gettext
from idmevents.meetings.tables import Meeting
from idmevents.registrations.tables import Registration

# 20 characters of an alphabet without look-alikes (no 0/O, 1/I/L): typed by hand at a consulate.
_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
CODE_LENGTH = 20


def new_code() -> str:
    return "".join(secrets.choice(_ALPHABET) for _ in range(CODE_LENGTH))


@dataclass(frozen=True)
class LetterCheck:
    name: str
    meeting: str
    valid: bool


async def issue(registration_id: int, *, by: Actor, now: datetime) -> dict:
    """A new letter for a confirmed registration: {"code", "url"}. Conflict if not confirmed."""
    registration = await Registration.select().where(Registration.id == registration_id).first()
    if registration is None:
        raise NotFound(gettext("There is no such registration."))
    if registration["status"] != "confirmed":
        raise Conflict(
            gettext("A visa letter is only issued for a confirmed registration."),
            reason="not-confirmed",
        )
    code = new_code()
    await VisaLetter.insert(VisaLetter(registration=registration_id, code=code, created_at=now))
    await audit.write(
        by,
        "registration.visa-letter",
        "registration",
        registration_id,
        now=now,
        summary=code,
    )
    return {"code": code, "url": urls.visa_letter_check(code)}


async def check(code: str) -> LetterCheck:
    """What /verify/{code} shows; NotFound for a code never issued."""
    row = await first_found(
        VisaLetter.select(
            *joined(VisaLetter.registration, "given_name", "family_name", "status"),
            VisaLetter.registration.meeting.as_alias("meeting_id"),
        ).where(VisaLetter.code == code.strip().upper()[:CODE_LENGTH]),
        gettext("No visa letter has this code."),
    )
    meeting = (
        await Meeting.select(
            Meeting.title, Meeting.status, Meeting.translations, Meeting.original_language
        )
        .where(Meeting.id == row["meeting_id"])
        .first()
    )
    return LetterCheck(
        name=f"{row['given_name']} {row['family_name']}",
        meeting=content.text(meeting, "title", current_language()),
        valid=row["status"] == "confirmed" and meeting["status"] != "cancelled",
    )
