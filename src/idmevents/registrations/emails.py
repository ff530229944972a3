"""The emails a registration's changes send: rendered in the person's language, queued in the outbox.

Templates live in templates/email/registration/<kind>.{subject,txt,html}.jinja2. All but one carry
the private link; a confirmation (and a promotion, an approval with a seat) carries the meeting as a
calendar invitation, and losing a confirmed seat carries its cancellation. So does the meeting
itself being cancelled: everyone still registered hears of it once. The one without the link is the
notice that an organizer changed the registration's address: it goes to the old address, which is
no longer the registration's.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Collection
from dataclasses import replace
from datetime import datetime
from typing import Any

from piccolo.query.functions.aggregate import Max

from idmevents import calendar_events, content, i18n, urls
from idmevents.mail import outbox, recipes
from idmevents.mail.message import Attachment, Email
from idmevents.mail.render import render_email
from idmevents.mail.tables import OutboxMessage
from idmevents.registrations.countries import country_name
from idmevents.registrations.invitation import (
    MeetingSpan,
    Party,
    agenda_invitation,
    agenda_of,
    invitation,
)
from idmevents.registrations.labels import (
    ACTIVE_STATUSES,
    category_label,
    language_label,
    status_label,
)
from idmevents.registrations.tables import Registration
from idmevents.registrations.views import (
    SessionChoice,
    meeting_span,
    places_held,
    recipe_registration,
    remote_link,
    session_choices,
)
from idmevents.settings import get_settings

KINDS = (
    "received",
    "confirmed",
    "waitlisted",
    "promoted",
    "approved",
    "rejected",
    "cancelled",
    "details-changed",
    "email-changed",
    "reconsidered",
    "link",
    "session-promoted",
    "meeting-cancelled",
)


def kind_of(name: str) -> str:
    """The outbox `kind` of a registration email."""
    return f"registration-{name}"


def invitation_uid(registration: dict) -> str:
    """One UID per registration, so each new invitation updates the same calendar entry.

    Derived from the registration's id by an HMAC under the site's secret key: stable for the
    registration, but it does not tell whoever sees an invitation how many registrations came
    before it (a plain `registration-42` did) nor lead to another one's UID.
    """
    digest = hmac.new(
        get_settings().secret_key.encode(),
        f"invitation-uid:{registration['id']}".encode(),
        hashlib.sha256,
    ).hexdigest()[:32]
    return f"registration-{digest}@{outbox.message_domain()}"


def meeting_url(meeting: dict) -> str:
    return urls.meeting_page(meeting["slug"])


def manage_url(registration: dict) -> str:
    return urls.manage_page(registration["token"])


def organizer() -> Party:
    """The ORGANIZER of the events we send: the secretariat, whose address the emails come from."""
    return Party.from_header(get_settings().mail.mail_from)


def attendee(registration: dict) -> Party:
    name = f"{registration['given_name']} {registration['family_name']}".strip()
    return Party(address=registration["email"], name=name)


def _invitation(
    registration: dict,
    meeting: dict,
    span: MeetingSpan,
    method: str,
    now: datetime,
    chosen: Collection[int],
) -> bytes:
    """The person's agenda (see registrations.invitation), or the meeting's days while it has none,
    in the current language. The webcast is in every copy; the remote-participation link only in
    a confirmed online participant's (views.remote_link), as in their feed."""
    remote_url = remote_link(meeting, registration)
    if span.sessions:
        return agenda_invitation(
            method=method,
            meeting=meeting,
            # Titles and descriptions in the person's language where translated.
            sessions=[
                content.localized(
                    row,
                    content.SESSION_TEXT,
                    registration["language"],
                    original=content.original_language(meeting),
                )
                for row in agenda_of(span.sessions, chosen)
            ],
            organizer=organizer(),
            attendee=attendee(registration),
            now=now,
            remote_url=remote_url,
        )
    # The private registration link stays out of the calendar: an entry is seen by whoever shares
    # or is delegated the calendar, and the link lets its holder change or cancel the registration.
    webcast = meeting.get("webcast_url") or ""
    description = "\n\n".join(
        part
        for part in (
            i18n.gettext("Agenda: %(url)s") % {"url": meeting_url(meeting)},
            calendar_events.webcast_line(webcast),
        )
        if part
    )
    return invitation(
        uid=invitation_uid(registration),
        method=method,
        title=meeting["title"],
        span=span,
        location=calendar_events.location(meeting["venue_name"], meeting["venue_address"]),
        description=description,
        url=meeting_url(meeting),
        now=now,
        organizer=organizer(),
        attendee=attendee(registration),
        conferences=calendar_events.online_links(webcast, remote_url, cancelled=method == "CANCEL"),
    )


def compose(
    kind: str,
    registration: dict,
    meeting: dict,
    *,
    span: MeetingSpan | None,
    now: datetime,
    position: int | None = None,
    sessions: list | tuple = (),
    invitation: str | None = None,
    chosen: Collection[int] | None = None,
    **extra: Any,
) -> Email:
    """Email `kind` for the registration, rendered in the person's language. `invitation`:
    "REQUEST" or "CANCEL" attaches the person's agenda as a calendar object: the plenary sessions
    of `span` and the side events in `chosen` (by default, those of `sessions` with a place)."""
    language = registration["language"]
    # Meeting content in the person's language where it is translated (idmevents.content).
    original = content.original_language(meeting)
    meeting = content.localized(meeting, content.MEETING_TEXT, language)
    sessions = [
        replace(s, title=content.text(s, "title", language, original=original))
        if isinstance(s, SessionChoice)
        else s
        for s in sessions
    ]
    token = i18n.set_language(language)
    try:
        labels = {
            "category": category_label(registration["category"]),
            "status": status_label(registration["status"]),
            "country": country_name(registration["country"], language),
            "language": language_label(registration["language"]),
        }
    finally:
        i18n.reset_language(token)
    context = {
        "registration": registration,
        "meeting": meeting,
        "manage_url": manage_url(registration),
        "meeting_url": meeting_url(meeting),
        "position": position,
        "sessions": [s for s in sessions if s.chosen],
        "labels": labels,
        "full_name": f"{registration['given_name']} {registration['family_name']}",
        "remote_url": remote_link(meeting, registration),
        "webcast_url": meeting.get("webcast_url") or "",
        # A place held until the address is confirmed (registrations/services/_confirm.py).
        "confirm_url": (
            urls.confirm_address(registration["token"])
            if registration.get("unconfirmed_until") and registration["status"] in ACTIVE_STATUSES
            else ""
        ),
        **extra,
    }
    rendered = render_email(f"registration/{kind}", context, language)
    attachments: tuple[Attachment, ...] = ()
    if invitation is not None and span is not None:
        with i18n.speaking(language):  # the calendar's labels and lines in the person's language
            data = _invitation(
                registration,
                meeting,
                span,
                invitation,
                now,
                chosen
                if chosen is not None
                else {s.id for s in sessions if s.chosen and s.status == "confirmed"},
            )
        attachments = (
            Attachment(
                filename="invitation.ics" if invitation == "REQUEST" else "cancellation.ics",
                content_type="text/calendar",
                data=data,
                method=invitation,
            ),
        )
    return to_registrant(kind_of(kind), registration, meeting, rendered, attachments)


def to_registrant(
    kind: str,
    registration: dict,
    meeting: dict,
    rendered: tuple[str, str, str | None],
    attachments: tuple[Attachment, ...] = (),
) -> Email:
    """An email (`rendered`: subject, text, HTML) to the person behind `registration`, filed
    under the registration and its meeting."""
    return Email(
        kind,
        registration["email"],
        *rendered,
        to_name=f"{registration['given_name']} {registration['family_name']}".strip(),
        attachments=attachments,
        meeting_id=meeting["id"],
        registration_id=registration["id"],
    )


async def queue(
    kind: str,
    registration: dict,
    meeting: dict,
    *,
    span: MeetingSpan | None,
    now: datetime,
    **options: Any,
) -> int:
    """Render email `kind` (see `compose`) and write it to the outbox, in the caller's
    transaction; returns the outbox row's id (0: a person without an address, told nothing)."""
    if not registration["email"]:
        return 0
    if options.get("invitation") and options.get("chosen") is None and not options.get("sessions"):
        options["chosen"] = await places_held(registration["id"])
    email = compose(kind, registration, meeting, span=span, now=now, **options)
    return await outbox.enqueue(email, now=now)


# The renderer's name in a recipe: queued rows store it, so it never changes.
RENDERER = "registration"

# What a newcomer (or a reinstated registration) is told, by the status they got.
ANNOUNCEMENTS = {"pending": "received", "confirmed": "confirmed", "waitlisted": "waitlisted"}


def announcement_recipe(
    registration: dict, *, position: int | None, with_sessions: bool
) -> dict[str, Any]:
    """The recipe (see `mail.recipes`) of the email announcing a registration's status.

    It holds what was decided (status, waiting-list position); the worker reads the rest (names,
    meeting, sessions) when it renders, moments later. PostgreSQL's `idmevents_register` function
    (migrations) writes the same object for the registrations it decides.
    """
    kind = ANNOUNCEMENTS[registration["status"]]
    return {
        "email": kind,
        "registration": registration["id"],
        "status": registration["status"],
        "position": position,
        "invitation": "REQUEST" if kind == "confirmed" else None,
        "sessions": with_sessions,
    }


async def queue_announcement(
    registration: dict, *, now: datetime, position: int | None, with_sessions: bool
) -> int:
    """Queue the announcement as a recipe: rendering it is left to the worker, out of the request
    and out of the meeting's lock. A person without an address (a delegate named by their
    focal point) is told nothing: 0."""
    if not registration["email"]:
        return 0
    recipe = announcement_recipe(registration, position=position, with_sessions=with_sessions)
    return await recipes.enqueue_recipe(
        RENDERER,
        recipe,
        kind=kind_of(recipe["email"]),
        to_address=registration["email"],
        meeting_id=registration["meeting"],
        registration_id=registration["id"],
        now=now,
    )


async def render_recipe(recipe: dict[str, Any], queued_at: datetime) -> Email:
    """Render a registration email queued as a recipe (registered as "registration" by
    `register_mail_renderers`)."""
    registration, meeting = await recipe_registration(recipe)
    span = await meeting_span(meeting) if recipe["invitation"] else None
    sessions = await session_choices(meeting["id"], registration) if recipe["sessions"] else []
    chosen = await places_held(registration["id"]) if recipe["invitation"] else None
    return compose(
        recipe["email"],
        registration,
        meeting,
        span=span,
        now=queued_at,
        position=recipe["position"],
        sessions=sessions,
        invitation=recipe["invitation"],
        chosen=chosen,
        # What the template needs beyond the registration (an organizer's message); announcements
        # written by PostgreSQL's `idmevents_register` have none.
        **recipe.get("context", {}),
    )


def register_mail_renderers() -> None:
    """Tell the outbox how to write the emails this domain queues as recipes. The app, the worker
    command and the tests call it where they are wired; the name is what queued rows store."""
    recipes.register_renderer(RENDERER, render_recipe)


# Who is told that their meeting is cancelled: everyone still registered, decided or not.
MEETING_CANCELLED_STATUSES = ("pending", "confirmed", "waitlisted")
# Rows per INSERT when queueing a whole meeting's emails (SQLite caps a statement's parameters).
_BATCH = 500


async def meeting_cancelled_audience(meeting_id: int) -> list[dict]:
    """The registrations to tell that the meeting is cancelled, in the order they came.

    Everyone confirmed, waiting or awaiting approval, except those whose latest email about this
    meeting already is its cancellation: reinstating a meeting tells nobody, so a person told of
    a first cancellation has heard nothing since, and would read the same news twice.
    """
    registrations = (
        await Registration.select()
        .where(
            (Registration.meeting == meeting_id)
            & Registration.status.is_in(list(MEETING_CANCELLED_STATUSES))
        )
        .order_by(Registration.id)
    )
    if not registrations:
        return []

    async def latest(*kinds: str) -> dict[int, int]:
        query = OutboxMessage.select(
            OutboxMessage.registration, Max(OutboxMessage.id, alias="last")
        ).where((OutboxMessage.meeting == meeting_id) & OutboxMessage.registration.is_not_null())
        if kinds:
            query = query.where(OutboxMessage.kind.is_in(list(kinds)))
        rows = await query.group_by(OutboxMessage.registration)
        return {row["registration"]: row["last"] for row in rows}

    last_email = await latest()
    last_told = await latest(kind_of("meeting-cancelled"))
    return [
        r
        for r in registrations
        if r["id"] not in last_told or last_told[r["id"]] != last_email.get(r["id"])
    ]


def meeting_cancelled_recipe(registration: dict, *, message: str) -> dict[str, Any]:
    """The recipe of the email telling a registration its meeting is cancelled. A confirmed
    person's calendar entry (the invitation's UID) is cancelled with it."""
    confirmed = registration["status"] == "confirmed"
    return {
        "email": "meeting-cancelled",
        "registration": registration["id"],
        "status": registration["status"],
        "position": None,
        "invitation": "CANCEL" if confirmed else None,
        "sessions": False,
        "context": {"message": message},
    }


async def queue_meeting_cancelled(meeting_id: int, *, message: str, now: datetime) -> int:
    """Queue, in the caller's transaction, the cancellation email of everyone to tell (see
    `meeting_cancelled_audience`), as recipes: a large meeting's hundreds of emails are written
    by the worker, not in the organizer's request. Returns how many were queued."""
    audience = await meeting_cancelled_audience(meeting_id)
    rows = [
        OutboxMessage(
            **recipes.recipe_values(
                RENDERER,
                meeting_cancelled_recipe(registration, message=message),
                kind=kind_of("meeting-cancelled"),
                to_address=registration["email"],
                meeting_id=meeting_id,
                registration_id=registration["id"],
                now=now,
            )
        )
        for registration in audience
        if registration["email"]  # a delegate without an address is told by their focal point
    ]
    for start in range(0, len(rows), _BATCH):
        await OutboxMessage.insert(*rows[start : start + _BATCH])
    return len(rows)
