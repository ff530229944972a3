"""What the program hands its lower layers when it starts: each domain's mail renderers and the
worker's scheduled steps.

The outbox (`mail.recipes`, `mail.worker`) sits below the domains that queue emails, so it cannot
name their renderers nor their scheduled work; the program registers them here, once, from every
place it starts: the app (`create_app`, which also runs the embedded worker), the
`idmevents worker` command, the tests.
"""

from __future__ import annotations

from idmevents.mail import worker
from idmevents.registrations import emails as registration_emails
from idmevents.registrations import reminders


def register_mail_renderers() -> None:
    """Register every domain's renderers of emails queued as recipes, and the steps the outbox
    worker runs on a schedule (the reminders); calling it again is harmless."""
    registration_emails.register_mail_renderers()
    reminders.register_mail_renderers()
    worker.register_step(reminders.STEP, reminders.queue_due_reminders)
