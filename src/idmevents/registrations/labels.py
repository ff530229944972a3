"""The codes stored on a registration (categories, statuses), defined once here, and what they read as."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from idmevents import states
from idmevents.i18n import LANGUAGE_NAMES, N_, Vocabulary

CATEGORIES = (
    "member-state",
    "observer",
    "un-igo",
    "civil-society",
    "academia",
    "private-sector",
    "media",
    "iom",
)
# Delegations speak for a country: these categories must name it.
COUNTRY_REQUIRED = frozenset({"member-state", "observer"})
STATUSES = ("pending", "confirmed", "waitlisted", "rejected", "cancelled")
ACTIVE_STATUSES = ("pending", "confirmed", "waitlisted")


# What the honorific field suggests (a <datalist>: the person may type anything else), in the
# reader's language. Not gettext: French and Spanish need more forms than English (Excmo./Excma.).
HONORIFIC_SUGGESTIONS = {
    "en": ("H.E.", "Ambassador", "Minister", "Dr", "Prof.", "Mr", "Ms", "Mrs"),
    "fr": (
        "S.E.",
        "Excellence",
        "Ambassadeur",
        "Ambassadrice",
        "Ministre",
        "Dr",
        "Pr",
        "M.",
        "Mme",
    ),
    "es": (
        "Excmo.",
        "Excma.",
        "Embajador",
        "Embajadora",
        "Ministro",
        "Ministra",
        "Dr.",
        "Dra.",
        "Prof.",
        "Sr.",
        "Sra.",
    ),
}


def holder_name(hold: Mapping[str, Any], language: str) -> str:
    """Whom held seats are kept for (a `SeatHold` row, or anything with its `country` and
    `organization`): the State's UN short name in `language`, or the organization's name."""
    if hold["country"]:
        return states.state_name(hold["country"], language)
    return hold["organization"]


def honorific_suggestions(language: str) -> tuple[str, ...]:
    return HONORIFIC_SUGGESTIONS.get(language, HONORIFIC_SUGGESTIONS["en"])


category_label = Vocabulary(
    {
        "member-state": N_("Member State"),
        "observer": N_("Observer"),
        "un-igo": N_("United Nations or intergovernmental organization"),
        "civil-society": N_("Civil society"),
        "academia": N_("Academia"),
        "private-sector": N_("Private sector"),
        "media": N_("Media"),
        "iom": N_("IOM"),
    }
)
# The participant's words (the desk has its own, `registrations.desk.common.status_name`).
status_label = Vocabulary(
    {
        "pending": N_("Awaiting approval"),
        "confirmed": N_("Confirmed"),
        "waitlisted": N_("On the waiting list"),
        "rejected": N_("Not accepted"),
        "cancelled": N_("Cancelled"),
    }
)


def language_label(code: str) -> str:
    # Each language in its own name: a reader looks for the one they read.
    return LANGUAGE_NAMES.get(code, code)
