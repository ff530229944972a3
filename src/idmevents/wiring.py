"""What the program hands its lower layers when it starts: mail renderers, the worker's chores
(one registry for every periodic job, the reminders included), and job handlers.

The outbox (`mail.recipes`, `mail.worker`) sits below the domains that queue emails, so it cannot
name their renderers nor their scheduled work; the program registers them here, once, from every
place it starts: the app (`create_app`, which also runs the embedded worker), the
`idmevents worker` command, the tests.
"""

from __future__ import annotations

from datetime import timedelta

from idmevents.badges import batch as badge_batch
from idmevents.delegations import focal_points
from idmevents.mail.worker import register_chore
from idmevents.registrations import emails as registration_emails
from idmevents.registrations import export_job, imports, notice_job, reminders, retention
from idmevents.registrations import services as registrations

# How often the worker looks for meetings whose personal data is due for erasure, and for seats
# held for delegations whose release date has passed.
RETENTION_EVERY = timedelta(hours=1)
HOLD_RELEASE_EVERY = timedelta(minutes=1)
NOMINATION_REMINDERS_EVERY = timedelta(minutes=5)
# How often it releases places whose address was not confirmed in time ("confirm first" meetings).
UNCONFIRMED_RELEASE_EVERY = timedelta(minutes=1)


def register_mail_renderers() -> None:
    """Register every domain's renderers of emails queued as recipes; calling it again is harmless."""
    registration_emails.register_mail_renderers()
    reminders.register_mail_renderers()
    focal_points.register_mail_renderers()
    registrations.register_invitation_renderer()
    notice_job.register_mail_renderers()


def register_worker_chores() -> None:
    """Give the outbox worker the domains' periodic chores: queueing the reminders that are due
    (every few polls), erasing personal data past its meeting's retention period
    (registrations/retention.py), giving seats held for delegations back to the waiting list
    once the meeting's release date has passed, reminding the focal points of delegations that
    have not filled their quota by the meeting's nomination deadline (delegations/
    focal_points.py), and releasing places whose address was not confirmed in time
    (registrations/services/_confirm.py). Calling it again is harmless."""
    register_chore(reminders.STEP, None, reminders.queue_due_reminders)
    register_chore("retention", RETENTION_EVERY, retention.erase_expired)
    register_chore("release-held-seats", HOLD_RELEASE_EVERY, _release_due_holds)
    register_chore("nomination-reminders", NOMINATION_REMINDERS_EVERY, _remind_focal_points)
    register_chore("release-unconfirmed", UNCONFIRMED_RELEASE_EVERY, _release_unconfirmed)


async def _release_due_holds(now) -> None:
    await registrations.release_due_holds(now=now)


async def _remind_focal_points(now) -> None:
    await focal_points.queue_nomination_reminders(now)


async def _release_unconfirmed(now) -> None:
    await registrations.release_unconfirmed(now)


def register_job_handlers() -> None:
    """Register every domain's handlers of long jobs (`jobs.services`); calling it again is harmless."""
    badge_batch.register_job_handlers()
    export_job.register_job_handlers()
    imports.register_job_handlers()
    notice_job.register_job_handlers()
