"""The retry schedule: exponential backoff with jitter, a pure function."""

import random

import pytest

from idmevents.mail.worker import RETRY_CAP_SECONDS, retry_delay


@pytest.fixture
def clean_database():
    """Nothing here touches the database: skip emptying it."""
    yield


def test_retry_delay_doubles_from_a_minute_up_to_the_cap():
    middle = [retry_delay(attempt, rand=lambda: 0.5).total_seconds() for attempt in range(1, 12)]
    assert middle == [60, 120, 240, 480, 960, 1920, 3840, 7680, 14400, 14400, 14400]
    assert RETRY_CAP_SECONDS == 14400
    assert retry_delay(1000, rand=lambda: 0.5).total_seconds() == RETRY_CAP_SECONDS


def test_retry_delay_has_jitter_within_a_quarter():
    assert retry_delay(3, rand=lambda: 0.0).total_seconds() == 180
    assert retry_delay(3, rand=lambda: 1.0).total_seconds() == 300
    delays = {retry_delay(3).total_seconds() for _ in range(50)}
    assert len(delays) > 40
    assert all(180 <= delay <= 300 for delay in delays)
    # Until the cap, the next attempt always waits longer than the last, jitter or not.
    rng = random.Random(7)
    for attempt in range(1, 8):
        assert retry_delay(attempt, rand=lambda: 1.0) < retry_delay(attempt + 1, rand=lambda: 0.0)
        assert retry_delay(attempt, rand=rng.random) < retry_delay(attempt + 1, rand=rng.random)


def test_retry_delay_refuses_zero_attempts():
    with pytest.raises(ValueError):
        retry_delay(0)
