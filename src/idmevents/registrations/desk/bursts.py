"""Suspicious bursts: registrations that look made in bulk to squat a meeting's seats.

Three signals, each a key shared by several registrations of one meeting:
- `address`: the same mailbox written differently — plus-addressing (`ana+1@…`) and dots in the
  local part (`a.na@…`) folded away, as the big mail providers deliver them to one inbox. Two
  registrations sharing it are already worth a look: one person may register once.
- `domain`: the same email domain, `BURST_SIZE` or more each within `BURST_GAP` of the previous.
- `network`: the same client network (`coarse_network`: an IPv4 /24 or IPv6 /48, never the
  address), the same rule of numbers and minutes.
A domain or network shared slowly (a ministry's staff over weeks) is not a burst; a burst inside
it makes the whole group shown, so that the organizer sees it with its context. The keys are
computed in Python over one meeting's registrations (hundreds, a few thousand at most), as the
desk's search is. The desk filters to a group with `?burst=<kind>:<key>` (`burst_ids`).
"""

from __future__ import annotations

import ipaddress
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from idmevents.registrations.labels import ACTIVE_STATUSES
from idmevents.registrations.tables import Registration

BURST_SIZE = 5
BURST_GAP = timedelta(minutes=5)
SAME_ADDRESS = 2  # registrations of one folded mailbox that make a group
KINDS = ("address", "domain", "network")
_COLUMNS = (
    Registration.id,
    Registration.email_key,
    Registration.client_network,
    Registration.status,
    Registration.created_at,
)


def coarse_network(host: str | None) -> str:
    """The network an address belongs to, coarse enough to name no one: IPv4 /24, IPv6 /48
    (an IPv4-mapped IPv6 address as IPv4); "" for what is not an IP address (a test client)."""
    try:
        address = ipaddress.ip_address((host or "").strip())
    except ValueError:
        return ""
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    prefix = 24 if address.version == 4 else 48
    return str(ipaddress.ip_network(f"{address}/{prefix}", strict=False))


def folded_address(email_key: str) -> str:
    """The mailbox an address reaches: the local part without its `+tag` and its dots."""
    local, _, domain = email_key.lower().rpartition("@")
    local = local.split("+", 1)[0].replace(".", "")
    return f"{local}@{domain}"


def _domain(email_key: str) -> str:
    return email_key.lower().rpartition("@")[2]


_KEYS: dict[str, Callable[[dict], str]] = {
    "address": lambda row: folded_address(row["email_key"]) if "@" in row["email_key"] else "",
    "domain": lambda row: _domain(row["email_key"]),
    "network": lambda row: row["client_network"],
}


@dataclass(frozen=True)
class Burst:
    kind: str  # address | domain | network
    key: str
    count: int  # registrations sharing the key
    active: int  # of them, still holding or awaiting a place
    largest_run: int  # the most registered each within BURST_GAP of the previous
    run_minutes: int  # how long that run took, in whole minutes
    first_at: datetime
    last_at: datetime

    @property
    def filter(self) -> str:
        """The desk's `burst` filter for this group."""
        return f"{self.kind}:{self.key}"


def _largest_run(times: list[datetime]) -> tuple[int, timedelta]:
    """The longest run of sorted instants each within BURST_GAP of the one before, and its span."""
    best, best_span, start = 1, timedelta(0), 0
    for i in range(1, len(times)):
        if times[i] - times[i - 1] > BURST_GAP:
            start = i
        if i - start + 1 > best:
            best, best_span = i - start + 1, times[i] - times[start]
    return best, best_span


def _groups(rows: list[dict], kind: str) -> dict[str, list[dict]]:
    groups: dict[str, list[dict]] = defaultdict(list)
    key_of = _KEYS[kind]
    for row in rows:
        key = key_of(row)
        if key and not key.endswith("erased.invalid"):  # erased addresses are all alike
            groups[key].append(row)
    return groups


async def _rows(meeting_id: int) -> list[dict]:
    return (
        await Registration.select(*_COLUMNS)
        .where(Registration.meeting == meeting_id)
        .order_by(Registration.created_at)
        .order_by(Registration.id)
    )


async def find_bursts(meeting_id: int) -> list[Burst]:
    """The meeting's suspicious groups, the largest runs first."""
    rows = await _rows(meeting_id)
    found = []
    for kind in KINDS:
        for key, members in _groups(rows, kind).items():
            times = [row["created_at"] for row in members]
            run, span = _largest_run(times)
            suspicious = len(members) >= SAME_ADDRESS if kind == "address" else run >= BURST_SIZE
            if suspicious:
                found.append(
                    Burst(
                        kind=kind,
                        key=key,
                        count=len(members),
                        active=sum(row["status"] in ACTIVE_STATUSES for row in members),
                        largest_run=run,
                        run_minutes=int(span.total_seconds() // 60),
                        first_at=times[0],
                        last_at=times[-1],
                    )
                )
    found.sort(key=lambda burst: (-burst.largest_run, -burst.count, burst.kind, burst.key))
    return found


def parse_filter(value: str) -> tuple[str, str] | None:
    """`kind:key` as the desk's link writes it, or None if it is not one."""
    kind, _, key = value.partition(":")
    return (kind, key) if kind in KINDS and key else None


async def burst_ids(meeting_id: int, kind: str, key: str) -> list[int]:
    """The ids of the meeting's registrations that share `key` by `kind` (a group's members)."""
    return [row["id"] for row in _groups(await _rows(meeting_id), kind).get(key, [])]
