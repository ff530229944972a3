"""What the badge, printing and desk modules share: check-in ids, counts per category, sorting
names, and who the audit log names."""

from __future__ import annotations

from dataclasses import dataclass

from piccolo.query.functions.aggregate import Count

from idmevents.audit import SYSTEM, Actor
from idmevents.auth.services import CurrentUser
from idmevents.badges import codes, render
from idmevents.i18n import fold
from idmevents.registrations.tables import Registration, SeatHold


def actor(by: CurrentUser | None) -> Actor:
    """Who the audit log names: an account, or the system."""
    return Actor(by.id, by.email) if by else SYSTEM


async def new_unused_checkin_id() -> str:
    """A check-in id no registration has: 45 random bits, checked against the unique index."""
    while True:
        candidate = codes.new_checkin_id()
        if not await Registration.exists().where(Registration.checkin_id == candidate):
            return candidate


async def give_checkin_ids(rows: list[dict]) -> None:
    """Give each row without a check-in id its own, in the database and in the row."""
    for row in rows:
        if row["checkin_id"]:
            continue
        candidate = await new_unused_checkin_id()
        await Registration.update({Registration.checkin_id: candidate}).where(
            (Registration.id == row["id"]) & Registration.checkin_id.is_null()
        )
        # Read back: when two requests race for the same row, the first id written is the one.
        row["checkin_id"] = (
            await Registration.select(Registration.checkin_id)
            .where(Registration.id == row["id"])
            .first()
        )["checkin_id"]


async def holds_of(rows: list[dict]) -> dict[int, dict]:
    """Hold id → its row (whom the seats are kept for), for the rows named into held seats: a
    delegate's badge names their delegation."""
    ids = sorted({row["seat_hold"] for row in rows if row.get("seat_hold")})
    if not ids:
        return {}
    found = await SeatHold.select(SeatHold.id, SeatHold.country, SeatHold.organization).where(
        SeatHold.id.is_in(ids)
    )
    return {hold["id"]: hold for hold in found}


def badge_views(
    rows: list[dict], meeting: dict, secret_key: str, holds: dict[int, dict]
) -> list[render.BadgeView]:
    return [
        render.badge_view(row, meeting, secret_key, holds.get(row.get("seat_hold"))) for row in rows
    ]


@dataclass(frozen=True)
class CategoryCount:
    category: str
    label: str
    colour_class: str
    expected: int  # confirmed registrations
    done: int  # printed, or arrived


@dataclass(frozen=True)
class Totals:
    expected: int
    done: int
    categories: list[CategoryCount]


def totals(expected: dict[str, int], done: dict[str, int]) -> Totals:
    categories = [
        CategoryCount(
            category=category,
            label=render.category_label(category),
            colour_class=render.category_class(category),
            expected=expected.get(category, 0),
            done=done.get(category, 0),
        )
        for category in sorted(set(expected) | set(done), key=render.category_label)
    ]
    return Totals(
        expected=sum(c.expected for c in categories),
        done=sum(c.done for c in categories),
        categories=categories,
    )


def confirmed_in(meeting_id: int):
    """Those expected in the room: confirmed, and not taking part online."""
    return (
        (Registration.meeting == meeting_id)
        & (Registration.status == "confirmed")
        & (Registration.attendance != "online")
    )


async def count_by_category(query) -> dict[str, int]:
    return {row["category"]: row["count"] for row in await query}


async def expected_by_category(meeting_id: int) -> dict[str, int]:
    """Confirmed registrations per category: the badges to print, the people to expect."""
    return await count_by_category(
        Registration.select(Registration.category, Count())
        .where(confirmed_in(meeting_id))
        .group_by(Registration.category)
    )


def sort_key(row: dict) -> tuple[str, str]:
    return (fold(row["family_name"]), fold(row["given_name"]))
