"""The printable programme: /meetings/{slug}/programme.pdf, read back with pypdf."""

from __future__ import annotations

import io
import unicodedata
from datetime import UTC, datetime

import pytest
from pypdf import PdfReader

from idmevents.meetings.tables import Meeting, MeetingSession, Panelist, SessionPanelist
from tests.factories.meetings import make_meeting, make_session
from tests.unit.badges.test_printing import SCRIPTS, embedded_fonts


def pdf_text(content: bytes) -> str:
    reader = PdfReader(io.BytesIO(content))
    return "\n".join(page.extract_text() for page in reader.pages)


def page_size(content: bytes) -> tuple[int, int]:
    box = PdfReader(io.BytesIO(content)).pages[0].mediabox
    return round(float(box.width)), round(float(box.height))


async def test_the_programme_lists_the_sessions_with_their_times(client, demo):
    response = await client.get("/meetings/idm-new-york/programme.pdf")
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/pdf"
    text = " ".join(pdf_text(response.content).split())
    meeting = await Meeting.select().where(Meeting.slug == "idm-new-york").first()
    assert meeting["title"] in text or meeting["title"][:40] in text
    assert "10:00" in text  # the opening, in New York time
    assert "Opening" in text or "opening" in text.lower()
    # A New York meeting prints on US Letter (612 × 792 points).
    assert page_size(response.content) == (612, 792)


@pytest.mark.parametrize(
    ("language", "title", "session", "room"),
    [
        (
            "fr",
            "Dialogue international sur la migration 2017 — Deuxième",
            "Séance d’ouverture",
            "Salle XVII",
        ),
        (
            "es",
            "Diálogo Internacional sobre la Migración 2017 — Segundo",
            "Sesión de apertura",
            "Sala XVII",
        ),
    ],
)
async def test_the_programme_is_in_the_readers_language(
    client, demo, language, title, session, room
):
    """The chrome and the meeting's own content (its title, the sessions, the rooms) in the
    reader's language, and the zone's offset on the meeting's days (July in Geneva: UTC+2)."""
    response = await client.get(
        "/meetings/idm-geneva/programme.pdf", headers={"Accept-Language": language}
    )
    assert response.status_code == 200
    text = " ".join(pdf_text(response.content).split())
    assert title in text
    assert session in text and "Opening session" not in text
    assert room in text and "Room XVII" not in text
    assert "(UTC+2)" in text and "Zurich" not in text and "Zúrich" not in text
    # Geneva prints on A4 (595 × 842 points).
    assert page_size(response.content) == (595, 842)


async def test_the_meeting_page_links_to_it_and_an_unknown_meeting_is_404(client, demo):
    page = await client.get("/meetings/idm-new-york")
    assert 'href="/meetings/idm-new-york/programme.pdf"' in page.text
    assert (await client.get("/meetings/idm-paris/programme.pdf")).status_code == 404


async def test_a_day_with_parallel_sessions_gets_the_grid_on_the_meeting_page(client):
    meeting = await make_meeting(slug="grid-test")
    await make_session(meeting, "plenary", starts_at=datetime(2027, 4, 20, 14, tzinfo=UTC), hours=2)
    await make_session(meeting, "side", starts_at=datetime(2027, 4, 20, 15, tzinfo=UTC))
    await make_session(meeting, "alone", starts_at=datetime(2027, 4, 21, 14, tzinfo=UTC))
    page = (await client.get("/meetings/grid-test")).text
    assert page.count('class="agenda-grid"') == 1  # the first day only
    grid = page.split('class="agenda-grid"')[1].split("</table>")[0]
    assert "Session plenary" in grid and "Session side" in grid and "Session alone" not in grid


async def test_panelists_in_every_script_print_in_their_own_letters(client, demo):
    """A name in any script reaches the programme in its own letters, drawn by a Noto font."""
    meeting = await Meeting.select().where(Meeting.slug == "idm-new-york").first()
    session = await MeetingSession.select().where(MeetingSession.meeting == meeting["id"]).first()
    for position, ((given, family), _) in enumerate(SCRIPTS.values()):
        panelist = (
            await Panelist.insert(
                Panelist(slug=f"script-{position}", name=f"{given} {family}")
            ).returning(Panelist.id)
        )[0]
        await SessionPanelist.insert(
            SessionPanelist(
                meeting_session=session["id"], panelist=panelist["id"], position=100 + position
            )
        )
    response = await client.get("/meetings/idm-new-york/programme.pdf")
    assert response.status_code == 200
    reader = PdfReader(io.BytesIO(response.content))
    text = unicodedata.normalize("NFKC", "".join(page.extract_text() for page in reader.pages))
    fonts = embedded_fonts(reader)
    for script, ((given, family), font) in SCRIPTS.items():
        # A letter no font has is drawn as a box and extracts as nothing.
        assert set(unicodedata.normalize("NFKC", given + family)) <= set(text), script
        assert any(name.startswith(font) for name in fonts), (script, sorted(fonts))
