"""Local time in a meeting's zone: which names are zones, and wall-clock times as instants and back.

Organizers type times in the meeting's own zone. A time that does not exist there (the hour
skipped when clocks go forward) is refused with a message; a time that exists twice (the hour
repeated when clocks go back) is read as its FIRST occurrence, the one still on summer time
(`fold=0`), which is what people mean by "01:30" on that night more often than not.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from babel.core import get_global

from idmevents.i18n import gettext, local_date


class NonexistentLocalTime(ValueError):
    pass


def is_timezone(name: str) -> bool:
    if not name or name != name.strip():
        return False
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return False
    return True


def common_timezones() -> list[str]:
    """IANA zone names people pick from: no legacy aliases such as "US/Eastern", "Asia/Calcutta"
    or "America/Atka" (CLDR's alias table), each place once."""
    aliases = get_global("zone_aliases")
    return [
        *sorted(
            z
            for z in available_timezones()
            if "/" in z
            and z not in aliases
            and not z.startswith(("Etc/", "SystemV/", "US/", "posix/", "right/"))
        ),
        "UTC",
    ]


def local_instant(day: date, clock: time, timezone: str) -> datetime:
    """The UTC instant of a wall-clock time in a zone; refuses times skipped by a DST change."""
    zone = ZoneInfo(timezone)
    candidate = datetime.combine(day, clock.replace(tzinfo=None, fold=0), zone)
    # A skipped time does not survive the round trip through UTC: 02:30 comes back as 03:30.
    back = candidate.astimezone(UTC).astimezone(zone)
    if back.replace(tzinfo=None) != candidate.replace(tzinfo=None):
        raise NonexistentLocalTime(
            gettext("%(time)s does not exist on %(day)s in %(zone)s: the clocks go forward then.")
            % {
                "time": clock.strftime("%H:%M"),
                "day": local_date(day, style="long"),
                "zone": timezone,
            }
        )
    return candidate.astimezone(UTC)


def wall_clock(moment: datetime, timezone: str) -> datetime:
    """The naive local date and time of an instant in a zone."""
    return moment.astimezone(ZoneInfo(timezone)).replace(tzinfo=None)


def _reanchor(moment: datetime, old_zone: str, new_zone: str, day_shift: int = 0) -> datetime:
    """The same wall-clock time (moved by whole days) in another zone, as an instant.

    A wall-clock time that the new zone skips is taken as zoneinfo reads it (the offset before
    the change), which lands it just after the gap, as calendar programs do.
    """
    local = wall_clock(moment, old_zone) + timedelta(days=day_shift)
    return local.replace(tzinfo=ZoneInfo(new_zone)).astimezone(UTC)
