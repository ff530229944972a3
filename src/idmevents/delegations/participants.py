"""The list of participants: people who agreed to appear on it, grouped by category, then by
delegation (or organization) in the order of the list's language, the head of delegation first.

Two editions: `provisional` (everyone confirmed) and `final` (those checked in). Someone who did
not consent, cancelled or was replaced (a cancelled registration) is never on it: the query only
reads confirmed registrations with `list_consent`, so every format built from `participants()`
(page, CSV, JSON) honours it alike, and nothing is cached.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field

import msgspec

from idmevents import states
from idmevents.delegations.tables import Delegate, Delegation
from idmevents.records import copy_fields
from idmevents.registrations.labels import CATEGORIES, category_label
from idmevents.registrations.tables import CheckIn, Registration

EDITIONS = ("provisional", "final")
CSV_COLUMNS = (
    "category",
    "delegation",
    "head",
    "honorific",
    "given_name",
    "family_name",
    "position",
    "organization",
)


# One line of the list; the API's ParticipantOut is this struct as it stands.
class Person(msgspec.Struct):
    honorific: str
    given_name: str
    family_name: str
    position: str
    organization: str
    head: bool


@dataclass
class Group:
    """A delegation, or the people of one organization or country outside any delegation."""

    name: str
    people: list[Person] = field(default_factory=list)


@dataclass
class Category:
    code: str
    label: str
    groups: list[Group] = field(default_factory=list)


async def participants(meeting_id: int, *, edition: str, language: str) -> list[Category]:
    """The list, in the order it is printed. `edition`: provisional or final (checked in)."""
    query = Registration.select().where(
        (Registration.meeting == meeting_id)
        & (Registration.status == "confirmed")
        & (Registration.list_consent.eq(True))
    )
    rows = await query
    if edition == "final":
        checked = {
            row["registration"]
            for row in await CheckIn.select(CheckIn.registration).where(
                CheckIn.registration.is_in([r["id"] for r in rows] or [0])
            )
        }
        rows = [row for row in rows if row["id"] in checked]
    delegates = {
        row["registration"]: row
        for row in await Delegate.select(
            Delegate.registration,
            Delegate.delegation.id.as_alias("delegation_id"),
        ).where(Delegate.registration.is_in([r["id"] for r in rows] or [0]))
    }
    delegations = {
        row["id"]: row for row in await Delegation.select().where(Delegation.meeting == meeting_id)
    }
    by_category: dict[str, dict[str, Group]] = {}
    for row in rows:
        delegate = delegates.get(row["id"])
        delegation = delegations.get(delegate["delegation_id"]) if delegate else None
        if delegation is not None:
            name = (
                states.state_name(delegation["country"], language)
                if delegation["country"]
                else delegation["organization"]
            )
        elif (
            row["country"]
            and row["category"] in ("member-state", "observer")
            and states.is_state(row["country"])
        ):
            name = states.state_name(row["country"], language)
        else:
            name = row["organization"]
        groups = by_category.setdefault(row["category"], {})
        group = groups.setdefault(name, Group(name))
        group.people.append(
            copy_fields(
                Person,
                row,
                head=delegation is not None and delegation["head"] == row["id"],
            )
        )
    result = []
    for code in sorted(by_category, key=lambda c: CATEGORIES.index(c) if c in CATEGORIES else 99):
        groups = sorted(by_category[code].values(), key=lambda g: states.sort_key(g.name, language))
        for group in groups:
            group.people.sort(
                key=lambda p: (not p.head, p.family_name.casefold(), p.given_name.casefold())
            )
        result.append(Category(code, category_label(code), groups))
    return result


def as_csv(categories: list[Category]) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(CSV_COLUMNS)
    for category in categories:
        for group in category.groups:
            for p in group.people:
                writer.writerow(
                    [
                        category.label,
                        group.name,
                        "yes" if p.head else "",
                        p.honorific,
                        p.given_name,
                        p.family_name,
                        p.position,
                        p.organization,
                    ]
                )
    return out.getvalue()
