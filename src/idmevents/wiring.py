"""What the program hands its lower layers when it starts: mail renderers and job handlers.

The outbox (`mail.recipes`) sits below the domains that queue emails as recipes, so it cannot name
their renderers; the program registers them here, once, from every place it starts: the app
(`create_app`, which also runs the embedded worker), the `idmevents worker` command, the tests.
"""

from __future__ import annotations

from idmevents.badges import batch as badge_batch
from idmevents.registrations import emails as registration_emails
from idmevents.registrations import export_job, imports


def register_mail_renderers() -> None:
    """Register every domain's renderers of emails queued as recipes; calling it again is harmless."""
    registration_emails.register_mail_renderers()


def register_job_handlers() -> None:
    """Register every domain's handlers of long jobs (`jobs.services`); calling it again is harmless."""
    badge_batch.register_job_handlers()
    export_job.register_job_handlers()
    imports.register_job_handlers()
