"""The audit log's action codes and kinds of record, as words for organizers (the code stays in
the page, in a title attribute, for whoever searches the database)."""

from __future__ import annotations

from collections.abc import Callable

from idmevents.i18n import N_ as _
from idmevents.i18n import gettext

ACTIONS: dict[str, str] = {
    "login": _("Signed in"),
    "logout": _("Signed out"),
    "create": _("Created"),
    "update": _("Changed"),
    "revoke": _("Revoked"),
    "activate": _("Reactivated"),
    "deactivate": _("Deactivated"),
    "change-role": _("Role changed"),
    "change-password": _("Password changed"),
    "request-password-reset": _("Password reset requested"),
    "reset-password": _("Password reset"),
    "resend": _("Email sent again"),
    "print_badges": _("Badges printed"),
    "check_in": _("Checked in"),
    "undo_check_in": _("Check-in undone"),
    "replace_badge": _("Badge replaced"),
    "registration.created": _("Registered"),
    "registrations.imported": _("Registrations imported"),
    "registration.approved": _("Registration approved"),
    "registration.rejected": _("Registration rejected"),
    "registration.cancelled": _("Registration cancelled"),
    "registration.erased": _("Personal data erased on request"),
    "meeting.personal_data_erased": _("Personal data erased after the retention period"),
    "registration.waitlisted": _("Put on the waiting list"),
    "registration.reinstated": _("Registration reinstated"),
    "registration.reconsidered": _("Registration reconsidered"),
    "registration.details-changed": _("Details changed"),
    "registration.sessions-chosen": _("Sessions chosen"),
    "registration.attendance": _("Attendance changed"),
    "meeting.create": _("Meeting created"),
    "meeting.team_add": _("Added to a meeting's team"),
    "meeting.team_remove": _("Removed from a meeting's team"),
    "meeting.update": _("Meeting changed"),
    "meeting.publish": _("Meeting published"),
    "meeting.cancel": _("Meeting cancelled"),
    "meeting.duplicate": _("Meeting duplicated"),
    "meeting.notify": _("Participants notified"),
    "meeting.reminder_test": _("Test reminder sent"),
    "session.create": _("Session added"),
    "session.update": _("Session changed"),
    "session.cancel": _("Session cancelled"),
    "session.restore": _("Session restored"),
    "session.delete": _("Session deleted"),
    "room.create": _("Room added"),
    "room.update": _("Room changed"),
    "room.delete": _("Room deleted"),
    "panelist.create": _("Panelist added"),
    "panelist.update": _("Panelist changed"),
    "panelist.available": _("Panelist available"),
    "panelist.unavailable": _("Panelist unavailable"),
    "registration.replaced": _("Delegate replaced"),
    "registration.visa-letter": _("Visa letter issued"),
    "registration.visa-requested": _("Visa letter requested"),
    "registration.visa-declined": _("Visa letter request declined"),
    "letterhead.updated": _("Letterhead changed"),
    "participants.published": _("List of participants published"),
    "participants.unpublished": _("List of participants withdrawn"),
    "delegation.created": _("Delegation invited"),
    "delegation.head": _("Head of delegation named"),
    "delegation.link-renewed": _("Nomination link renewed"),
    "delegation.release-date": _("Release date of held seats set"),
}

KINDS: dict[str, str] = {
    "meeting": _("Meeting"),
    "registration": _("Registration"),
    "user": _("Account"),
    "token": _("API token"),
    "mail": _("Email"),
    "checkin": _("Check-in"),
    "session": _("Session"),
    "room": _("Room"),
    "panelist": _("Panelist"),
    "delegation": _("Delegation"),
}


def _label(table: dict[str, str]) -> Callable[[str], str]:
    def label(code: str) -> str:
        """The words for `code`; an unknown code is shown as it is."""
        return gettext(table[code]) if code in table else code

    return label


audit_action_label = _label(ACTIONS)
audit_kind_label = _label(KINDS)
