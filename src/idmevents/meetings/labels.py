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


def mode_label(mode: str) -> str:
    """How a meeting is attended (Meeting.mode)."""
    labels = {
        "in_person": gettext("In person"),
        "online": gettext("Online"),
        "hybrid": gettext("Hybrid: in person and online"),
    }
    return labels.get(mode, mode)


def attendance_label(attendance: str) -> str:
    """Where one participant takes part (Registration.attendance)."""
    labels = {"in_person": gettext("In the room"), "online": gettext("Online")}
    return labels.get(attendance, attendance)
