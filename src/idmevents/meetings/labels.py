"""Readable, translated names for session kinds and panelist roles: fixed vocabularies, so they
go through gettext rather than through content translations."""

from __future__ import annotations

from idmevents.i18n import gettext


def kind_label(kind: str) -> str:
    labels = {
        "opening": gettext("Opening"),
        "keynote": gettext("Keynote"),
        "panel": gettext("Panel"),
        "plenary": gettext("Plenary"),
        "break": gettext("Break"),
        "side-event": gettext("Side event"),
        "closing": gettext("Closing"),
    }
    return labels.get(kind, kind.replace("-", " ").capitalize())


def role_label(role: str) -> str:
    labels = {
        "chair": gettext("Chair"),
        "moderator": gettext("Moderator"),
        "keynote": gettext("Keynote speaker"),
        "speaker": gettext("Speaker"),
        "discussant": gettext("Discussant"),
    }
    return labels.get(role, role.replace("-", " ").capitalize())
