"""Panelists: people who speak, chair or moderate, reusable across meetings."""
