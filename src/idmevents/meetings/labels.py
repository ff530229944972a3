"""Readable, translated names for session kinds and panelist roles: fixed vocabularies, so they
go through gettext rather than through content translations."""

from __future__ import annotations

from idmevents.i18n import gettext
from idmevents.i18n import mark as _

SESSION_KIND_LABELS = {
    "opening": _("Opening"),
    "keynote": _("Keynote"),
    "panel": _("Panel"),
    "plenary": _("Plenary"),
    "break": _("Break"),
    "side-event": _("Side event"),
    "closing": _("Closing"),
}

PANELIST_ROLE_LABELS = {
    "chair": _("Chair"),
    "moderator": _("Moderator"),
    "keynote": _("Keynote speaker"),
    "speaker": _("Speaker"),
    "discussant": _("Discussant"),
}


def _label(labels: dict[str, str], value: str) -> str:
    """The translated label; a value not in the list is shown as words (side-event: Side event)."""
    return gettext(labels[value]) if value in labels else value.replace("-", " ").capitalize()


def kind_label(kind: str) -> str:
    return _label(SESSION_KIND_LABELS, kind)


def role_label(role: str) -> str:
    return _label(PANELIST_ROLE_LABELS, role)
