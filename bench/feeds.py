"""Feed benchmark: build time against agenda size, and requests per second against a live server.

    python -m bench.feeds                 # both parts
    python -m bench.feeds --build-only    # only the builder (no server, no database)
    python -m bench.feeds --http-only
    python -m bench.feeds --postgres postgresql://postgres@127.0.0.1:5432/postgres   # and on PG

Part 1 builds the iCalendar feed (and, for comparison, the JSON and frab XML forms) of synthetic
in-memory agendas of 10 to 10,000 sessions: the builders are pure, so no database is involved.
The time per session should stay flat as the agenda grows (linear total time).

Part 2 starts `idmevents serve` on 127.0.0.1 with a throw-away SQLite database holding the demo
and one synthetic 1,000-session meeting, and measures requests per second for a meeting feed
fetched in full (gzip, as calendar clients ask) and revalidated with If-None-Match (304), beside
two baselines: /health (one trivial query) and the meeting's HTML page. The load generator is
httpx in this process, bounded in requests and time, on loopback only.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import secrets
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parents[1]
SIZES = (10, 100, 1_000, 10_000)
BASE_URL = "https://idm.example.org"
SESSIONS_PER_DAY = 12


def synthetic_agenda(count: int, *, timezone: str = "America/New_York"):
    """`count` sessions, twelve a day from 08:00, each with a room, a description and panelists."""
    from idmevents.meetings.services import Agenda, AgendaItem, PanelistRole

    zone = ZoneInfo(timezone)
    first_day = date(2027, 1, 4)
    changed = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
    meeting = {
        "id": 1,
        "slug": "bench",
        "title": "Benchmark meeting, a rather long title to make folding happen",
        "theme": "",
        "city": "New York",
        "venue_name": "United Nations Headquarters",
        "venue_address": "405 East 42nd Street, New York, NY 10017, United States",
        "timezone": timezone,
        "starts_on": first_day,
        "ends_on": first_day + timedelta(days=count // SESSIONS_PER_DAY),
        "status": "published",
        "agenda_changed_at": changed,
        "updated_at": changed,
    }
    items = []
    for index in range(count):
        day, slot = divmod(index, SESSIONS_PER_DAY)
        starts = datetime.combine(
            first_day + timedelta(days=day), datetime.min.time(), zone
        ) + timedelta(hours=8, minutes=60 * slot)
        items.append(
            AgendaItem(
                id=index + 1,
                uid=f"bench-{index}@idmevents",
                title=f"Session {index}: migration, mobility; and the governance of both",
                description="A description long enough to be folded over several lines. " * 3,
                kind="panel",
                starts_at=starts.astimezone(UTC),
                ends_at=(starts + timedelta(minutes=50)).astimezone(UTC),
                status="cancelled" if index % 17 == 0 else "scheduled",
                sequence=index % 4,
                updated_at=changed,
                created_at=changed,
                capacity=None,
                room_id=index % 5,
                room_name=f"Conference Room {index % 5}",
                illustrative=False,
                panelists=[
                    PanelistRole(
                        panelist_id=person,
                        slug=f"person-{person}",
                        honorific="Ms",
                        name=f"Person {person}",
                        position="Permanent Representative to the United Nations",
                        organization="",
                        role="speaker" if person % 2 else "moderator",
                        order=person,
                    )
                    for person in (index % 40, index % 40 + 1)
                ],
            )
        )
    return Agenda(meeting=meeting, items=items)


def _cpu_seconds(function) -> float:
    """CPU time of this process: on a shared machine, wall time mostly measures the neighbours."""
    started = time.process_time()
    function()
    return time.process_time() - started


def bench_build() -> list[dict]:
    return [_measure_build(size) for size in SIZES]


def _measure_build(size: int) -> dict:
    from idmevents.calendar_events import Party
    from idmevents.feeds.ical import CalendarInfo, calendar_bytes, clear_caches
    from idmevents.feeds.schedule import agenda_json, frab_xml

    info = CalendarInfo(
        name="Benchmark",
        description="Benchmark",
        source_url="x",
        page_url="x",
        organizer=Party("idm@example.org"),
    )
    agenda = synthetic_agenda(size)
    repeat = 3 if size <= 1_000 else 2

    def cold() -> None:
        clear_caches()  # as a fresh process would: every event and zone serialised anew
        calendar_bytes([agenda], info, base_url=BASE_URL)

    def build() -> bytes:
        return calendar_bytes([agenda], info, base_url=BASE_URL)

    cold_seconds = min(_cpu_seconds(cold) for _ in range(repeat))
    ics_bytes = build()
    changed = []
    for attempt in range(repeat):
        item = agenda.items[(attempt * 7919) % size]  # one session moved by the organizers
        item.starts_at += timedelta(minutes=5)
        item.ends_at += timedelta(minutes=5)
        item.sequence += 1
        item.updated_at += timedelta(minutes=1)
        changed.append(_cpu_seconds(build))
    return {
        "sessions": size,
        "ics_seconds": cold_seconds,
        "ics_changed_seconds": min(changed),
        "json_seconds": min(
            _cpu_seconds(lambda: agenda_json(agenda, base_url=BASE_URL)) for _ in range(3)
        ),
        "xml_seconds": min(
            _cpu_seconds(lambda: frab_xml(agenda, base_url=BASE_URL)) for _ in range(repeat)
        ),
        "ics_bytes": len(ics_bytes),
    }


def print_build(rows: list[dict]) -> None:
    reference = rows[1]["ics_seconds"] / rows[1]["sessions"]
    print("Feed build time, CPU seconds (best of 2-3 runs); ratio: per-session time against 100")
    print(
        f"{'sessions':>9} {'ics cold':>10} {'per session':>12} {'ratio':>6} "
        f"{'1 changed':>10} {'ics size':>9} {'json':>9} {'frab xml':>9}"
    )
    for row in rows:
        per_session = row["ics_seconds"] / row["sessions"]
        print(
            f"{row['sessions']:>9,} {row['ics_seconds'] * 1000:>8.0f}ms "
            f"{per_session * 1e6:>10.0f}µs {per_session / reference:>6.2f} "
            f"{row['ics_changed_seconds'] * 1000:>8.0f}ms {row['ics_bytes'] / 1024:>7.0f}KB "
            f"{row['json_seconds'] * 1000:>7.0f}ms {row['xml_seconds'] * 1000:>7.0f}ms"
        )


# -- requests per second against `idmevents serve` ------------------------------------------------

MAX_REQUESTS = 3_000
MAX_SECONDS = 10.0
CONCURRENCY = 16


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


async def _seed_large_meeting(count: int) -> None:
    """A published meeting with `count` sessions, written the way the demo writes its own."""
    from idmevents.db import write_transaction
    from idmevents.meetings.tables import Meeting, MeetingSession

    agenda = synthetic_agenda(count)
    meeting = dict(agenda.meeting)
    for key in ("id", "agenda_changed_at", "updated_at"):
        meeting.pop(key)
    async with write_transaction():
        await Meeting.delete().where(Meeting.slug == "bench")
        rows = await Meeting.insert(Meeting(**meeting)).returning(Meeting.id)
        await MeetingSession.insert(
            *[
                MeetingSession(
                    meeting=rows[0]["id"],
                    uid=f"bench-{secrets.token_hex(8)}@idmevents",
                    title=item.title,
                    description=item.description,
                    kind=item.kind,
                    starts_at=item.starts_at,
                    ends_at=item.ends_at,
                    status=item.status,
                )
                for item in agenda.items
            ]
        )


@dataclass
class LoadResult:
    name: str
    requests: int
    seconds: float
    statuses: dict[int, int]
    latencies: list[float]
    server_cpu: float | None  # CPU seconds the server process spent on these requests

    @property
    def per_second(self) -> float:
        return self.requests / self.seconds


def _process_cpu(pid: int | None) -> float | None:
    """utime + stime of a process from /proc (Linux): what it cost, whatever else the machine ran."""
    if pid is None:
        return None
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


async def _load(name: str, url: str, headers: dict[str, str], pid: int | None) -> LoadResult:
    import httpx

    statuses: dict[int, int] = {}
    latencies: list[float] = []
    sent = 0
    deadline = time.perf_counter() + MAX_SECONDS

    async def worker(client: httpx.AsyncClient) -> None:
        nonlocal sent
        while sent < MAX_REQUESTS and time.perf_counter() < deadline:
            sent += 1
            started = time.perf_counter()
            response = await client.get(url, headers=headers)
            await response.aread()
            latencies.append(time.perf_counter() - started)
            statuses[response.status_code] = statuses.get(response.status_code, 0) + 1

    limits = httpx.Limits(max_connections=CONCURRENCY, max_keepalive_connections=CONCURRENCY)
    async with httpx.AsyncClient(limits=limits, timeout=120) as client:
        await client.get(url, headers=headers)  # warm: the first request builds the feed
        cpu_before = _process_cpu(pid)
        started = time.perf_counter()
        await asyncio.gather(*(worker(client) for _ in range(CONCURRENCY)))
        elapsed = time.perf_counter() - started
        cpu_after = _process_cpu(pid)
    server_cpu = None if cpu_before is None or cpu_after is None else cpu_after - cpu_before
    return LoadResult(name, len(latencies), elapsed, statuses, latencies, server_cpu)


async def bench_http(url_base: str, pid: int | None = None) -> list[LoadResult]:
    import httpx

    results = [
        # Baselines: the health check runs one trivial query, the meeting page renders the agenda.
        await _load("/health (one query, baseline)", f"{url_base}/health", {}, pid),
        await _load(
            "meeting page, HTML",
            f"{url_base}/meetings/idm-new-york",
            {"accept-encoding": "gzip"},
            pid,
        ),
    ]
    for slug, label in (("idm-new-york", "9 sessions"), ("bench", "1,000 sessions")):
        url = f"{url_base}/meetings/{slug}/agenda.ics"
        async with httpx.AsyncClient(timeout=120) as client:  # the first request builds it
            etag = (await client.get(url, headers={"accept-encoding": "gzip"})).headers["etag"]
        results.append(
            await _load(f"{label}, full GET (gzip)", url, {"accept-encoding": "gzip"}, pid)
        )
        results.append(
            await _load(
                f"{label}, If-None-Match (304)",
                url,
                {"accept-encoding": "gzip", "if-none-match": etag},
                pid,
            )
        )
    return results


def print_http(engine: str, results: list[LoadResult]) -> None:
    print(
        f"Requests per second, one `idmevents serve` process ({engine}), {CONCURRENCY} "
        f"connections, at most {MAX_REQUESTS} requests or {MAX_SECONDS:.0f} s each"
    )
    print("(server CPU: the server process's own CPU time per request, from /proc)")
    print(f"{'scenario':<36} {'req/s':>6} {'p50':>8} {'p95':>8} {'server CPU':>11}  statuses")
    for result in results:
        ordered = sorted(result.latencies)
        p50 = statistics.median(ordered) * 1000
        p95 = ordered[int(len(ordered) * 0.95) - 1] * 1000
        cpu = (
            f"{result.server_cpu / result.requests * 1000:>8.2f}ms"
            if result.server_cpu is not None
            else f"{'n/a':>10}"
        )
        print(
            f"{result.name:<36} {result.per_second:>6.0f} {p50:>6.1f}ms {p95:>6.1f}ms "
            f"{cpu}  {result.statuses}"
        )


async def _postgres_database(server_url: str, name: str, *, create: bool) -> str:
    import asyncpg

    connection = await asyncpg.connect(server_url)
    try:
        await connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        if create:
            await connection.execute(f'CREATE DATABASE "{name}"')
    finally:
        await connection.close()
    return f"{server_url.rpartition('/')[0]}/{name}"


def run_http(postgres_server: str | None = None) -> tuple[str, list[LoadResult]]:
    """`postgres_server` (a URL to any database on the server): a throw-away database is made there."""
    workdir = Path(tempfile.mkdtemp(prefix="idmevents-bench-"))
    port = _free_port()
    database_name = f"idmevents_bench_{os.getpid()}"
    if postgres_server:
        database_url = asyncio.run(_postgres_database(postgres_server, database_name, create=True))
    else:
        database_url = f"sqlite:///{workdir / 'bench.sqlite3'}"
    env = os.environ | {
        "IDMEVENTS_DATABASE_URL": database_url,
        "IDMEVENTS_VAR_DIR": str(workdir / "var"),
        "IDMEVENTS_SECRET_KEY": "bench-only",
        "IDMEVENTS_EMBEDDED_WORKER": "0",
        "IDMEVENTS_BASE_URL": f"http://127.0.0.1:{port}",
    }
    subprocess.run(
        [sys.executable, "-m", "idmevents.cli", "demo"],
        env=env,
        cwd=ROOT,
        check=True,
        stdout=subprocess.DEVNULL,
    )
    seed = "import asyncio; from bench.feeds import _seed_large_meeting; "
    seed += "asyncio.run(_seed_large_meeting(1000))"
    subprocess.run([sys.executable, "-c", seed], env=env, cwd=ROOT, check=True)
    log = (workdir / "server.log").open("wb")
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "idmevents.cli",
            "serve",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
        ],
        env=env,
        cwd=ROOT,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                    break
            except OSError:
                if time.monotonic() > deadline or server.poll() is not None:
                    raise RuntimeError("the server did not start") from None
                time.sleep(0.1)
        engine = "PostgreSQL" if postgres_server else "SQLite"
        return engine, asyncio.run(bench_http(f"http://127.0.0.1:{port}", server.pid))
    finally:
        server.terminate()
        server.wait(timeout=10)
        log.close()
        if postgres_server:
            asyncio.run(_postgres_database(postgres_server, database_name, create=False))


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.feeds", description=__doc__)
    group = parser.add_mutually_exclusive_group()
    group.add_argument("--build-only", action="store_true")
    group.add_argument("--http-only", action="store_true")
    parser.add_argument(
        "--postgres",
        metavar="URL",
        help="also measure HTTP on PostgreSQL: a server URL such as "
        "postgresql://postgres@127.0.0.1:5432/postgres (a throw-away database is made there)",
    )
    args = parser.parse_args(argv)
    if not args.http_only:
        print_build(bench_build())
        print()
    if not args.build_only:
        print_http(*run_http())
        if args.postgres:
            print()
            print_http(*run_http(args.postgres))


if __name__ == "__main__":
    main()
