"""VTIMEZONE components computed from zoneinfo: the one writer of time zones for every calendar.

Every calendar is assembled by idmevents.calendar_events (the feeds, the invitation attached to
confirmations, the agenda-change notices), which describes its zones with `vtimezone`; the feeds
also take the cached bytes of `vtimezone_bytes`.

icalendar's own Timezone.from_tzinfo (behind add_missing_timezones) writes each observance's
DTSTART as the first wall-clock time of the new offset. RFC 5545 reads DTSTART in TZOFFSETFROM,
so its spring-forward onset comes out an hour late (America/New_York: 03:00 EST, i.e. 08:00 UTC,
instead of 02:00 EST, 07:00 UTC), and parsers that follow the RFC (vobject/dateutil, libical)
shift that hour. So the observances are computed here from zoneinfo, limited to the years the
events span (the whole history since 1970 would add kilobytes to every feed), one observance per
transition, each DTSTART the transition instant in the offset it leaves.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from icalendar import Timezone, TimezoneDaylight, TimezoneStandard, vText


@dataclass(frozen=True)
class Observance:
    onset: datetime  # local wall-clock time, in offset_from (naive, as VTIMEZONE writes it)
    offset_from: timedelta
    offset_to: timedelta
    name: str
    daylight: bool


def _state(zone: ZoneInfo, instant: datetime) -> tuple[timedelta, str, bool]:
    local = instant.astimezone(zone)
    return local.utcoffset() or timedelta(0), local.tzname() or "", bool(local.dst())


def _observance(
    at: datetime, offset_from: timedelta, state: tuple[timedelta, str, bool]
) -> Observance:
    """The observance that begins at `at` (UTC), the offset having been `offset_from` until then;
    `state` is the zone's (offset, name, daylight) from then on."""
    offset_to, name, daylight = state
    return Observance(
        onset=(at + offset_from).replace(tzinfo=None),
        offset_from=offset_from,
        offset_to=offset_to,
        name=name,
        daylight=daylight,
    )


@functools.lru_cache(maxsize=128)
def observances(tzid: str, first_year: int, last_year: int) -> tuple[Observance, ...]:
    """The zone's offsets from 1 January of first_year to 1 January after last_year."""
    zone = ZoneInfo(tzid)
    start = datetime.combine(date(first_year, 1, 1), datetime.min.time(), zone).astimezone(UTC)
    end = datetime.combine(date(last_year + 1, 1, 1), datetime.min.time(), zone).astimezone(UTC)
    offset, name, daylight = _state(zone, start)
    found = [_observance(start, offset, (offset, name, daylight))]
    day = timedelta(days=1)
    cursor = start
    while cursor < end:
        step_end = min(cursor + day, end)
        after = _state(zone, step_end)
        if after != (offset, name, daylight):
            # Transitions fall on whole seconds: bisect the day down to the second.
            low, high = 0, int((step_end - cursor).total_seconds())
            while high - low > 1:
                middle = (low + high) // 2
                if _state(zone, cursor + timedelta(seconds=middle)) == (offset, name, daylight):
                    low = middle
                else:
                    high = middle
            changed_at = cursor + timedelta(seconds=high)
            state = _state(zone, changed_at)
            found.append(_observance(changed_at, offset, state))
            offset, name, daylight = state
            cursor = changed_at
        else:
            cursor = step_end
    return tuple(found)


@functools.lru_cache(maxsize=128)
def vtimezone_bytes(tzid: str, first_year: int, last_year: int) -> bytes:
    return vtimezone(tzid, first_year, last_year).to_ical()


def vtimezone(tzid: str, first_year: int, last_year: int) -> Timezone:
    component = Timezone()
    component.add("TZID", tzid)
    # libical (Thunderbird, Evolution) matches the zone to its own database by this name.
    component.add("X-LIC-LOCATION", vText(tzid))
    for observance in observances(tzid, first_year, last_year):
        part = TimezoneDaylight() if observance.daylight else TimezoneStandard()
        part.add("DTSTART", observance.onset)
        part.add("TZOFFSETFROM", observance.offset_from)
        part.add("TZOFFSETTO", observance.offset_to)
        part.add("TZNAME", observance.name)
        component.add_component(part)
    return component
