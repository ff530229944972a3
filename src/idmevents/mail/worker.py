"""The outbox worker: claims due messages, sends them outside any transaction, records each outcome.

A pass (`deliver_due`) has three steps:

1. **Claim**, in one short write transaction: due rows (`queued` whose `next_attempt_at` has come,
   or `sending` whose `claimed_until` has passed because the worker holding them died) become
   `sending` with `claimed_until = now + lease`. PostgreSQL locks them with
   `FOR UPDATE SKIP LOCKED`, so concurrent workers take different rows instead of queueing; SQLite's
   IMMEDIATE transaction lets one claim run at a time.
2. **Send** each message's stored bytes with no transaction open: a slow SMTP server never holds a
   database lock. A message queued as a recipe (`mail.recipes`) is rendered and stored first; a
   renderer's error counts as a failed attempt, like a send that failed.
3. **Record** the outcome: `sent`; back to `queued` with a later `next_attempt_at` (temporary
   failure, exponential backoff with jitter); or `failed` (permanent failure, or `MAX_ATTEMPTS`
   used up), the error kept in `last_error` for organizers.

The claim's `claimed_until` is also its fence: outcomes are only written while the row still
carries the very timestamp this worker set, so a worker that overran its lease cannot overwrite
what the worker that took over has recorded. A worker killed between handing a message to the
server and recording it leaves that one message to be sent again after the lease: the copy has
the same Message-ID, so it is recognisable (and mail systems that de-duplicate will drop it).

A worker that loses the database mid-pass (a restart, a killed connection) is not dead: it keeps
what it knows (`Stranded`: the rows it claimed and has not sent, and the outcome it could not
record) and, as soon as the database answers again, records that outcome and gives the unsent rows
back (`queued`, no claim), fenced by its `claimed_until` like every write. They are sent on the
next pass instead of after the lease; a message it had sent is recorded, not sent twice.

Before its passes, the loop runs the *chores* the program registered (`register_chore`), each at
most once per its interval: work that queues emails on a schedule, such as the reminders
(`registrations.reminders`), and upkeep such as erasing expired personal data. Mail cannot name
them (it sits below the domains that own them); the wiring hands them over. Every chore and every
pass takes "now" from `idmevents.clock`, which tests can move forward.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.utils import parseaddr
from typing import TYPE_CHECKING

from idmevents import clock as worker_clock
from idmevents.db import is_database_outage, is_sqlite, write_transaction
from idmevents.mail import recipes
from idmevents.mail.send import (
    PermanentFailure,
    Sender,
    ServerUnavailable,
    TemporaryFailure,
    sender_from_settings,
)
from idmevents.mail.tables import OutboxMessage
from idmevents.settings import DEFAULT_MAIL_BATCH_SIZE, get_settings

if TYPE_CHECKING:
    from idmevents.settings import Settings

log = logging.getLogger(__name__)

DEFAULT_BATCH_SIZE = DEFAULT_MAIL_BATCH_SIZE
# Twelve attempts with the backoff below span about 16 hours: an SMTP outage overnight delays mail,
# it does not fail it. After that the message is `failed` and organizers can resend it.
MAX_ATTEMPTS = 12
RETRY_BASE_SECONDS = 60.0
RETRY_CAP_SECONDS = 4 * 3600.0
# Each delay is its nominal value ±25 %, so messages that failed together do not return together.
RETRY_JITTER = 0.25
# A database hiccup while recording an outcome is retried briefly: giving up would leave the row
# to be sent again after its lease, and that is a duplicate in someone's inbox.
RECORD_ATTEMPTS = 3
# After failed passes (the database is down), the idle wait doubles up to this.
MAX_IDLE_SECONDS = 30.0


# Chores without their own interval run at most this often (and at least every minute): their
# query is cheap, but an idle worker polling every few seconds need not repeat it each time.
STEP_INTERVAL_POLLS = 20
MAX_STEP_INTERVAL_SECONDS = 60.0
MIN_STEP_INTERVAL_SECONDS = 1.0


def step_interval(poll_seconds: float) -> float:
    return min(
        MAX_STEP_INTERVAL_SECONDS,
        max(MIN_STEP_INTERVAL_SECONDS, poll_seconds * STEP_INTERVAL_POLLS),
    )


def retry_delay(attempts: int, *, rand: Callable[[], float] = random.random) -> timedelta:
    """How long to wait after a message's `attempts`-th failed attempt.

    Doubling from a minute (1 min, 2, 4, 8 … capped at 4 hours), spread by ±25 % jitter.
    """
    if attempts < 1:
        raise ValueError("attempts counts failed attempts, from 1")
    nominal = min(RETRY_CAP_SECONDS, RETRY_BASE_SECONDS * 2 ** min(attempts - 1, 32))
    return timedelta(seconds=nominal * (1 - RETRY_JITTER + 2 * RETRY_JITTER * rand()))


@dataclass(frozen=True)
class _Claimed:
    id: int
    message_id: str
    kind: str
    to_address: str
    raw: str
    attempts: int


@dataclass
class Stranded:
    """What a pass cut short by a database outage leaves to settle once the database is back."""

    until: datetime  # the claim's fence
    unsent: list[_Claimed]
    outcomes: list[tuple[_Claimed, dict]]


class ClaimsStranded(Exception):
    """A pass lost the database while holding claims (see `Stranded`)."""

    def __init__(self, stranded: Stranded) -> None:
        super().__init__(
            f"database lost holding {len(stranded.unsent)} unsent and "
            f"{len(stranded.outcomes)} unrecorded message(s)"
        )
        self.stranded = stranded


class _Unrecorded(Exception):
    def __init__(self, claimed: _Claimed, values: dict) -> None:
        super().__init__(f"the outcome of {claimed.message_id} could not be recorded")
        self.claimed = claimed
        self.values = values


async def settle(stranded: Stranded) -> None:
    """Record the outcome a lost database kept from being written, and give the unsent rows back
    at once (each only while it still carries our claim)."""
    for claimed, values in stranded.outcomes:
        await _record(claimed, stranded.until, values)
    if stranded.unsent:
        await _release(stranded.unsent, stranded.until)
    log.info(
        "outbox: database back; released %d claimed message(s), recorded %d outcome(s)",
        len(stranded.unsent),
        len(stranded.outcomes),
    )


def _due(now: datetime):
    return ((OutboxMessage.status == "queued") & (OutboxMessage.next_attempt_at <= now)) | (
        (OutboxMessage.status == "sending") & (OutboxMessage.claimed_until <= now)
    )


async def _anything_due(now: datetime) -> bool:
    # A plain read first: an idle worker polling every few seconds must not take SQLite's write
    # lock (or open a PostgreSQL transaction) each time.
    rows = await OutboxMessage.select(OutboxMessage.id).where(_due(now)).limit(1)
    return bool(rows)


async def _claim(now: datetime, until: datetime, batch_size: int) -> list[_Claimed]:
    async with write_transaction():
        query = (
            OutboxMessage.select(OutboxMessage.id)
            .where(_due(now))
            .order_by(OutboxMessage.next_attempt_at, OutboxMessage.id)
            .limit(batch_size)
        )
        if not is_sqlite():
            query = query.lock_rows(skip_locked=True)
        ids = [row["id"] for row in await query]
        if not ids:
            return []
        rows = await (
            OutboxMessage.update(
                {OutboxMessage.status: "sending", OutboxMessage.claimed_until: until}
            )
            .where(OutboxMessage.id.is_in(ids))
            .returning(
                OutboxMessage.id,
                OutboxMessage.message_id,
                OutboxMessage.kind,
                OutboxMessage.to_address,
                OutboxMessage.raw,
                OutboxMessage.attempts,
            )
        )
    order = {row_id: position for position, row_id in enumerate(ids)}
    return sorted((_Claimed(**row) for row in rows), key=lambda claimed: order[claimed.id])


def _ours(ids: list[int], until: datetime):
    return (
        OutboxMessage.id.is_in(ids)
        & (OutboxMessage.status == "sending")
        & (OutboxMessage.claimed_until == until)
    )


async def _renew(pending: list[_Claimed], until: datetime, new_until: datetime) -> list[_Claimed]:
    """Extend our claim on the rows not yet sent; rows no longer ours are dropped."""
    rows = await (
        OutboxMessage.update({OutboxMessage.claimed_until: new_until})
        .where(_ours([claimed.id for claimed in pending], until))
        .returning(OutboxMessage.id)
    )
    kept = {row["id"] for row in rows}
    return [claimed for claimed in pending if claimed.id in kept]


async def _release(pending: list[_Claimed], until: datetime) -> None:
    """Give unsent rows back at once (shutting down), instead of making them wait for the lease."""
    await OutboxMessage.update(
        {OutboxMessage.status: "queued", OutboxMessage.claimed_until: None}
    ).where(_ours([claimed.id for claimed in pending], until))


async def _record(
    claimed: _Claimed, until: datetime, values: dict, recorded: set[int] | None = None
) -> None:
    for attempt in range(1, RECORD_ATTEMPTS + 1):
        try:
            rows = await (
                OutboxMessage.update({**values, OutboxMessage.claimed_until: None})
                .where(_ours([claimed.id], until))
                .returning(OutboxMessage.id)
            )
        except Exception as exc:
            if attempt == RECORD_ATTEMPTS:
                # Kept to be written when the database answers again (a lost connection can
                # also surface as a client-side protocol error, hence any error here).
                raise _Unrecorded(claimed, values) from exc
            log.warning("outbox: recording %s failed, trying again", claimed.message_id)
            await asyncio.sleep(0.5 * attempt)
        else:
            if not rows:
                log.warning(
                    "outbox: %s was taken over by another worker before its outcome was recorded",
                    claimed.message_id,
                )
            if recorded is not None:
                recorded.add(claimed.id)
            return


async def _record_failure(
    claimed: _Claimed,
    until: datetime,
    error: Exception,
    *,
    permanent: bool,
    at: datetime,
    recorded: set[int] | None = None,
) -> None:
    attempts = claimed.attempts + 1
    values = {OutboxMessage.attempts: attempts, OutboxMessage.last_error: str(error)[:2000]}
    if permanent or attempts >= MAX_ATTEMPTS:
        values[OutboxMessage.status] = "failed"
        log.error(
            "outbox: %s (%s) failed after %d attempt(s): %s",
            claimed.message_id,
            claimed.kind,
            attempts,
            error,
        )
    else:
        values[OutboxMessage.status] = "queued"
        values[OutboxMessage.next_attempt_at] = at + retry_delay(attempts)
        log.warning(
            "outbox: %s (%s) will be retried (attempt %d): %s",
            claimed.message_id,
            claimed.kind,
            attempts,
            error,
        )
    await _record(claimed, until, values, recorded)


async def deliver_due(
    sender: Sender,
    *,
    now: datetime | None = None,
    batch_size: int = DEFAULT_BATCH_SIZE,
    lease_seconds: float | None = None,
    stop: asyncio.Event | None = None,
) -> int:
    """One pass: claim up to `batch_size` due messages, send them, record each outcome.

    Returns how many messages it handled (sent, rescheduled or failed). `now` is the pass's start
    (tests move it forward instead of waiting); time inside the pass runs on from it. When `stop`
    is set, the message in hand is finished and the rest are given back. When the database is
    lost mid-pass, raises `ClaimsStranded` with what to `settle` once it is back.
    """
    settings = get_settings()
    lease = timedelta(seconds=lease_seconds or settings.mail.lease_seconds)
    started_at = now or worker_clock.now()
    started = time.monotonic()

    def clock() -> datetime:
        return started_at + timedelta(seconds=time.monotonic() - started)

    if not await _anything_due(started_at):
        return 0
    state = _Pass(until=started_at + lease, pending=[], recorded=set())
    state.pending = await _claim(started_at, state.until, batch_size)
    claimed_all = list(state.pending)
    try:
        return await _send_claimed(sender, state, lease, clock, stop, settings.mail.mail_from)
    except Exception as exc:
        if not (isinstance(exc, _Unrecorded) or is_database_outage(exc)):
            raise
        outcomes = [(exc.claimed, exc.values)] if isinstance(exc, _Unrecorded) else []
        kept = state.recorded | {claimed.id for claimed, _ in outcomes}
        unsent = [claimed for claimed in claimed_all if claimed.id not in kept]
        raise ClaimsStranded(Stranded(state.until, unsent, outcomes)) from exc


@dataclass
class _Pass:
    until: datetime  # the claim's fence, moved forward when the claim is renewed
    pending: list[_Claimed]
    recorded: set[int]  # ids whose outcome is written


async def _send_claimed(
    sender: Sender,
    state: _Pass,
    lease: timedelta,
    clock: Callable[[], datetime],
    stop: asyncio.Event | None,
    mail_from: str,
) -> int:
    envelope_from = parseaddr(mail_from)[1]
    handled = 0
    recorded = state.recorded
    while state.pending:
        if stop is not None and stop.is_set():
            await _release(state.pending, state.until)
            break
        if state.until - clock() < lease / 2:
            new_until = clock() + lease
            state.pending = await _renew(state.pending, state.until, new_until)
            state.until = new_until
            if not state.pending:
                break
        until = state.until
        claimed = state.pending.pop(0)
        try:
            # A message queued as a recipe is rendered (and stored) before its first attempt.
            raw = claimed.raw or await recipes.rendered_raw(claimed.id)
            await sender.send(raw, sender=envelope_from, recipients=[claimed.to_address])
        except PermanentFailure as exc:
            await _record_failure(
                claimed, until, exc, permanent=True, at=clock(), recorded=recorded
            )
        except ServerUnavailable as exc:
            # The rest of the batch would meet the same closed door: they count this attempt too
            # rather than each waiting out its own connection timeout.
            for same in [claimed, *state.pending]:
                await _record_failure(
                    same, until, exc, permanent=False, at=clock(), recorded=recorded
                )
            handled += len(state.pending)
            state.pending = []
        except TemporaryFailure as exc:
            await _record_failure(
                claimed, until, exc, permanent=False, at=clock(), recorded=recorded
            )
        except Exception as exc:
            if is_database_outage(exc):
                raise  # not the message's fault: it goes back unsent when the database returns
            # A bug of ours must not strand the row in `sending`: count it as a failed attempt.
            log.exception("outbox: unexpected error sending %s", claimed.message_id)
            await _record_failure(
                claimed,
                until,
                TemporaryFailure(f"internal error: {exc!r}"),
                permanent=False,
                at=clock(),
                recorded=recorded,
            )
        else:
            await _record(
                claimed,
                until,
                {
                    OutboxMessage.status: "sent",
                    OutboxMessage.attempts: claimed.attempts + 1,
                    OutboxMessage.sent_at: clock(),
                },
                recorded,
            )
            log.info("outbox: sent %s (%s)", claimed.message_id, claimed.kind)
        handled += 1
    return handled


# Chores the worker runs between passes, registered by the program (`idmevents.wiring`): mail
# cannot name the domains above it. One registry for every periodic job: the reminders (run every
# few polls), the erasure of expired personal data (hourly), the release of held seats.
Chore = Callable[[datetime], Awaitable[object]]


@dataclass(frozen=True)
class ChoreSpec:
    every: timedelta | None  # None: as often as the worker's step interval (`step_interval`)
    run: Chore


_chores: dict[str, ChoreSpec] = {}


def register_chore(name: str, every: timedelta | None, chore: Chore) -> None:
    """Run `chore(now)` from the worker loop at most once per `every` (None: every few polls, at
    least once a minute). Registering the same pair again is harmless (every wiring calls it);
    another function under a taken name is a mistake."""
    current = _chores.get(name)
    if current is not None and current.run is not chore:
        raise ValueError(f"a worker chore called {name!r} is already registered")
    _chores[name] = ChoreSpec(every, chore)


async def run_due_chores(
    now: datetime, last_run: dict[str, datetime], *, default_every: timedelta | None = None
) -> None:
    """Run the chores whose interval has passed since `last_run` (updated); a chore without its
    own interval uses `default_every` (none given: it runs every time). A chore that fails is
    logged and the others still run; it runs again when next due."""
    for name, spec in list(_chores.items()):
        every = spec.every if spec.every is not None else default_every
        if every is not None and name in last_run and now - last_run[name] < every:
            continue
        last_run[name] = now
        try:
            await spec.run(now)
        except Exception:
            log.exception("worker chore %s failed; it runs again later", name)


def backoff_seconds(poll_seconds: float, failures: int) -> float:
    """A worker's wait after `failures` failed passes in a row (the database is down): the poll
    interval, doubled with each failure, at most MAX_IDLE_SECONDS."""
    return min(poll_seconds * 2 ** min(failures, 8), MAX_IDLE_SECONDS)


async def run_passes(
    name: str,
    one_pass: Callable[[], Awaitable[int]],
    *,
    poll_seconds: float,
    stop: asyncio.Event,
) -> None:
    """Call `one_pass` until `stop` is set: at once again while it finds work (it answers how
    much), after `poll_seconds` when it found none. A failed pass is logged and waited out (see
    `backoff_seconds`): the loop only ends when asked to. The outbox and job workers run this."""
    failures = 0
    while not stop.is_set():
        try:
            busy = await one_pass()
        except ClaimsStranded as exc:
            failures += 1
            log.warning("%s: %s; they are given back when it answers again", name, exc)
            wait = backoff_seconds(poll_seconds, failures)
        except Exception:
            failures += 1
            log.exception("%s: a pass failed (%d in a row); carrying on", name, failures)
            wait = backoff_seconds(poll_seconds, failures)
        else:
            failures = 0
            if busy:
                continue  # there may be more waiting right now
            wait = poll_seconds
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), wait)


async def run_worker(settings: Settings, *, stop: asyncio.Event | None = None) -> None:
    """Send the outbox until `stop` is set: the loop of `idmevents worker` and of `serve`'s worker.

    Database trouble is logged and waited out; the loop only ends when asked to.
    """
    stop = stop or asyncio.Event()
    sender = sender_from_settings(settings)
    log.info("outbox worker started; mail goes to %s", sender.describe())
    chores_run: dict[str, datetime] = {}
    stranded: list[Stranded] = []
    every = timedelta(seconds=step_interval(settings.mail.poll_seconds))

    async def one_pass() -> int:
        await run_due_chores(worker_clock.now(), chores_run, default_every=every)
        try:
            # Back from an outage: our claims go back at once, not after their lease.
            while stranded:
                await settle(stranded[0])
                stranded.pop(0)
            return await deliver_due(
                sender,
                batch_size=settings.mail.batch_size,
                lease_seconds=settings.mail.lease_seconds,
                stop=stop,
            )
        except ClaimsStranded as exc:
            stranded.append(exc.stranded)
            raise

    await run_passes("outbox worker", one_pass, poll_seconds=settings.mail.poll_seconds, stop=stop)
    log.info("outbox worker stopped")


async def run_embedded_worker(settings: Settings) -> None:
    """The worker inside `idmevents serve`: on shutdown it finishes the message in hand, then ends."""
    stop = asyncio.Event()
    task = asyncio.create_task(run_worker(settings, stop=stop))
    try:
        await asyncio.shield(task)
    except asyncio.CancelledError:
        stop.set()
        await task
        raise
