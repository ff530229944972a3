"""The notice of agenda changes as a job: the emails queued as recipes, a batch per transaction.

`notices.queue_notice` queues the job with the changes it announces; the worker runs
`run_notice_job`, which reads the audience once and queues its emails a thousand at a time. Each
batch writes its `NoticeDelivery` rows (UNIQUE per job and registration) and, for the rows it
could write, the outbox recipes, in one transaction: a job taken over after its worker died skips
whoever an earlier batch reached, so everyone is emailed exactly once. The emails are rendered by
the outbox worker (`render_notice`), not here: queueing 50,000 costs inserts, not templates.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from idmevents import i18n
from idmevents.db import insert_many, write_transaction
from idmevents.jobs import services as jobs
from idmevents.mail import recipes
from idmevents.mail.message import Email
from idmevents.mail.tables import OutboxMessage
from idmevents.meetings.tables import AgendaChange, Meeting
from idmevents.registrations import notices
from idmevents.registrations.tables import NoticeDelivery, Registration

KIND = notices.NOTICE_JOB
RENDERER = "agenda-notice"
EMAIL_KIND = "agenda-changed"
BATCH = 1000


async def _changes(ids: list[int]) -> list[dict]:
    return (
        await AgendaChange.select()
        .where(AgendaChange.id.is_in(ids))
        .order_by(AgendaChange.changed_at)
        .order_by(AgendaChange.id)
        .output(load_json=True)
    )


async def run_notice_job(job: jobs.JobContext) -> jobs.Result:
    """Queue the notice's emails, reporting progress after each batch (a cancel stops it there)."""
    meeting = await Meeting.select().where(Meeting.id == job.meeting_id).first()
    if meeting is None:
        raise LookupError(f"meeting {job.meeting_id} no longer exists")
    changes = await _changes(job.params["changes"])
    sessions = await notices.changed_sessions(changes)
    recipients = await notices.audience(
        meeting, changes, sessions, Registration.id, Registration.email
    )
    total = len(recipients)
    await job.progress(0, total)
    # The emails are dated when the organizer pressed the button: their calendar updates are
    # stamped and numbered (SEQUENCE) from that moment, whenever the job runs.
    noticed_at = datetime.fromisoformat(job.params["noticed_at"])
    for start in range(0, total, BATCH):
        batch = recipients[start : start + BATCH]
        await _queue_batch(meeting, job.id, batch, noticed_at)
        await job.progress(start + len(batch), total)
    token = i18n.set_language(job.params.get("language") or "en")
    try:
        summary = i18n.ngettext(
            "%(num)d participant will receive the notice.",
            "%(num)d participants will receive the notice.",
            total,
        ) % {"num": total}
    finally:
        i18n.reset_language(token)
    return jobs.Result(path=None, name="", media_type="", summary=summary)


async def _queue_batch(
    meeting: dict, job_id: int, batch: list[notices.Recipient], now: datetime
) -> int:
    """Queue the emails of `batch` not queued yet by this job; returns how many were."""
    values = {
        r.registration["id"]: recipes.recipe_values(
            RENDERER,
            {"registration": r.registration["id"], "changes": [c["id"] for c in r.changes]},
            kind=EMAIL_KIND,
            to_address=r.registration["email"],
            meeting_id=meeting["id"],
            registration_id=r.registration["id"],
            now=now,
        )
        for r in batch
    }
    written_at = datetime.now(UTC)
    async with write_transaction():
        inserted = await insert_many(
            NoticeDelivery,
            [
                {
                    "job": job_id,
                    "registration": registration_id,
                    "message_id": row["message_id"],
                    "created_at": written_at,
                }
                for registration_id, row in values.items()
            ],
            returning=("registration",),
            skip_conflicts=True,
        )
        ours = [row["registration"] for row in inserted]
        await insert_many(OutboxMessage, [values[rid] for rid in ours])
    return len(ours)


async def render_notice(recipe: dict[str, Any], queued_at: datetime) -> Email:
    """Render a notice queued as a recipe (the "agenda-notice" renderer): the changes as recorded,
    the sessions as they are when it is rendered. LookupError when the registration is gone."""
    registration = (
        await Registration.select().where(Registration.id == recipe["registration"]).first()
    )
    if registration is None:
        raise LookupError(f"registration {recipe['registration']} no longer exists")
    meeting = await Meeting.select().where(Meeting.id == registration["meeting"]).first()
    changes = await _changes(recipe["changes"])
    sessions = await notices.changed_sessions(changes)
    return notices.notice_email(meeting, registration, changes, sessions, now=queued_at)


def register_mail_renderers() -> None:
    recipes.register_renderer(RENDERER, render_notice)


def register_job_handlers() -> None:
    jobs.register_handler(KIND, run_notice_job)
