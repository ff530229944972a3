"""Mail: the outbox, the templates and the sending worker."""
