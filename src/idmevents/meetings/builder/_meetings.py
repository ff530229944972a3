"""Meetings: listing, creating and changing them, and the steps their status may take.

Every verb runs in one write transaction that also writes the audit entry; `change_meeting` is the
exception, for a caller that adds its own work to the same transaction (cancelling a published
meeting emails its participants: see `registrations.meeting_cancellation`).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from idmevents import content
from idmevents.audit import Actor, write_on_meeting
from idmevents.audit import write as audit
from idmevents.db import locked, write_transaction
from idmevents.errors import Conflict, InvalidInput, NotFound
from idmevents.i18n import LANGUAGES, gettext
from idmevents.i18n import N_ as _
from idmevents.meetings.builder._changes import (
    _change_view,
    _record_change,
    bump_sequence,
    mark_agenda_changed,
)
from idmevents.meetings.builder._clash_report import clash_summary, meeting_clashes
from idmevents.meetings.builder._zones import _reanchor, is_timezone
from idmevents.meetings.reminder_schedule import MAX_REMINDERS, canonical_offsets
from idmevents.meetings.services import MEETING_STATUSES
from idmevents.meetings.tables import Meeting, MeetingSession
from idmevents.meetings.teams import join_creator
from idmevents.validation import (
    check_aware,
    check_capacity,
    check_confirmation,
    check_day,
    check_language_codes,
    check_retention,
    check_text,
)

SLUG_PATTERN = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
SLUG_MAX = 100
# Which status may follow which. A published meeting never goes back to draft: calendars and
# participants already know it; it is cancelled (and may be reinstated) instead.
STATUS_TRANSITIONS = {
    "draft": {"published", "cancelled"},
    "published": {"cancelled"},
    "cancelled": {"published"},
}
MEETING_FIELDS = (
    "slug",
    "title",
    "theme",
    "description",
    "city",
    "venue_name",
    "venue_address",
    "timezone",
    "starts_on",
    "ends_on",
    "capacity",
    "status",
    "registration_opens_at",
    "registration_closes_at",
    "retention_days",
    "reminders",
    "reminders_enabled",
    "follow_up_url",
    "mode",
    "capacity_online",
    "webcast_url",
    "remote_url",
    "interpretation",
    "confirm_email_first",
    "confirm_within_hours",
    "original_language",
    "translations",
    "invitation_categories",
    "nomination_deadline",
)
MEETING_MODES = ("in_person", "online", "hybrid")
REMINDER_FIELDS = ("reminders", "reminders_enabled", "follow_up_url")
# Fields no calendar shows: changing only these leaves every feed as it was.
OFF_CALENDAR_FIELDS = (
    *REMINDER_FIELDS,
    "invitation_categories",
    "nomination_deadline",
    "confirm_email_first",
    "confirm_within_hours",
)
CATEGORY_CODE = re.compile(r"^[a-z][a-z-]{0,29}$")
# Edits to these meeting fields change what every event of the meeting shows in a calendar
# (a feed in French shows the French title: a translation is as visible as the original).
MEETING_FIELDS_IN_EVENTS = (
    "title",
    "city",
    "venue_name",
    "venue_address",
    "status",
    "original_language",
    "translations",
    "webcast_url",
)


async def _meeting_for_update(slug: str) -> dict:
    meeting = await locked(Meeting.select().where(Meeting.slug == slug)).first()
    if meeting is None:
        raise NotFound(gettext("There is no meeting called “%(slug)s”.") % {"slug": slug})
    return meeting


async def _meeting_by_id(meeting_id: int) -> dict:
    meeting = await locked(Meeting.select().where(Meeting.id == meeting_id)).first()
    if meeting is None:
        raise NotFound(gettext("That meeting no longer exists."))
    return meeting


def _editable(meeting: dict) -> None:
    if meeting["status"] == "cancelled":
        raise Conflict(
            gettext("This meeting is cancelled: reinstate it before changing its agenda.")
        )


async def list_meetings() -> list[dict]:
    """Every meeting, drafts included, latest first, with how many sessions each has."""
    meetings = await Meeting.select().order_by(Meeting.starts_on, ascending=False)
    counts = await MeetingSession.select(
        MeetingSession.meeting, MeetingSession.status, MeetingSession.id
    )
    per_meeting: dict[int, int] = {}
    for row in counts:
        if row["status"] != "cancelled":
            per_meeting[row["meeting"]] = per_meeting.get(row["meeting"], 0) + 1
    return [m | {"session_count": per_meeting.get(m["id"], 0)} for m in meetings]


async def get_meeting_any(slug: str) -> dict:
    meeting = await Meeting.select().where(Meeting.slug == slug).first()
    if meeting is None:
        raise NotFound(gettext("There is no meeting called “%(slug)s”.") % {"slug": slug})
    return meeting


def _validate_meeting(values: dict, merged: dict) -> dict[str, str]:
    """Field errors for meeting values; `merged` is the meeting as it would be after the change."""
    errors: dict[str, str] = {}
    current_translations = merged.get("translations")
    check_text(errors, values, "title", 300, required=True, lines="single_line")
    check_text(errors, values, "slug", SLUG_MAX, required=True, lines="single_line")
    for name, limit in (("city", 100), ("venue_name", 200)):
        check_text(errors, values, name, limit, required=False, lines="single_line")
    for name in ("theme", "description", "venue_address"):
        check_text(errors, values, name, 20_000, required=False, lines="multi_line")
    merged.update({k: v for k, v in values.items() if k not in errors})
    if "slug" in values and "slug" not in errors and not SLUG_PATTERN.match(values["slug"]):
        errors["slug"] = gettext(
            "Lower-case letters, digits and single hyphens, e.g. idm-geneva-2027."
        )
    if "timezone" in values and not (
        isinstance(values["timezone"], str) and is_timezone(values["timezone"])
    ):
        errors["timezone"] = gettext("An IANA time zone such as Europe/Zurich.")
    for name in ("starts_on", "ends_on"):
        check_day(errors, values, name)
    check_order(errors, merged, "starts_on", "ends_on", date, same_allowed=True)
    check_capacity(errors, values)
    check_retention(errors, values)
    check_confirmation(errors, values)
    for name in ("registration_opens_at", "registration_closes_at"):
        check_aware(errors, values, name)
    check_order(errors, merged, "registration_opens_at", "registration_closes_at", datetime)
    _check_reminders(errors, values)
    _check_attendance(errors, values)
    _check_invitations(errors, values)
    if "status" in values and values["status"] not in MEETING_STATUSES:
        errors["status"] = gettext("One of: %(choices)s.") % {
            "choices": ", ".join(MEETING_STATUSES)
        }
    _validate_languages(errors, values, merged, current_translations)
    return errors


def _check_reminders(errors: dict, values: dict) -> None:
    """`reminders`: a list of offsets, stored canonical as JSON text; `follow_up_url`: empty or
    an http(s) address; `reminders_enabled`: a boolean."""
    if "reminders" in values:
        given = values["reminders"]
        if not isinstance(given, list | tuple) or not all(isinstance(v, str) for v in given):
            errors["reminders"] = gettext("A list of offsets such as -P7D, -P1D or PT2H.")
        elif len(given) > MAX_REMINDERS:
            errors["reminders"] = gettext("At most %(n)s reminders.") % {"n": MAX_REMINDERS}
        else:
            try:
                values["reminders"] = json.dumps(canonical_offsets(list(given)))
            except ValueError:
                errors["reminders"] = gettext(
                    "Offsets are ISO 8601 durations within a year: -P7D (7 days before the "
                    "start), -PT2H (2 hours before), PT2H (2 hours after the end)."
                )
    if "reminders_enabled" in values and not isinstance(values["reminders_enabled"], bool):
        errors["reminders_enabled"] = gettext("True or false.")
    check_url(errors, values, "follow_up_url")


def _check_invitations(errors: dict, values: dict) -> None:
    """`invitation_categories`: registration category codes (the registrations domain knows which
    exist; the web checks them against its list), stored as JSON text; `nomination_deadline`:
    an instant or None."""
    if "invitation_categories" in values:
        given = values["invitation_categories"]
        if not isinstance(given, list | tuple) or not all(
            isinstance(v, str) and CATEGORY_CODE.match(v) for v in given
        ):
            errors["invitation_categories"] = gettext("A list of registration categories.")
        else:
            values["invitation_categories"] = json.dumps(sorted(set(given)))
    check_aware(errors, values, "nomination_deadline")


def check_url(errors: dict, values: dict, name: str) -> None:
    """`values[name]`, if present: empty or an http(s) address of at most 500 characters."""
    if name not in values:
        return
    check_text(errors, values, name, 500, required=False, lines="single_line")
    url = values.get(name)
    if name not in errors and url and not re.match(r"^https?://[^\s/]+\S*$", url):
        errors[name] = gettext("An address starting with https:// or http://.")


def _check_attendance(errors: dict, values: dict) -> None:
    if "mode" in values and values["mode"] not in MEETING_MODES:
        errors["mode"] = gettext("One of: %(choices)s.") % {"choices": ", ".join(MEETING_MODES)}
    check_capacity(errors, values, "capacity_online")
    check_url(errors, values, "webcast_url")
    check_url(errors, values, "remote_url")
    check_language_codes(errors, values)  # the default of the meeting's new sessions


# What a field that must come after another says when it does not, by field.
ORDER_MESSAGES = {
    "ends_on": _("The last day cannot come before the first."),
    "registration_closes_at": _("Registration must close after it opens."),
    "ends_at": _("The session must end after it starts."),
}


def check_order(
    errors: dict, values: dict, first: str, last: str, kind: type, *, same_allowed: bool = False
) -> None:
    """The error of ORDER_MESSAGES on `last` when it comes before `first` (or at the same moment,
    unless `same_allowed`); said only when both are valid values of `kind`: a field with its own
    error, missing, or (a datetime) without its UTC offset is not compared."""
    start, end = values.get(first), values.get(last)
    if first in errors or last in errors or not isinstance(start, kind):
        return
    if not isinstance(end, kind):
        return
    if isinstance(start, datetime) and (start.tzinfo is None or end.tzinfo is None):
        return
    if end < start or (end == start and not same_allowed):
        errors[last] = gettext(ORDER_MESSAGES[last])


def _validate_languages(errors: dict, values: dict, merged: dict, current: object) -> None:
    """The original language, and the translations checked by the rules of the original text
    then merged into the meeting's (`values["translations"]` becomes the whole new set)."""
    if "original_language" in values and values["original_language"] not in LANGUAGES:
        errors["original_language"] = gettext("One of: %(choices)s.") % {
            "choices": ", ".join(LANGUAGES)
        }
        return
    if "translations" not in values:
        return
    original = merged.get("original_language") or content.DEFAULT_LANGUAGE
    content.check_translations(errors, values, content.MEETING_TEXT, original, current)


def _normalise_instants(values: dict) -> None:
    for name in ("registration_opens_at", "registration_closes_at", "nomination_deadline"):
        if isinstance(values.get(name), datetime):
            values[name] = values[name].astimezone(UTC)


async def create_meeting(values: dict, *, by: Actor, now: datetime) -> dict:
    """A new meeting (a draft unless `status` says published). Raises InvalidInput or Conflict."""
    values = {k: v for k, v in values.items() if k in MEETING_FIELDS}
    values.setdefault("status", "draft")
    missing = {
        name: gettext("Required.")
        for name in ("slug", "title", "timezone", "starts_on", "ends_on")
        if values.get(name) in (None, "")
    }
    merged: dict = {}
    errors = _validate_meeting(values, merged) | missing
    if "status" not in errors and values["status"] == "cancelled":
        errors["status"] = gettext("A new meeting is a draft or published.")
    if errors:
        raise InvalidInput(gettext("Please correct the marked fields."), fields=errors)
    _normalise_instants(values)
    if "translations" in values:
        values["translations"] = json.dumps(values["translations"], ensure_ascii=False)
    async with write_transaction():
        if await Meeting.exists().where(Meeting.slug == values["slug"]):
            raise Conflict(
                gettext("The address “%(slug)s” is taken by another meeting.")
                % {"slug": values["slug"]},
                fields={"slug": gettext("Taken by another meeting.")},
            )
        rows = await Meeting.insert(
            Meeting(**values, created_at=now, updated_at=now, agenda_changed_at=now)
        ).returning(*Meeting.all_columns())
        meeting = rows[0]
        await created(
            meeting, by, "meeting.create", f"Created meeting {meeting['title']}", values, now=now
        )
    return meeting


async def created(
    meeting: dict, by: Actor, action: str, summary: str, data: dict, *, now: datetime
) -> None:
    """A new meeting's last steps, in the transaction that inserted it: the account that made it
    joins its team, and the audit log notes it."""
    await join_creator(meeting["id"], by, now=now)
    await write_on_meeting(by, action, meeting, summary=summary, data=data, now=now)


@dataclass(frozen=True)
class MeetingUpdate:
    """What `change_meeting` did: the meeting before and after, and the fields that changed."""

    before: dict
    meeting: dict
    changed: dict

    @property
    def cancels_published(self) -> bool:
        """A published meeting became cancelled: its participants are to be told."""
        return self.changed.get("status") == "cancelled" and self.before["status"] == "published"


async def update_meeting(
    slug: str, values: dict, *, by: Actor, now: datetime, confirm_clashes: bool = False
) -> dict:
    """Change some of a meeting's fields (those present in `values`).

    A new time zone keeps every session at its local wall-clock time (an organizer correcting
    the zone means "10:00 there"). Publishing a meeting with clashes raises Conflict listing them
    unless `confirm_clashes`. Cancelling a published meeting HERE tells nobody: callers that may
    cancel go through `registrations.meeting_cancellation`, which emails the participants.
    """
    async with write_transaction():
        update = await change_meeting(slug, values, now=now, confirm_clashes=confirm_clashes)
        await audit_meeting_update(update, by=by, now=now)
    return update.meeting


async def change_meeting(
    slug: str, values: dict, *, now: datetime, confirm_clashes: bool = False
) -> MeetingUpdate:
    """`update_meeting`'s change, in the caller's write transaction and without its audit entry.

    The caller writes the entry with `audit_meeting_update` once its own work is done.
    """
    values = {k: v for k, v in values.items() if k in MEETING_FIELDS}
    meeting = await _meeting_for_update(slug)
    errors = _validate_meeting(values, dict(meeting))
    for name in ("slug", "title", "timezone", "starts_on", "ends_on", "status", "mode"):
        if name in values and values[name] is None:
            errors[name] = gettext("Required.")
    if errors:
        raise InvalidInput(gettext("Please correct the marked fields."), fields=errors)
    _normalise_instants(values)
    changed = content.changes(meeting, values)
    if not changed:
        return MeetingUpdate(meeting, meeting, {})
    if "slug" in changed:
        await _check_new_slug(meeting, changed["slug"])
    if "status" in changed:
        await _check_transition(meeting, changed["status"], confirm_clashes)
    stored = dict(changed)
    if "translations" in stored:
        stored["translations"] = json.dumps(stored["translations"], ensure_ascii=False)
    await Meeting.update({**stored, Meeting.updated_at: now}).where(Meeting.id == meeting["id"])
    if not set(changed) <= set(OFF_CALENDAR_FIELDS):
        await _refresh_calendars(meeting, changed, now)
    updated = await Meeting.select().where(Meeting.id == meeting["id"]).first()
    return MeetingUpdate(meeting, updated, changed)


async def audit_meeting_update(
    update: MeetingUpdate, *, by: Actor, now: datetime, also: str = "", data: dict | None = None
) -> None:
    """The audit entry of a meeting's change; `also` and `data` add what the caller did with it."""
    if not update.changed:
        return
    changed, before = update.changed, update.before
    summary = "Changed " + ", ".join(sorted(changed))
    if also:
        summary += f"; {also}"
    entry: dict[str, Any] = {"before": {k: before[k] for k in changed}, "after": changed}
    await audit(
        by,
        _status_action(changed.get("status")) or "meeting.update",
        "meeting",
        before["id"],
        meeting_slug=changed.get("slug", before["slug"]),
        summary=summary,
        data=entry | (data or {}),
        now=now,
    )


async def _check_new_slug(meeting: dict, slug: str) -> None:
    if meeting["status"] != "draft":
        raise Conflict(
            gettext(
                "The address of a meeting that has been published cannot change: "
                "calendars and links already point to it."
            ),
            fields={"slug": gettext("Fixed once published.")},
        )
    if await Meeting.exists().where(Meeting.slug == slug):
        raise Conflict(
            gettext("The address “%(slug)s” is taken by another meeting.") % {"slug": slug},
            fields={"slug": gettext("Taken by another meeting.")},
        )


async def _refresh_calendars(meeting: dict, changed: dict, now: datetime) -> None:
    """Move the sessions to a new zone, or bump them if their events show a changed field."""
    sessions = await MeetingSession.select(MeetingSession.id).where(
        MeetingSession.meeting == meeting["id"]
    )
    session_ids = [s["id"] for s in sessions]
    if "timezone" in changed and session_ids:
        await _move_sessions_to_zone(
            {**meeting, **changed}, meeting["timezone"], changed["timezone"], now=now
        )
    elif any(name in changed for name in MEETING_FIELDS_IN_EVENTS):
        await bump_sequence(session_ids, now)
    await mark_agenda_changed({meeting["id"]}, now)


def _status_action(status: str | None) -> str | None:
    return {"published": "meeting.publish", "cancelled": "meeting.cancel"}.get(status or "")


async def _check_transition(meeting: dict, status: str, confirm_clashes: bool) -> None:
    if status not in STATUS_TRANSITIONS[meeting["status"]]:
        raise Conflict(
            gettext("A %(old)s meeting cannot become %(new)s.")
            % {"old": meeting["status"], "new": status},
            fields={"status": gettext("Not allowed from %(old)s.") % {"old": meeting["status"]}},
        )
    if status == "published" and not confirm_clashes:
        found = await meeting_clashes(meeting)
        if found:
            raise Conflict(
                gettext(
                    "This meeting's agenda has %(n)s clash(es). Publish anyway only if you mean to."
                )
                % {"n": len(found)},
                clashes=[clash_summary(c, meeting["timezone"]) for c in found],
            )


async def _move_sessions_to_zone(
    meeting: dict, old_zone: str, new_zone: str, *, now: datetime
) -> None:
    sessions = await MeetingSession.select().where(MeetingSession.meeting == meeting["id"])
    for row in sessions:
        starts = _reanchor(row["starts_at"], old_zone, new_zone)
        ends = _reanchor(row["ends_at"], old_zone, new_zone)
        if (starts, ends) == (row["starts_at"], row["ends_at"]):
            continue
        await MeetingSession.update(
            {
                MeetingSession.starts_at: starts,
                MeetingSession.ends_at: ends,
                MeetingSession.sequence: MeetingSession.sequence + 1,
                MeetingSession.updated_at: now,
            }
        ).where(MeetingSession.id == row["id"])
        if meeting["status"] == "published" and row["status"] != "cancelled":
            await _record_change(
                meeting,
                row,
                "retimed",
                before=await _change_view(row, meeting),
                after=await _change_view(row | {"starts_at": starts, "ends_at": ends}, meeting),
                now=now,
            )


async def publish_meeting(
    slug: str, *, by: Actor, now: datetime, confirm_clashes: bool = False
) -> dict:
    return await update_meeting(
        slug, {"status": "published"}, by=by, now=now, confirm_clashes=confirm_clashes
    )
