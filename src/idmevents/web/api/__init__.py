"""The JSON API under /api/v1 for organizers' scripts and scanning apps (Bearer tokens)."""
