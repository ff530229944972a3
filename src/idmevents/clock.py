"""The worker's "now": the one place it reads the time from, so that tests can move it.

The outbox worker and the reminder scheduler ask `now()` instead of `datetime.now`. The clock
runs at the real pace, shifted by an offset: `IDMEVENTS_CLOCK_OFFSET` (seconds, may be negative
or fractional; read at each call so that a test can set it for a worker process it starts) or,
inside one process, `set_offset()`, which wins over the environment. Tests use it to be "a week
later" without waiting; production leaves both unset and gets the real time.
"""

from __future__ import annotations

import os
from datetime import UTC, datetime, timedelta

OFFSET_VARIABLE = "IDMEVENTS_CLOCK_OFFSET"

_offset: timedelta | None = None


def set_offset(offset: timedelta | None) -> None:
    """Shift this process's clock by `offset` (None: back to the environment's, if any)."""
    global _offset
    _offset = offset


def offset() -> timedelta:
    """How far this process's clock is shifted from the real time."""
    if _offset is not None:
        return _offset
    value = os.environ.get(OFFSET_VARIABLE, "").strip()
    if not value:
        return timedelta(0)
    try:
        return timedelta(seconds=float(value))
    except ValueError:
        raise ValueError(f"{OFFSET_VARIABLE} must be a number of seconds, not {value!r}") from None


def now() -> datetime:
    """The current instant (UTC), shifted by the offset tests may set."""
    return datetime.now(UTC) + offset()
