"""Organizer accounts, roles, API tokens, server-side state and the audit log."""
