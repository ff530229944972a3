"""Paragraphs typed by organizers survive the browser's line ends (CRLF, or a lone CR)."""

from __future__ import annotations

import re

import pytest

from idmevents.meetings.tables import Meeting, MeetingSession, Panelist
from idmevents.web.text import paragraphs


@pytest.mark.parametrize(
    "text",
    [
        "First line\r\nstill first.\r\n\r\nSecond.",
        "First line\nstill first.\n\nSecond.",
        "First line\rstill first.\r\rSecond.",
        "\r\n  First line\r\nstill first.\r\n \r\n\r\nSecond.\r\n",
    ],
)
def test_paragraphs_split_on_blank_lines_whatever_the_line_ends(text):
    assert paragraphs(text) == ["First line\nstill first.", "Second."]


def test_no_text_is_no_paragraph():
    assert paragraphs(None) == paragraphs("") == paragraphs("\r\n\r\n") == []


def shown_paragraphs(html: str, section_id: str | None = None) -> list[str]:
    return [
        re.sub(r"\s+", " ", text).strip()
        for text in re.findall(r'<p class="pre-line">(.*?)</p>', html, flags=re.S)
    ]


async def test_a_meeting_description_typed_in_a_browser_keeps_its_paragraphs(client, demo):
    await Meeting.update({Meeting.description: "We meet.\r\n\r\nWe talk."}).where(
        Meeting.slug == "idm-new-york"
    )
    page = (await client.get("/meetings/idm-new-york")).text
    about = page[page.index('id="about-heading"') :]
    assert shown_paragraphs(about)[:2] == ["We meet.", "We talk."]


async def test_session_descriptions_and_bios_keep_their_paragraphs(client, demo):
    session = await MeetingSession.select(MeetingSession.id, MeetingSession.title).first()
    await MeetingSession.update({MeetingSession.description: "One.\r\n\r\nTwo."}).where(
        MeetingSession.id == session["id"]
    )
    panelist = await Panelist.select(Panelist.slug).first()
    await Panelist.update({Panelist.bio: "Born.\r\n\r\nWorks."}).where(
        Panelist.slug == panelist["slug"]
    )
    meeting_page = (await client.get("/meetings/idm-new-york")).text
    assert [p for p in shown_paragraphs(meeting_page) if p in ("One.", "Two.")] == ["One.", "Two."]
    panelist_page = (await client.get(f"/panelists/{panelist['slug']}")).text
    assert shown_paragraphs(panelist_page) == ["Born.", "Works."]
