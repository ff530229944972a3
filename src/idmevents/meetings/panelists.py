"""Panelists: people reusable across meetings, and the times they cannot speak.

A panelist's name, honorific, position and organization appear in every calendar event of every
session they speak in, so editing them moves those sessions' SEQUENCE and their meetings'
`agenda_changed_at`. The email is private: it is never shown on public pages or in feeds.
"""

from __future__ import annotations

import json
import re
import unicodedata
from datetime import UTC, datetime

from idmevents import content
from idmevents.audit import Actor
from idmevents.audit import write as audit
from idmevents.db import by_id, through, write_transaction
from idmevents.errors import Conflict, InvalidInput, NotFound
from idmevents.i18n import gettext
from idmevents.meetings.builder import SLUG_PATTERN, bump_sequence, mark_agenda_changed
from idmevents.meetings.tables import Panelist, PanelistUnavailability, SessionPanelist
from idmevents.validation import check_aware, check_text, is_row_id, slugify

PANELIST_FIELDS = (
    "slug",
    "honorific",
    "name",
    "position",
    "organization",
    "bio",
    "email",
    "translations",
)
# Position and bio also exist in other languages (`translations`, see idmevents.content).
SHOWN_FIELDS = ("honorific", "name", "position", "organization", "bio", "translations")
EMAIL_PATTERN = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


def _folded(text: str) -> str:
    """Lower case without accents: "Jürg" is found by "jurg"."""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()


async def list_panelists(query: str | None = None) -> list[dict]:
    """Everyone, by name, with how many sessions each speaks in; `query` matches name or organization.

    Matching happens here rather than in SQL so that it ignores case and accents the same way on
    SQLite and PostgreSQL; the list is one organization's speakers, hundreds rather than millions.
    """
    people = await Panelist.select().order_by(Panelist.name)
    if query and query.strip():
        needle = _folded(query.strip())
        people = [
            p
            for p in people
            if needle in _folded(f"{p['honorific']} {p['name']} {p['organization']}")
        ]
    counts: dict[int, int] = {}
    for row in await SessionPanelist.select(SessionPanelist.panelist):
        counts[row["panelist"]] = counts.get(row["panelist"], 0) + 1
    return [p | {"session_count": counts.get(p["id"], 0)} for p in people]


async def get_panelist(panelist_id: int) -> dict:
    missing = NotFound(gettext("There is no panelist %(id)s.") % {"id": panelist_id})
    return await by_id(Panelist.select(), panelist_id, missing)


def _validate(values: dict) -> dict[str, str]:
    errors: dict[str, str] = {}
    # Name, honorific, position and organization make one line of every event they speak in.
    for name, limit, required in (
        ("name", 200, True),
        ("honorific", 60, False),
        ("organization", 300, False),
        ("position", 2000, False),
        ("email", 320, False),
        ("slug", 100, False),
    ):
        check_text(errors, values, name, limit, required=required, lines="single_line")
    check_text(errors, values, "bio", 20_000, required=False, lines="multi_line")
    if values.get("email") and "email" not in errors and not EMAIL_PATTERN.match(values["email"]):
        errors["email"] = gettext("An email address such as name@example.org.")
    if values.get("slug") and "slug" not in errors and not SLUG_PATTERN.match(values["slug"]):
        errors["slug"] = gettext("Lower-case letters, digits and single hyphens.")
    if "translations" in values:
        # A panelist speaks at meetings of any original language: any of ours may be given.
        cleaned = content.clean_translations(
            errors, values["translations"], content.PANELIST_TEXT, original=""
        )
        if cleaned is not None:
            values["translations"] = cleaned
    return errors


async def create_panelist(values: dict, *, by: Actor, now: datetime) -> dict:
    """A new panelist. Without a slug one is made from the name (made unique with -2, -3…)."""
    values = {k: v for k, v in values.items() if k in PANELIST_FIELDS and v is not None}
    values.setdefault("name", "")
    errors = _validate(values)
    if errors:
        raise InvalidInput(gettext("Please correct the marked fields."), fields=errors)
    async with write_transaction():
        if values.get("slug"):
            if await Panelist.exists().where(Panelist.slug == values["slug"]):
                raise Conflict(
                    gettext("The short name “%(slug)s” is taken by another panelist.")
                    % {"slug": values["slug"]},
                    fields={"slug": gettext("Taken by another panelist.")},
                )
        else:
            base = slugify(values["name"]) or "panelist"
            taken = {
                r["slug"]
                for r in await Panelist.select(Panelist.slug).where(Panelist.slug.like(f"{base}%"))
            }
            slug, n = base, 1
            while slug in taken:
                n += 1
                slug = f"{base}-{n}"
            values["slug"] = slug
        stored = dict(values)
        if "translations" in stored:
            stored["translations"] = json.dumps(
                content.merge({}, stored["translations"]), ensure_ascii=False
            )
        rows = await Panelist.insert(Panelist(**stored, created_at=now, updated_at=now)).returning(
            *Panelist.all_columns()
        )
        await audit(
            by,
            "panelist.create",
            "panelist",
            rows[0]["id"],
            summary=f"Added panelist {values['name']}",
            data={k: v for k, v in values.items() if k != "email"},
            now=now,
        )
    return rows[0]


async def update_panelist(panelist_id: int, values: dict, *, by: Actor, now: datetime) -> dict:
    values = {k: v for k, v in values.items() if k in PANELIST_FIELDS and v is not None}
    errors = _validate(values)
    if errors:
        raise InvalidInput(gettext("Please correct the marked fields."), fields=errors)
    async with write_transaction():
        person = await get_panelist(panelist_id)
        if "translations" in values:
            values["translations"] = content.merge(person["translations"], values["translations"])
        changed = content.changes(person, values)
        if not changed:
            return person
        if "slug" in changed:
            if not changed["slug"]:
                raise InvalidInput(fields={"slug": gettext("Required.")})
            if await Panelist.exists().where(
                (Panelist.slug == changed["slug"]) & (Panelist.id != panelist_id)
            ):
                raise Conflict(
                    gettext("The short name “%(slug)s” is taken by another panelist.")
                    % {"slug": changed["slug"]},
                    fields={"slug": gettext("Taken by another panelist.")},
                )
        stored = dict(changed)
        if "translations" in stored:
            stored["translations"] = json.dumps(stored["translations"], ensure_ascii=False)
        await Panelist.update({**stored, Panelist.updated_at: now}).where(
            Panelist.id == panelist_id
        )
        if any(k in SHOWN_FIELDS for k in changed):
            sessions = await SessionPanelist.select(
                SessionPanelist.meeting_session,
                SessionPanelist.meeting_session.meeting.as_alias("meeting_id"),
            ).where(SessionPanelist.panelist == panelist_id)
            await bump_sequence(sorted({s["meeting_session"] for s in sessions}), now)
            await mark_agenda_changed({s["meeting_id"] for s in sessions}, now)
        await audit(
            by,
            "panelist.update",
            "panelist",
            panelist_id,
            summary=f"Changed panelist {person['name']}: " + ", ".join(sorted(changed)),
            data={"fields": sorted(changed)},
            now=now,
        )
    return person | changed


async def panelist_sessions(panelist_id: int) -> list[dict]:
    """The sessions a panelist speaks in, every meeting, in time order."""
    return (
        await SessionPanelist.select(
            SessionPanelist.role,
            *through(
                SessionPanelist.meeting_session, "id", "title", "starts_at", "ends_at", "status"
            ),
            *through(
                SessionPanelist.meeting_session.meeting,
                "timezone",
                slug="meeting_slug",
                title="meeting_title",
            ),
        )
        .where(SessionPanelist.panelist == panelist_id)
        .order_by(SessionPanelist.meeting_session.starts_at)
    )


async def list_unavailability(panelist_id: int) -> list[dict]:
    return (
        await PanelistUnavailability.select()
        .where(PanelistUnavailability.panelist == panelist_id)
        .order_by(PanelistUnavailability.starts_at)
    )


async def add_unavailability(
    panelist_id: int,
    *,
    starts_at: datetime | None,
    ends_at: datetime | None,
    note: str = "",
    by: Actor,
    now: datetime,
) -> dict:
    """A period the panelist cannot speak in; sessions overlapping it show as clashes."""
    values = {"starts_at": starts_at, "ends_at": ends_at, "note": note}
    errors: dict[str, str] = {}
    for name in ("starts_at", "ends_at"):
        if values[name] is None:
            errors[name] = gettext("Required.")
        else:
            check_aware(errors, values, name)
    check_text(errors, values, "note", 300, required=False, lines="multi_line")
    if not errors and ends_at <= starts_at:
        errors["ends_at"] = gettext("The end must come after the start.")
    if errors:
        raise InvalidInput(gettext("Please correct the marked fields."), fields=errors)
    async with write_transaction():
        person = await get_panelist(panelist_id)
        rows = await PanelistUnavailability.insert(
            PanelistUnavailability(
                panelist=panelist_id,
                starts_at=starts_at.astimezone(UTC),
                ends_at=ends_at.astimezone(UTC),
                note=values["note"],
            )
        ).returning(*PanelistUnavailability.all_columns())
        await audit(
            by,
            "panelist.unavailable",
            "panelist",
            panelist_id,
            summary=f"{person['name']} unavailable {starts_at.isoformat()} – {ends_at.isoformat()}",
            data=values,
            now=now,
        )
    return rows[0]


async def delete_unavailability(period_id: int, *, by: Actor, now: datetime) -> int:
    """Remove an unavailable period; returns its panelist's id."""
    if not is_row_id(period_id):
        raise NotFound(gettext("That unavailable period no longer exists."))
    async with write_transaction():
        row = (
            await PanelistUnavailability.select()
            .where(PanelistUnavailability.id == period_id)
            .first()
        )
        if row is None:
            raise NotFound(gettext("That unavailable period no longer exists."))
        await PanelistUnavailability.delete().where(PanelistUnavailability.id == period_id)
        await audit(
            by,
            "panelist.available",
            "panelist",
            row["panelist"],
            summary="Removed an unavailable period",
            data={"starts_at": row["starts_at"], "ends_at": row["ends_at"]},
            now=now,
        )
    return row["panelist"]
