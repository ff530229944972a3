"""The visa invitation letter as a PDF, in the participant's language, on the meeting's letterhead.

A letterhead (organization, address lines, signatory, optional logo) is per meeting and edited by
its organizers; a meeting without one prints on `DEFAULT_LETTERHEAD`. The letter names the
person as in their passport, the passport, nationality and date of birth, the meeting, its dates
and venue, the stay, and carries the verification code with its `/verify/{code}` URL as text and
as a QR code. It is printed only while the letter is valid (the registration still confirmed).
"""

from __future__ import annotations

import base64
import functools
import io
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import anyio

from idmevents import audit, content, db, i18n, urls
from idmevents.audit import Actor
from idmevents.badges.render import qr_png_data_uri
from idmevents.delegations.tables import Letterhead, VisaLetter
from idmevents.errors import Conflict, InvalidInput, NotFound
from idmevents.feeds.programme import pdf_environment, write_pdf
from idmevents.i18n import gettext
from idmevents.meetings.tables import Meeting
from idmevents.registrations.countries import country_name
from idmevents.registrations.tables import Registration, VisaRequest
from idmevents.validation import check_text

DEFAULT_LETTERHEAD = {
    "organization": "International Organization for Migration (IOM)",
    "address": "17 route des Morillons\nP.O. Box 17\n1211 Geneva 19\nSwitzerland",
    "signatory_name": "",
    "signatory_title": "",
    "logo": "",
}
LETTERHEAD_TEXT = {
    "organization": (300, "single_line", True),
    "address": (1000, "multi_line", True),
    "signatory_name": (200, "single_line", False),
    "signatory_title": (200, "single_line", False),
}
# Within the site's 64 KB limit of a request's body, with room for the form's other fields.
MAX_LOGO_BYTES = 60_000
# The two formats every PDF reader shows, by what their files start with.
LOGO_TYPES = {b"\x89PNG\r\n\x1a\n": "image/png", b"\xff\xd8\xff": "image/jpeg"}


async def letterhead(meeting_id: int) -> dict[str, Any]:
    row = await Letterhead.select().where(Letterhead.meeting == meeting_id).first()
    return dict(DEFAULT_LETTERHEAD) if row is None else row


def logo_data_uri(data: bytes) -> str:
    """The uploaded logo as a `data:` URI; InvalidInput unless a real PNG or JPEG, small enough."""
    if len(data) > MAX_LOGO_BYTES:
        raise InvalidInput(
            gettext("Some fields need your attention."),
            fields={"logo": gettext("At most %(kb)s KB.") % {"kb": MAX_LOGO_BYTES // 1000}},
        )
    kind = next((t for magic, t in LOGO_TYPES.items() if data.startswith(magic)), None)
    if kind is not None:
        from PIL import Image, UnidentifiedImageError  # WeasyPrint's own dependency

        try:
            with Image.open(io.BytesIO(data)) as image:
                image.verify()
        except (UnidentifiedImageError, OSError, SyntaxError, ValueError):
            kind = None
    if kind is None:
        raise InvalidInput(
            gettext("Some fields need your attention."),
            fields={"logo": gettext("A PNG or JPEG image.")},
        )
    return f"data:{kind};base64,{base64.b64encode(data).decode()}"


async def save_letterhead(
    meeting: dict,
    data: dict[str, Any],
    *,
    logo: bytes | None,
    remove_logo: bool,
    by: Actor,
    now: datetime,
) -> dict[str, Any]:
    """Change the meeting's letterhead; `logo` replaces the image, `remove_logo` drops it."""
    values = {name: data.get(name, "") for name in LETTERHEAD_TEXT}
    errors: dict[str, str] = {}
    for name, (limit, lines, required) in LETTERHEAD_TEXT.items():
        check_text(errors, values, name, limit, required=required, lines=lines)
    if errors:
        raise InvalidInput(gettext("Some fields need your attention."), fields=errors)
    current = await letterhead(meeting["id"])
    values["logo"] = "" if remove_logo else current["logo"]
    if logo:
        values["logo"] = logo_data_uri(logo)
    async with db.write_transaction():
        exists = await Letterhead.exists().where(Letterhead.meeting == meeting["id"])
        if exists:
            await Letterhead.update(
                {getattr(Letterhead, k): v for k, v in values.items()}
                | {Letterhead.updated_at: now}
            ).where(Letterhead.meeting == meeting["id"])
        else:
            await Letterhead.insert(Letterhead(meeting=meeting["id"], **values, updated_at=now))
        await audit.write_on_meeting(
            by,
            "letterhead.updated",
            meeting,
            now=now,
        )
    return await letterhead(meeting["id"])


async def letter_context(registration_id: int) -> dict[str, Any]:
    """What the letter prints; NotFound without an approved request, Conflict once the letter
    is no longer valid (the person cancelled or replaced, the meeting cancelled)."""
    request = (
        await VisaRequest.select()
        .where(VisaRequest.registration == registration_id, VisaRequest.status == "approved")
        .first()
    )
    if request is None:
        raise NotFound(gettext("No visa letter was issued for this registration."))
    registration = await Registration.select().where(Registration.id == registration_id).first()
    meeting = await Meeting.select().where(Meeting.id == registration["meeting"]).first()
    if registration["status"] != "confirmed" or meeting["status"] == "cancelled":
        raise Conflict(gettext("This visa letter is no longer valid."), reason="not-valid")
    letter = await VisaLetter.select().where(VisaLetter.code == request["letter_code"]).first()
    language = registration["language"] or "en"
    issued = letter["created_at"] if letter else request["decided_at"]
    return {
        "language": language,
        "letterhead": await letterhead(meeting["id"]),
        "meeting": content.localized(meeting, content.MEETING_TEXT, language),
        "request": request,
        "nationality": country_name(request["nationality"], language),
        "issued_on": issued.astimezone(ZoneInfo(meeting["timezone"])).date(),
        "code": request["letter_code"],
        "verify_url": urls.visa_letter_check(request["letter_code"]),
        "qr": qr_png_data_uri(urls.visa_letter_check(request["letter_code"])),
        "filename": f"visa-letter-{meeting['slug']}-{request['letter_code']}.pdf",
    }


def letter_html(context: dict[str, Any]) -> str:
    token = i18n.set_language(context["language"])
    try:
        return (
            pdf_environment()
            .get_template("delegations/visa_letter.pdf.html.jinja2")
            .render(context)
        )
    finally:
        i18n.reset_language(token)


async def letter_pdf(registration_id: int) -> tuple[bytes, str]:
    """The letter as PDF and its file name (rendered in a thread: about half a second)."""
    context = await letter_context(registration_id)
    data = await anyio.to_thread.run_sync(functools.partial(_pdf, context))
    return data, context["filename"]


def _pdf(context: dict[str, Any]) -> bytes:
    return write_pdf(letter_html(context))
