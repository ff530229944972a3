"""Registrations: participants, their status, the waiting list and their session choices."""
