"""Invitation-only categories: organizers invite an address, the invitation opens the category.

A meeting's `invitation_categories` are closed to the public. An organizer invites an address to
one category (`invite`, one by one or a pasted list); the invitation is emailed with a personal
link to the registration form, which fills in the address and the category and locks them. To
register in such a category, `register` asks `required_invitation`: without an invitation, with
one sent to another address or for another category, or with one already used, the answer is
Forbidden, saying why. The invitation is used up (`use_invitation`) in the transaction that writes
the registration: two people racing with one invitation make one registration.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from idmevents import audit, db, urls
from idmevents.audit import Actor
from idmevents.content import MEETING_TEXT, localized
from idmevents.errors import Conflict, Forbidden, InvalidInput
from idmevents.i18n import LANGUAGES, gettext
from idmevents.mail import recipes
from idmevents.mail.message import Email
from idmevents.mail.render import render_email
from idmevents.meetings.tables import Meeting
from idmevents.registrations.labels import CATEGORIES, category_label
from idmevents.registrations.services._forms import RegistrationForm, normalize_email
from idmevents.registrations.tables import Invitation
from idmevents.registrations.views import invitation_categories, new_token
from idmevents.validation import clean_text

RENDERER = "registration-invitation"
KIND = "registration-invitation"
# A pasted list of invitees is at most this long.
MAX_INVITEES = 500


def _fields_problem(fields: dict[str, str]) -> InvalidInput:
    return InvalidInput(gettext("Some fields need your attention."), fields=fields)


def _invitee(line: dict[str, Any], problems: dict[str, str], key: str) -> dict[str, str] | None:
    email = normalize_email(str(line.get("email") or ""))
    if email is None:
        problems[key] = gettext("Enter an email address in the form name@example.org.")
        return None
    names = {}
    for name in ("given_name", "family_name"):
        value, problem = clean_text(str(line.get(name) or ""), "single_line")
        if problem or len(value) > 200:
            problems[key] = problem or gettext("At most %(n)s characters.") % {"n": 200}
            return None
        names[name] = value
    return {"email": email, **names}


def parse_invitees(text: str) -> list[dict[str, str]]:
    """A pasted list: one address a line, optionally followed by a comma, the given name, a
    comma and the family name. InvalidInput names every bad line."""
    invitees: list[dict[str, str]] = []
    problems: dict[str, str] = {}
    lines = [line for line in (text or "").splitlines() if line.strip()]
    if not lines:
        raise _fields_problem({"invitees": gettext("Enter at least one email address.")})
    if len(lines) > MAX_INVITEES:
        raise _fields_problem({"invitees": gettext("At most %(n)s lines.") % {"n": MAX_INVITEES}})
    for number, line in enumerate(lines, start=1):
        parts = [part.strip() for part in line.split(",")]
        person = _invitee(
            {
                "email": parts[0],
                "given_name": parts[1] if len(parts) > 1 else "",
                "family_name": ", ".join(parts[2:]),
            },
            problems,
            f"line {number}",
        )
        if person is not None:
            invitees.append(person)
    if problems:
        raise InvalidInput(gettext("Some lines of the list need your attention."), fields=problems)
    return invitees


async def invite(
    meeting: dict,
    invitees: list[dict[str, Any]],
    *,
    category: str,
    language: str,
    by: Actor,
    now: datetime,
) -> list[dict]:
    """Invite each address to register in `category`, and email each its personal link; all or
    nothing. Conflict (reason "duplicate") naming the addresses already invited to the meeting."""
    problems: dict[str, str] = {}
    if category not in CATEGORIES:
        problems["category"] = gettext("Choose a category from the list.")
    if language not in LANGUAGES:
        problems["language"] = gettext("One of: %(choices)s.") % {"choices": ", ".join(LANGUAGES)}
    people = [_invitee(person, problems, "email") for person in invitees]
    if problems:
        raise _fields_problem(problems)
    keys = [person["email"].lower() for person in people if person]
    if len(set(keys)) != len(keys):
        raise _fields_problem({"invitees": gettext("An address is listed twice.")})
    created: list[dict] = []
    async with db.write_transaction():
        taken = {
            row["email"]
            for row in await Invitation.select(Invitation.email).where(
                (Invitation.meeting == meeting["id"]) & Invitation.email_key.is_in(keys)
            )
        }
        if taken:
            raise Conflict(
                gettext("Already invited to this meeting: %(addresses)s.")
                % {"addresses": ", ".join(sorted(taken))},
                reason="duplicate",
            )
        for person in people:
            assert person is not None
            values = {
                "meeting": meeting["id"],
                "email": person["email"],
                "email_key": person["email"].lower(),
                "category": category,
                "given_name": person["given_name"],
                "family_name": person["family_name"],
                "language": language,
                "token": new_token(),
                "registration": None,
                "used_at": None,
                "created_at": now,
            }
            invitation = await db.inserted(Invitation, values)
            await recipes.enqueue_recipe(
                RENDERER,
                {"invitation": invitation["id"]},
                kind=KIND,
                to_address=invitation["email"],
                meeting_id=meeting["id"],
                registration_id=None,
                now=now,
            )
            created.append(invitation)
        await audit.write_on_meeting(
            by,
            "invitation.created",
            meeting,
            now=now,
            summary=f"{len(created)} invited as {category}",
        )
    return created


async def list_invitations(meeting_id: int) -> list[dict]:
    """The meeting's invitations, the latest first, each with whether it was used."""
    return (
        await Invitation.select()
        .where(Invitation.meeting == meeting_id)
        .order_by(Invitation.id, ascending=False)
    )


async def open_invitation(meeting: dict, token: str | None) -> dict | None:
    """The unused invitation of this meeting behind `token` (None if there is none): what the
    form fills in."""
    if not token:
        return None
    row = await Invitation.select().where(Invitation.token == token).first()
    if row is None or row["meeting"] != meeting["id"] or row["used_at"] is not None:
        return None
    return row


async def required_invitation(meeting: dict, form: RegistrationForm) -> dict | None:
    """The invitation this registration needs (None: its category is open to everyone), or
    Forbidden saying why it may not be made."""
    if form.category not in invitation_categories(meeting):
        return None
    label = category_label(form.category)
    row = None
    if form.invitation:
        row = await Invitation.select().where(Invitation.token == form.invitation).first()
    if row is None or row["meeting"] != meeting["id"]:
        raise Forbidden(
            gettext(
                "Registration as “%(category)s” is by invitation only. If you were invited, "
                "open the link in your invitation email."
            )
            % {"category": label},
            reason="invitation-required",
        )
    if row["email_key"] != form.email.strip().lower():
        raise Forbidden(
            gettext(
                "This invitation was sent to another email address: it can only be used by "
                "the person invited, with that address."
            ),
            reason="invitation-other-address",
        )
    if row["category"] != form.category:
        raise Forbidden(
            gettext("Your invitation is for the category “%(category)s”.")
            % {"category": category_label(row["category"])},
            reason="invitation-other-category",
        )
    if row["used_at"] is not None:
        raise _used()
    return row


def _used() -> Forbidden:
    return Forbidden(
        gettext("This invitation has already been used to register."), reason="invitation-used"
    )


async def use_invitation(invitation: dict, registration_id: int, *, now: datetime) -> None:
    """Mark the invitation used by this registration, in the caller's write transaction;
    Forbidden if another registration used it first."""
    used = await (
        Invitation.update({Invitation.used_at: now, Invitation.registration: registration_id})
        .where((Invitation.id == invitation["id"]) & Invitation.used_at.is_null())
        .returning(Invitation.id)
    )
    if not used:
        raise _used()


async def render_invitation(recipe: dict[str, Any], queued_at: datetime) -> Email:
    """The invitation email (the "registration-invitation" renderer), in its language."""
    invitation = await Invitation.select().where(Invitation.id == recipe["invitation"]).first()
    if invitation is None:
        raise LookupError("the invitation is gone")
    meeting = await Meeting.select().where(Meeting.id == invitation["meeting"]).first()
    if meeting is None:
        raise LookupError("the meeting is gone")
    language = invitation["language"] or "en"
    context = {
        "invitation": invitation,
        "meeting": localized(meeting, MEETING_TEXT, language),
        "link": urls.invited_registration(meeting["slug"], invitation["token"]),
        "category": invitation["category"],
        "category_label": category_label,  # called while the email's language is set
    }
    subject, text, html = render_email("registration/invited", context, language)
    return Email(
        kind=KIND,
        to_address=invitation["email"],
        to_name=f"{invitation['given_name']} {invitation['family_name']}".strip(),
        subject=subject,
        text=text,
        html=html,
        meeting_id=meeting["id"],
    )


def register_mail_renderers() -> None:
    recipes.register_renderer(RENDERER, render_invitation)
