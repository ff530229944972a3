"""What the program hands its lower layers when it starts: each domain's mail renderers.

The outbox (`mail.recipes`) sits below the domains that queue emails as recipes, so it cannot name
their renderers; the program registers them here, once, from every place it starts: the app
(`create_app`, which also runs the embedded worker), the `idmevents worker` command, the tests.
"""

from __future__ import annotations

from idmevents.mail import worker
from idmevents.registrations import emails as registration_emails
from idmevents.registrations import services as registrations


def register_mail_renderers() -> None:
    """Register every domain's renderers of emails queued as recipes; calling it again is harmless."""
    registration_emails.register_mail_renderers()
    # And the worker's periodic jobs, registered from the same places: seats held for
    # delegations go to the waiting list once the meeting's release date has passed.
    worker.register_periodic(_release_due_holds)


async def _release_due_holds(now) -> None:
    await registrations.release_due_holds(now=now)
