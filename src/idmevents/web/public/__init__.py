"""Pages anyone can open: meetings, registration, private participant pages, feeds, badges."""
