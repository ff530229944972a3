"""Badges printed in batches to one PDF, and how many of each category are printed."""

from __future__ import annotations

import asyncio
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime

from piccolo.query.functions.aggregate import Count

from idmevents import audit, i18n
from idmevents.auth.services import CurrentUser
from idmevents.badges import render
from idmevents.badges.layout import BADGE_SIZES, PAPERS, default_paper, sheet_layout
from idmevents.badges.services._common import (
    Totals,
    actor,
    badge_views,
    confirmed_in,
    count_by_category,
    expected_by_category,
    give_checkin_ids,
    holds_of,
    sort_key,
    totals,
)
from idmevents.db import locked, write_transaction
from idmevents.errors import InvalidInput
from idmevents.registrations.tables import Registration
from idmevents.settings import get_settings


async def print_counts(meeting: dict) -> Totals:
    """Confirmed badges per category, and how many of them have been printed."""
    expected = await expected_by_category(meeting["id"])
    printed = await count_by_category(
        Registration.select(Registration.category, Count())
        .where(confirmed_in(meeting["id"]) & Registration.badge_printed_at.is_not_null())
        .group_by(Registration.category)
    )
    return totals(expected, printed)


@dataclass(frozen=True)
class PrintRun:
    count: int
    pages: int
    pdf: bytes | None
    filename: str


def check_print_options(paper: str, size: str) -> None:
    problems = {}
    if paper not in PAPERS and paper != "badge":
        problems["paper"] = i18n.gettext("Choose A4 or US Letter.")
    if size not in BADGE_SIZES:
        problems["size"] = i18n.gettext("Choose 4 × 3 in or A6.")
    if problems:
        raise InvalidInput(i18n.gettext("These print options are not available."), fields=problems)


async def print_badges(
    meeting: dict,
    *,
    now: datetime,
    paper: str | None = None,
    size: str = "4x3",
    category: str | None = None,
    not_printed_only: bool = False,
    registration_id: int | None = None,
    by: CurrentUser | None = None,
) -> PrintRun:
    """Render the matching confirmed badges to one PDF and mark them printed.

    Choosing the badges and marking them is one transaction, so two organizers printing "not
    printed yet" at once never both get the same badges. The PDF is rendered after it commits (a
    few seconds for hundreds of badges, which must not hold the write lock); if rendering fails,
    the marks are put back as they were.
    """
    paper = paper or default_paper(meeting["timezone"])
    check_print_options(paper, size)
    layout = sheet_layout(paper, size)
    rows = await choose_and_mark(
        meeting,
        now=now,
        paper=paper,
        size=size,
        category=category,
        not_printed_only=not_printed_only,
        registration_id=registration_id,
        by=by,
    )
    filename = f"badges-{meeting['slug']}-{now:%Y%m%d-%H%M%S}.pdf"
    if not rows:
        return PrintRun(count=0, pages=0, pdf=None, filename=filename)
    rows.sort(key=sort_key)
    secret_key = get_settings().secret_key
    badges = badge_views(rows, meeting, secret_key, await holds_of(rows))
    try:
        pdf = await asyncio.to_thread(render.sheets_pdf, badges, layout, meeting["title"])
    except BaseException:
        await restore_printed_marks(rows, now)
        raise
    pages = -(-len(badges) // layout.per_page)
    return PrintRun(count=len(badges), pages=pages, pdf=pdf, filename=filename)


async def choose_and_mark(
    meeting: dict,
    *,
    now: datetime,
    paper: str,
    size: str,
    category: str | None = None,
    not_printed_only: bool = False,
    registration_id: int | None = None,
    by: CurrentUser | None = None,
) -> list[dict]:
    """Choose the matching confirmed badges and mark them printed, in one transaction (two
    organizers printing "not printed yet" at once never both get the same badges)."""
    condition = confirmed_in(meeting["id"])
    if category:
        condition &= Registration.category == category
    if not_printed_only:
        condition &= Registration.badge_printed_at.is_null()
    if registration_id is not None:
        condition &= Registration.id == registration_id
    async with write_transaction():
        rows = await locked(Registration.select().where(condition))
        await give_checkin_ids(rows)
        if rows:
            ids = [row["id"] for row in rows]
            await Registration.update({Registration.badge_printed_at: now}).where(
                Registration.id.is_in(ids)
            )
            await audit.write(
                actor(by),
                "print_badges",
                "meeting",
                meeting["id"],
                meeting_slug=meeting["slug"],
                summary=i18n.ngettext(
                    "%(count)d badge printed", "%(count)d badges printed", len(ids)
                )
                % {"count": len(ids)},
                data={
                    "registrations": ids,
                    "paper": paper,
                    "size": size,
                    "category": category or "",
                    "not_printed_only": not_printed_only,
                },
                now=now,
            )
    return rows


async def restore_printed_marks(rows: list[dict], now: datetime) -> None:
    by_previous: dict[datetime | None, list[int]] = defaultdict(list)
    for row in rows:
        by_previous[row["badge_printed_at"]].append(row["id"])
    async with write_transaction():
        for previous, ids in by_previous.items():
            await Registration.update({Registration.badge_printed_at: previous}).where(
                Registration.id.is_in(ids) & (Registration.badge_printed_at == now)
            )
