"""The organizers' workspace under /admin: agenda builder, desk, badges, outbox, accounts."""
