"""Rate limits as the settings spell them."""

import pytest

from idmevents.web.ratelimit import RateLimit


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("30/minute", RateLimit(30, "minute")),
        (" 500 / hour ", RateLimit(500, "hour")),
        ("5 per second", RateLimit(5, "second")),
        ("1000/DAY", RateLimit(1000, "day")),
    ],
)
def test_rate_limit_parses(text, expected):
    assert RateLimit.parse(text) == expected
    assert RateLimit.parse(text).enabled


def test_zero_switches_the_limit_off():
    assert RateLimit.parse("0/minute").enabled is False


@pytest.mark.parametrize("text", ["", "30", "thirty/minute", "30/fortnight", "-1/minute"])
def test_rate_limit_refuses_what_it_cannot_read(text):
    with pytest.raises(ValueError, match="a rate limit reads like 30/minute"):
        RateLimit.parse(text)
