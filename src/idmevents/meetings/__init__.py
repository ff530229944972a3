"""Meetings: the meeting, its rooms and its agenda of sessions."""
