"""The list of participants as a printed document: a title page (meeting, edition, date), then
the people by category and delegation, in the list's language, every script in Noto. Organizers
may publish it: the PDF is then public (`set_published`, `public_meeting`).

Built from `participants.participants()` like the page, CSV and JSON, so consent, cancellation
and replacement are honoured alike; the PDF is made on demand and never cached.
"""

from __future__ import annotations

import functools
from datetime import date, datetime
from zoneinfo import ZoneInfo

import anyio

from idmevents import audit, content, i18n
from idmevents.audit import Actor
from idmevents.delegations.participants import Category, participants
from idmevents.errors import NotFound
from idmevents.feeds.programme import pdf_environment, write_pdf
from idmevents.i18n import gettext
from idmevents.meetings.tables import Meeting


def participants_html(
    meeting: dict, categories: list[Category], *, edition: str, language: str, today: date
) -> str:
    token = i18n.set_language(language)
    try:
        return (
            pdf_environment()
            .get_template("delegations/participants.pdf.html.jinja2")
            .render(
                meeting=content.localized(meeting, content.MEETING_TEXT, language),
                categories=categories,
                edition=edition,
                language=language,
                today=today,
            )
        )
    finally:
        i18n.reset_language(token)


def participants_pdf(
    meeting: dict, categories: list[Category], *, edition: str, language: str, today: date
) -> bytes:
    """The list as PDF. CPU-bound (about a second): the caller runs it in a thread."""
    return write_pdf(
        participants_html(meeting, categories, edition=edition, language=language, today=today)
    )


async def list_pdf(meeting: dict, *, edition: str, language: str, now: datetime) -> bytes:
    """The list of `meeting` in `edition` as PDF in `language`, dated `now` (the meeting's day)."""
    token = i18n.set_language(language)  # the category labels are read in the list's language
    try:
        categories = await participants(meeting["id"], edition=edition, language=language)
    finally:
        i18n.reset_language(token)
    today = now.astimezone(ZoneInfo(meeting["timezone"])).date()
    return await anyio.to_thread.run_sync(
        functools.partial(
            participants_pdf, meeting, categories, edition=edition, language=language, today=today
        )
    )


def pdf_filename(meeting: dict, edition: str) -> str:
    return f"participants-{meeting['slug']}-{edition}.pdf"


async def set_published(meeting: dict, published: bool, *, by: Actor, now: datetime) -> None:
    """Publish the list (its PDF becomes public at /meetings/{slug}/participants.pdf) or not."""
    await Meeting.update(
        {Meeting.participants_list_published: published, Meeting.updated_at: now}
    ).where(Meeting.id == meeting["id"])
    await audit.write_on_meeting(
        by,
        "participants.published" if published else "participants.unpublished",
        meeting,
        now=now,
    )


async def public_meeting(slug: str) -> dict:
    """The published meeting whose list is published; NotFound otherwise (as if none)."""
    meeting = await Meeting.select().where(Meeting.slug == slug[:100]).first()
    if (
        meeting is None
        or meeting["status"] == "draft"
        or not meeting["participants_list_published"]
    ):
        raise NotFound(gettext("The list of participants is not published."))
    return meeting
