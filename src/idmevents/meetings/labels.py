"""Readable, translated names for session kinds and panelist roles: fixed vocabularies, so they
go through gettext rather than through content translations."""

from __future__ import annotations

from idmevents.i18n import N_, Vocabulary


def _readable(code: str) -> str:
    return code.replace("-", " ").capitalize()


kind_label = Vocabulary(
    {
        "opening": N_("Opening"),
        "keynote": N_("Keynote"),
        "panel": N_("Panel"),
        "plenary": N_("Plenary"),
        "break": N_("Break"),
        "side-event": N_("Side event"),
        "closing": N_("Closing"),
    },
    fallback=_readable,
)
role_label = Vocabulary(
    {
        "chair": N_("Chair"),
        "moderator": N_("Moderator"),
        "keynote": N_("Keynote speaker"),
        "speaker": N_("Speaker"),
        "discussant": N_("Discussant"),
    },
    fallback=_readable,
)
# How a meeting is attended (Meeting.mode), and where one participant takes part
# (Registration.attendance).
mode_label = Vocabulary(
    {
        "in_person": N_("In person"),
        "online": N_("Online"),
        "hybrid": N_("Hybrid: in person and online"),
    }
)
attendance_label = Vocabulary({"in_person": N_("In the room"), "online": N_("Online")})
