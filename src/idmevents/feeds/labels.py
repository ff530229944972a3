"""Readable, translated names for session kinds and panelist roles (kept in meetings.labels)."""

from idmevents.meetings.labels import kind_label, role_label

__all__ = ["kind_label", "role_label"]
