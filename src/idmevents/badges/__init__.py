"""Badges and check-in at the door."""
