"""Reading the organizers' HTML forms: strings in, typed values and per-field errors out.

Date and time fields are read in the meeting's local time zone (that is how organizers think of
the agenda) and turned into instants with `builder.local_instant`, which refuses a time skipped
by a daylight-saving change. The values as typed are kept so a form with errors shows them again.
"""

from __future__ import annotations

import re
from datetime import date, datetime, time
from typing import Any

from idmevents import content, validation
from idmevents.errors import InvalidInput
from idmevents.i18n import gettext
from idmevents.meetings import builder
from idmevents.registrations.labels import CATEGORIES
from idmevents.registrations.views import invitation_categories

MEETING_TEXT = ("slug", "title", "theme", "description", "city", "venue_name", "venue_address")


def _text(form: dict[str, str], name: str) -> str:
    return (form.get(name) or "").strip()


def parse_date(raw: str) -> date | None:
    try:
        return date.fromisoformat(raw.strip())
    except ValueError:
        return None


def parse_clock(raw: str) -> time | None:
    try:
        return time.fromisoformat(raw.strip())
    except ValueError:
        return None


def parse_int(
    errors: dict[str, str], form: dict[str, str], name: str, *, optional: bool = True
) -> int | None:
    raw = _text(form, name)
    if not raw:
        if not optional:
            errors[name] = gettext("Required.")
        return None
    try:
        return int(raw)
    except ValueError:
        errors[name] = gettext("A whole number.")
        return None


def parse_local_datetime(
    errors: dict[str, str], form: dict[str, str], name: str, timezone: str | None
) -> datetime | None:
    """An <input type="datetime-local"> value read in the meeting's zone, or None when empty."""
    raw = _text(form, name)
    if not raw:
        return None
    try:
        naive = datetime.fromisoformat(raw)
    except ValueError:
        errors[name] = gettext("A date and time such as 2027-04-20T09:00.")
        return None
    if not validation.in_date_range(naive.date()):
        errors[name] = gettext(validation.DATE_RANGE_MESSAGE)
        return None
    if naive.tzinfo is not None:
        return naive
    if not timezone or not builder.is_timezone(timezone):
        return None  # the time zone field carries the error
    try:
        return builder.local_instant(naive.date(), naive.time(), timezone)
    except builder.NonexistentLocalTime as exc:
        errors[name] = str(exc)
        return None


def parse_language_codes(raw: str) -> list[str]:
    """Language codes as typed: "ar, zh en" (commas or spaces); the builder checks each."""
    return [code for code in re.split(r"[\s,;]+", raw) if code]


def language_codes_text(stored: str | None) -> str:
    """Stored codes as the form shows them: "ar, zh, en"."""
    return ", ".join(validation.language_codes(stored))


def meeting_values(form: dict[str, str]) -> dict[str, Any]:
    """A meeting form's values; raises InvalidInput for fields that do not even parse."""
    errors: dict[str, str] = {}
    values: dict[str, Any] = {name: _text(form, name) for name in MEETING_TEXT if name in form}
    if "slug" in values and not values["slug"] and values.get("title"):
        values["slug"] = validation.slugify(
            values["title"]
        )  # what static/slug.js proposes, without script
    timezone = _text(form, "timezone")
    values["timezone"] = timezone
    for name in ("starts_on", "ends_on"):
        raw = _text(form, name)
        values[name] = parse_date(raw) if raw else None
        if raw and values[name] is None:
            errors[name] = gettext("A date such as 2027-04-20.")
    values["capacity"] = parse_int(errors, form, "capacity")
    # Taking part online: checked by the builder's rules, the ones the API's PATCH goes through.
    if "mode" in form:
        values["mode"] = _text(form, "mode")
        values["capacity_online"] = parse_int(errors, form, "capacity_online")
    for name in ("webcast_url", "remote_url"):
        if name in form:
            values[name] = _text(form, name)
    if "interpretation" in form:
        values["interpretation"] = parse_language_codes(form["interpretation"])
    if "retention_days" in form:
        retention = parse_int(errors, form, "retention_days", optional=False)
        if retention is not None:
            values["retention_days"] = retention
    if "confirm_email_first" in form:
        values["confirm_email_first"] = _text(form, "confirm_email_first") == "yes"
    if "confirm_within_hours" in form:
        hours = parse_int(errors, form, "confirm_within_hours", optional=False)
        if hours is not None:
            values["confirm_within_hours"] = hours
    for name in ("registration_opens_at", "registration_closes_at", "nomination_deadline"):
        values[name] = parse_local_datetime(errors, form, name, timezone)
    if (
        "invitation_categories_shown" in form
    ):  # unchecked boxes send nothing: the form says it had them
        values["invitation_categories"] = [
            code for code in CATEGORIES if form.get(f"invitation_category-{code}")
        ]
    original = _text(form, "original_language")
    if original:
        values["original_language"] = original
    translations = content.from_form(form, content.MEETING_TEXT, original or "en")
    if translations is not None:
        values["translations"] = translations
    if errors:
        raise InvalidInput(gettext("Please correct the marked fields."), fields=errors)
    return values


def session_values(form: dict[str, str], timezone: str, original: str = "en") -> dict[str, Any]:
    """A session form: day, start and end as local wall-clock times, in the meeting's zone;
    title and description in the languages other than the meeting's `original`."""
    errors: dict[str, str] = {}
    values: dict[str, Any] = {
        "title": _text(form, "title"),
        "description": _text(form, "description"),
        "kind": _text(form, "kind") or "panel",
    }
    day = parse_date(_text(form, "day"))
    if day is None:
        errors["day"] = gettext("A date such as 2027-04-20.")
    elif not validation.in_date_range(day):
        errors["day"] = gettext(validation.DATE_RANGE_MESSAGE)
        day = None
    for name in ("starts_at", "ends_at"):
        clock = parse_clock(_text(form, name))
        values[name] = None
        if clock is None:
            errors[name] = gettext("A time such as 10:00.")
        elif day is not None:
            try:
                values[name] = builder.local_instant(day, clock, timezone)
            except builder.NonexistentLocalTime as exc:
                errors[name] = str(exc)
    room = parse_int(errors, form, "room_id")
    values["room_id"] = room
    values["capacity"] = parse_int(errors, form, "capacity")
    if "webcast_url" in form:
        values["webcast_url"] = _text(form, "webcast_url")
    if "interpretation" in form:
        values["interpretation"] = parse_language_codes(form["interpretation"])
    translations = content.from_form(form, content.SESSION_TEXT, original)
    if translations is not None:
        values["translations"] = translations
    if errors:
        raise InvalidInput(gettext("Please correct the marked fields."), fields=errors)
    return values


def session_form_values(session: dict, timezone: str) -> dict[str, str]:
    """A stored session as the form shows it: local day, start and end."""
    starts = builder.wall_clock(session["starts_at"], timezone)
    ends = builder.wall_clock(session["ends_at"], timezone)
    return {
        "title": session["title"],
        "description": session["description"],
        "kind": session["kind"],
        "day": starts.date().isoformat(),
        "starts_at": starts.strftime("%H:%M"),
        "ends_at": ends.strftime("%H:%M"),
        "room_id": "" if session["room"] is None else str(session["room"]),
        "capacity": "" if session["capacity"] is None else str(session["capacity"]),
        "webcast_url": session.get("webcast_url") or "",
        "interpretation": language_codes_text(session.get("interpretation")),
    } | content.to_form(session, content.SESSION_TEXT)


def meeting_form_values(meeting: dict) -> dict[str, str]:
    values = {name: meeting.get(name) or "" for name in MEETING_TEXT}
    values["timezone"] = meeting["timezone"]
    values["starts_on"] = meeting["starts_on"].isoformat()
    values["ends_on"] = meeting["ends_on"].isoformat()
    values["capacity"] = "" if meeting["capacity"] is None else str(meeting["capacity"])
    values["retention_days"] = str(meeting["retention_days"])
    values["mode"] = meeting.get("mode") or "in_person"
    values["capacity_online"] = (
        "" if meeting.get("capacity_online") is None else str(meeting["capacity_online"])
    )
    values["webcast_url"] = meeting.get("webcast_url") or ""
    values["remote_url"] = meeting.get("remote_url") or ""
    values["interpretation"] = language_codes_text(meeting.get("interpretation"))
    values["confirm_email_first"] = "yes" if meeting["confirm_email_first"] else "no"
    values["confirm_within_hours"] = str(meeting["confirm_within_hours"])
    values["original_language"] = content.original_language(meeting)
    values |= content.to_form(meeting, content.MEETING_TEXT)
    for code in invitation_categories(meeting):
        values[f"invitation_category-{code}"] = "on"
    for name in ("registration_opens_at", "registration_closes_at", "nomination_deadline"):
        moment = meeting[name]
        values[name] = (
            ""
            if moment is None
            else builder.wall_clock(moment, meeting["timezone"]).strftime("%Y-%m-%dT%H:%M")
        )
    return values


def unavailability_values(form: dict[str, str]) -> dict[str, Any]:
    errors: dict[str, str] = {}
    timezone = _text(form, "timezone")
    if not builder.is_timezone(timezone):
        errors["timezone"] = gettext("An IANA time zone such as Europe/Zurich.")
    values: dict[str, Any] = {"note": _text(form, "note")}
    for name in ("starts_at", "ends_at"):
        if not _text(form, name):
            errors[name] = gettext("Required.")
        values[name] = parse_local_datetime(errors, form, name, timezone)
    if errors:
        raise InvalidInput(gettext("Please correct the marked fields."), fields=errors)
    return values
