"""Registrations: what a valid form is, who gets a seat, the waiting lists, and every change of state.

Seats. A meeting's `capacity` (None: no limit) counts `confirmed` registrations. Every decision
about seats runs in `db.write_transaction()` after reading the meeting row with `db.locked()`
(FOR UPDATE on PostgreSQL; SQLite's IMMEDIATE transaction serialises writers): all changes to one
meeting's registrations queue on that one row, so no number of concurrent requests confirms more
people than there are seats, and the waiting list's order is the order of commits.

States. A new registration is `pending` when its category needs an organizer's approval (the
meeting's `approval_categories`), else `confirmed` while seats are free, else `waitlisted`, with
`waitlist_seq` one above the highest so far; a person's position is their rank among those still
waiting. Pending registrations do not hold a seat: approval confirms the person when a seat is
free and otherwise puts them at the end of the waiting list. When a confirmed person cancels or is
rejected, the seat goes to the first on the waiting list in the same transaction, and they are
told. A cancelled registration can be taken up again by its owner while registration is open, or
by an organizer even after it has closed; it is then decided like a new one. An organizer may also
reconsider a rejected one: it awaits approval again (see `reinstate`). An organizer who moves a
registration to another category never takes a seat or a place in line away; a pending one moved
out of approval is decided then (see `edit_registration`).

Sessions with their own capacity (side events) keep their own list the same way, in
`SessionAttendance`: a choice holds a place only while the registration is confirmed; other
choices wait (`waitlisted`, in order of choosing) and take a place, in that order, when one is
free and their registration is confirmed. Sessions without a capacity never wait.

Held seats. A `SeatHold` keeps seats for people not named yet (the delegations domain makes one
per delegation): until the meeting's `held_seats_release_at`, the part of a hold not filled by
its active registrations counts as taken for everyone else, under the same meeting lock. After
the release date those seats are free and the waiting list moves into them.

Every change of state writes its email to the outbox inside the same transaction.

The code lives in private modules, by job; this package is their one interface:
`_forms` (what a valid form is), `_locks` (the meeting lock), `_seats` (seats and waiting lists),
`_record` (the audit entry and waiting-list email of a change), `_register` (newcomers), `_holds`
(seats held for people named later: a delegation's quota, the registrations made into it, their
release date), `_decisions` (approve, reject, cancel, reinstate), `_changes` (details, address,
category, sessions), `_confirm` (places held until the address is confirmed, released by the
worker after the meeting's deadline). The read models are in `registrations.views`, below the
emails.
"""

from idmevents.registrations.labels import (
    ACTIVE_STATUSES,
    CATEGORIES,
    COUNTRY_REQUIRED,
    STATUSES,
    category_label,
    language_label,
    status_label,
)
from idmevents.registrations.services._changes import (
    _save_changes,
    change_language,
    choose_sessions,
    edit_registration,
    update_details,
)
from idmevents.registrations.services._confirm import confirm_address, release_unconfirmed
from idmevents.registrations.services._decisions import approve, cancel, reinstate, reject
from idmevents.registrations.services._forms import (
    DETAIL_FIELDS,
    EDIT_FIELDS,
    MAX_LENGTHS,
    PERSON_FIELDS,
    DetailsForm,
    RegistrationEdit,
    RegistrationForm,
    _as_form,
    check_details,
    check_registration,
    normalize_email,
    single_line,
)
from idmevents.registrations.services._holds import (
    HeldPerson,
    check_held_person,
    create_hold,
    hold_counts,
    hold_names,
    hold_used,
    holds_used,
    register_in_hold,
    release_due_holds,
    set_hold_seats,
)
from idmevents.registrations.services._import import ImportOutcome, import_forms
from idmevents.registrations.services._invitations import (
    invite,
    list_invitations,
    open_invitation,
    parse_invitees,
)
from idmevents.registrations.services._invitations import (
    register_mail_renderers as register_invitation_renderer,
)
from idmevents.registrations.services._locks import (
    _lock_meeting,
    _lock_registration,
    holds_released,
)
from idmevents.registrations.services._register import (
    LINK_RESEND_INTERVAL,
    _register_locked,
    register,
    send_registration_link,
)
from idmevents.registrations.services._seats import change_attendance, fill_free_seats, promote
from idmevents.registrations.views import (
    TOKEN_BYTES,
    RegistrationResult,
    RegistrationView,
    SessionChoice,
    approval_categories,
    choosable_sessions,
    get_by_token,
    invitation_categories,
    manage_url,
    meeting_span,
    new_token,
    registration_view,
    session_choices,
    waitlist_position,
)

__all__ = [
    "ACTIVE_STATUSES",
    "CATEGORIES",
    "COUNTRY_REQUIRED",
    "DETAIL_FIELDS",
    "EDIT_FIELDS",
    "LINK_RESEND_INTERVAL",
    "MAX_LENGTHS",
    "PERSON_FIELDS",
    "STATUSES",
    "TOKEN_BYTES",
    "DetailsForm",
    "HeldPerson",
    "ImportOutcome",
    "RegistrationEdit",
    "RegistrationForm",
    "RegistrationResult",
    "RegistrationView",
    "SessionChoice",
    "_as_form",
    "_lock_meeting",
    "_lock_registration",
    "_register_locked",
    "_save_changes",
    "approval_categories",
    "approve",
    "cancel",
    "category_label",
    "change_attendance",
    "change_language",
    "check_details",
    "check_held_person",
    "check_registration",
    "choosable_sessions",
    "choose_sessions",
    "confirm_address",
    "create_hold",
    "edit_registration",
    "fill_free_seats",
    "get_by_token",
    "hold_counts",
    "hold_names",
    "hold_used",
    "holds_released",
    "holds_used",
    "import_forms",
    "invitation_categories",
    "invite",
    "language_label",
    "list_invitations",
    "manage_url",
    "meeting_span",
    "new_token",
    "normalize_email",
    "open_invitation",
    "parse_invitees",
    "promote",
    "register",
    "register_in_hold",
    "register_invitation_renderer",
    "registration_view",
    "reinstate",
    "reject",
    "release_due_holds",
    "release_unconfirmed",
    "send_registration_link",
    "session_choices",
    "set_hold_seats",
    "single_line",
    "status_label",
    "update_details",
    "waitlist_position",
]
