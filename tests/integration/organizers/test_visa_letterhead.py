"""The letterhead of a meeting's visa letters: organizers change the organization, address,
signatory and logo (PNG or JPEG, size-limited); the letters print on it."""

from __future__ import annotations

import io
import re

import pytest
from PIL import Image
from pypdf import PdfReader

from idmevents.audit import SYSTEM
from idmevents.delegations import visa_requests
from idmevents.delegations.tables import Letterhead
from idmevents.registrations import services as registrations
from tests.factories.meetings import NOW, make_meeting
from tests.factories.registrations import form
from tests.integration.public.test_programme_pdf import pdf_text
from tests.integration.public.test_visa_requests import GOOD

PAGE = "/admin/meetings/test-meeting/visa-letters/letterhead"


@pytest.fixture
async def organizer(client, make_user, login):
    user, password = await make_user("organizer")
    await login(client, user["email"], password)
    return client


def png(size: int = 40) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (size, size), (11, 79, 138)).save(out, "PNG")
    return out.getvalue()


async def save(client, data: dict, logo: bytes | None = None, name: str = "logo.png"):
    shown = await client.get(PAGE)
    token = re.search(r'name="_csrf_token" value="([^"]+)"', shown.text).group(1)
    return await client.post(
        PAGE,
        data=data | {"_csrf_token": token},
        files={"logo": (name, logo, "image/png")} if logo is not None else None,
        follow_redirects=False,
    )


LETTERHEAD = {
    "organization": "Organisation internationale pour les migrations",
    "address": "17 route des Morillons\n1211 Genève 19",
    "signatory_name": "Jane Doe",
    "signatory_title": "Director, International Partnerships",
}


async def issued_letter(meeting: dict) -> dict:
    registration = (
        await registrations.register(meeting, form(1, language="fr"), now=NOW)
    ).registration
    await visa_requests.ask(registration, GOOD, by=SYSTEM, now=NOW)
    await visa_requests.approve(registration["id"], by=SYSTEM, now=NOW)
    return registration


async def test_letters_print_on_the_letterhead_the_organizers_set(client, organizer):
    meeting = await make_meeting()
    shown = await client.get(PAGE)
    assert shown.status_code == 200
    assert "International Organization for Migration (IOM)" in shown.text  # the default
    saved = await save(client, LETTERHEAD, png())
    assert saved.status_code == 303, saved.text
    assert "<img" in (await client.get(PAGE)).text
    registration = await issued_letter(meeting)
    pdf = await client.get(f"/r/{registration['token']}/visa-letter.pdf")
    text = " ".join(pdf_text(pdf.content).split())
    for expected in ("Organisation internationale pour les migrations", "Genève", "Jane Doe"):
        assert expected in text
    assert len(PdfReader(io.BytesIO(pdf.content)).pages[0].images) >= 2  # the logo and the QR

    removed = await save(client, LETTERHEAD | {"remove_logo": "on"})
    assert removed.status_code == 303
    assert (await Letterhead.select(Letterhead.logo).first())["logo"] == ""


@pytest.mark.parametrize(
    ("data", "logo", "field"),
    [
        (LETTERHEAD | {"organization": " "}, None, "organization"),
        (LETTERHEAD, b"GIF89a not a png", "logo"),
        (LETTERHEAD, b"\x89PNG\r\n\x1a\n" + b"broken" * 10, "logo"),
        (LETTERHEAD, png(2000)[:10] + b"\0" * 61_000, "logo"),
    ],
)
async def test_bad_letterhead_is_422_and_nothing_changes(client, organizer, data, logo, field):
    await make_meeting()
    response = await save(client, data, logo)
    assert response.status_code == 422
    assert f'id="{field}-error"' in response.text
    assert await Letterhead.count() == 0
