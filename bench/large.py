"""A meeting a hundred times larger: import, search, the desk's page, CSV export, badge batches.

`python -m bench.large [--n 50000] [--badges 5000] [--sqlite-badges N] [--engines sqlite,postgres]
[--postgres postgresql://…/postgres] [--desk-only]`

For each engine, in a child process of its own (an engine is chosen before the first query):
a fresh database, a meeting with 20 rooms and 600 sessions, and a generated file of `--n`
registrations from 200 delegations and organizations (names with accents, every category),
then:
- **import**: the file read, every row checked and written (`registrations.imports`), rows per
  second; then the same file again, which must change no row;
- **desk search**: `desk.find_page` with 200 queries (family names, their first letters without
  accents, organizations, addresses), p50 and p95 of the server time, and the check-in search;
- **registrations page**: the desk's first page, by date and by name (server time of the query);
- **CSV export**: the export job over every registration, its time and the growth of the
  process's peak RSS;
- **notify**: one session moved, then "Notify participants": the press (what the page waits for)
  and the job that queues one email per confirmed participant;
- **badge batch**: `--badges` badges rendered by the batch job's process pool: badges per second,
  and per core;
- **serving** (PostgreSQL): `bench.serving` on that database, granian with 2 workers: the
  hello-world ceiling, the 600-session meeting's page and agenda feed (plain, gzip, 304), and a
  burst of registrations through the API into the meeting (its 40,000 confirmed kept, 250 seats
  opened): requests per second against the ceiling, and none overbooked.
The load average is recorded at the start and end of each engine's run.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
GIVEN = ["José", "Zoë", "Jürg", "Ana", "Łukasz", "Amélie", "Søren", "Nguyễn", "Fatima", "John"]
FAMILY = ["Müller", "Álvarez", "Lauber", "Pérez", "Dubois", "Ødegaard", "Smith", "Núñez", "Kim"]
CATEGORIES = ["member-state", "observer", "un-igo", "civil-society", "academia", "media"]
COUNTRIES = ["CH", "FR", "ES", "MX", "DE", "US", "SN", "PH", "CL", "NO"]


def generate_csv(path: Path, n: int, seed: int = 16) -> None:
    rng = random.Random(seed)
    organizations = [f"Delegation {i:03d} – Ministère des Affaires étrangères" for i in range(200)]
    with path.open("w", encoding="utf-8", newline="") as out:
        out.write("Given name,Family name,Email,Organization,Category,Country\n")
        for i in range(n):
            given, family = rng.choice(GIVEN), rng.choice(FAMILY)
            out.write(
                f"{given},{family}{i},person{i}@example.org,{rng.choice(organizations)},"
                f"{rng.choice(CATEGORIES[:3])},{rng.choice(COUNTRIES)}\n"
            )


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


async def _seed_meeting() -> dict:
    from idmevents.meetings.tables import Meeting, MeetingSession, Room

    now = datetime.now(UTC)
    rows = await Meeting.insert(
        Meeting(
            slug="large",
            title="A large meeting",
            theme="Scale",
            city="Geneva",
            venue_name="Palais des Nations",
            venue_address="Geneva",
            timezone="Europe/Zurich",
            starts_on=date(2027, 5, 3),
            ends_on=date(2027, 5, 7),
            registration_opens_at=now - timedelta(days=1),
            registration_closes_at=now + timedelta(days=30),
            capacity=40_000,
            approval_categories=[],
            status="published",
        )
    ).returning(Meeting.id)
    meeting_id = rows[0]["id"]
    rooms = await Room.insert(
        *[Room(meeting=meeting_id, name=f"Room {i}", capacity=500) for i in range(20)]
    ).returning(Room.id)
    start = datetime(2027, 5, 3, 7, 0, tzinfo=UTC)
    sessions = []
    for i in range(600):
        begins = start + timedelta(days=i // 120, minutes=30 * ((i // 20) % 6))
        sessions.append(
            MeetingSession(
                meeting=meeting_id,
                uid=f"large-{i}@idmevents",
                title=f"Session {i}",
                description="A session of the large meeting.",
                kind="panel",
                starts_at=begins,
                ends_at=begins + timedelta(minutes=25),
                status="confirmed",
                room=rooms[i % 20]["id"],
            )
        )
    await MeetingSession.insert(*sessions)
    return await Meeting.select().where(Meeting.id == meeting_id).first()


def _cpu_seconds() -> float:
    """CPU time of this process and of its finished children (the badge pool's processes): what
    the work costs, whatever else the shared machine runs."""
    own = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


async def child(n: int, badges: int, workdir: Path, desk_only: bool = False) -> dict:
    from idmevents import db, wiring
    from idmevents.audit import Actor
    from idmevents.badges import batch
    from idmevents.badges import services as badge_services
    from idmevents.cli import migrate
    from idmevents.jobs import services as jobs
    from idmevents.jobs import worker
    from idmevents.registrations import desk, imports
    from idmevents.registrations.export_job import queue_export_job
    from idmevents.registrations.tables import Registration

    wiring.register_mail_renderers()
    wiring.register_job_handlers()
    await migrate()
    await db.start_pool(4)
    result: dict = {"engine": "sqlite" if db.is_sqlite() else "postgres", "n": n}
    result["load_at_start"] = os.getloadavg()[0]
    meeting = await _seed_meeting()
    file = workdir / "people.csv"
    generate_csv(file, n)

    started = time.perf_counter()
    header, rows = imports.read_table(file.name, file.read_bytes())
    checks = imports.check_rows(rows, imports.check_mapping(imports.guess_mapping(header), 6))
    report = await imports.run_import(
        meeting, checks, now=datetime.now(UTC), by=Actor(None, "bench"), send_emails=False
    )
    elapsed = time.perf_counter() - started
    result["import_seconds"] = elapsed
    result["import_rows_per_second"] = n / elapsed
    result["import_errors"] = report.errors
    before = await Registration.count()
    started = time.perf_counter()
    again = await imports.run_import(
        meeting, checks, now=datetime.now(UTC), by=Actor(None, "bench"), send_emails=False
    )
    result["reimport_seconds"] = time.perf_counter() - started
    result["reimport_created"] = again.created_total
    result["reimport_rows_unchanged"] = before == await Registration.count()

    rng = random.Random(7)
    queries = []
    for _ in range(200):
        kind = rng.randrange(4)
        i = rng.randrange(n)
        queries.append(
            [
                f"{rng.choice(FAMILY)}{i}",
                rng.choice(["muller", "alvarez", "nunez", "odegaard", "jose"]),
                f"person{i}@example",
                f"delegation {rng.randrange(200):03d}",
            ][kind]
        )
    desk_times, checkin_times = [], []
    for q in queries:
        filters = await desk.check_filters(meeting, q=q)
        started = time.perf_counter()
        await desk.find_page(meeting, filters, 1, 25)
        desk_times.append(time.perf_counter() - started)
        started = time.perf_counter()
        await badge_services.search(meeting, q)
        checkin_times.append(time.perf_counter() - started)
    result["desk_search_p50_ms"] = 1000 * statistics.median(desk_times)
    result["desk_search_p95_ms"] = 1000 * percentile(desk_times, 95)
    result["checkin_search_p50_ms"] = 1000 * statistics.median(checkin_times)
    result["checkin_search_p95_ms"] = 1000 * percentile(checkin_times, 95)

    for sort in ("-date", "name"):
        filters = await desk.check_filters(meeting, sort=sort)
        times = []
        for _ in range(10):
            started = time.perf_counter()
            await desk.find_page(meeting, filters, 1, 50)
            times.append(time.perf_counter() - started)
        result[f"page_{sort.strip('-')}_ms"] = 1000 * statistics.median(times)
    if desk_only:
        result["load_at_end"] = os.getloadavg()[0]
        await db.close_pool()
        return result

    rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    filters = await desk.check_filters(meeting)
    job_id = await queue_export_job(
        meeting, filters, separator="comma", now=datetime.now(UTC), by=None
    )
    started = time.perf_counter()
    await worker.run_one()
    result["csv_seconds"] = time.perf_counter() - started
    result["csv_peak_rss_growth_mb"] = (
        resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - rss_before
    ) / 1024
    path, _ = await jobs.result_file(job_id)
    result["csv_mb"] = path.stat().st_size / 1e6

    # Notify: one session moved, then "Notify participants": the press (the page's work) and the
    # job that queues one email per confirmed participant (recipes, in batches).
    from idmevents.meetings import builder
    from idmevents.meetings.tables import MeetingSession
    from idmevents.registrations import notices

    moved = await MeetingSession.select().where(MeetingSession.meeting == meeting["id"]).first()
    await builder.update_session(
        moved["id"],
        {
            "starts_at": moved["starts_at"] + timedelta(minutes=1),
            "ends_at": moved["ends_at"] + timedelta(minutes=1),
        },
        by=Actor(None, "bench"),
        now=datetime.now(UTC),
    )
    started = time.perf_counter()
    job_id = await notices.queue_notice("large", by=Actor(None, "bench"), now=datetime.now(UTC))
    result["notify_press_ms"] = 1000 * (time.perf_counter() - started)
    started = time.perf_counter()
    await worker.run_one()
    result["notify_queue_seconds"] = time.perf_counter() - started
    job = await jobs.get_job(job_id)
    result["notify_emails"] = job.total
    result["notify_status"] = job.status

    # A batch of `badges`: that many confirmed people in one category of their own.
    ids = [
        row["id"]
        for row in await Registration.select(Registration.id)
        .where(Registration.status == "confirmed")
        .limit(badges)
    ]
    await Registration.update({Registration.category: "media"}).where(Registration.id.is_in(ids))
    job_id = await batch.queue_print_job(
        meeting,
        now=datetime.now(UTC),
        paper="a4",
        size="4x3",
        category="media",
        not_printed_only=False,
        by=None,
    )
    started = time.perf_counter()
    cpu_before = _cpu_seconds()
    await worker.run_one()
    seconds = time.perf_counter() - started
    result["badge_cpu_ms_each"] = 1000 * (_cpu_seconds() - cpu_before) / max(1, badges)
    job = await jobs.get_job(job_id)
    result["badges"] = job.total
    result["badge_status"] = job.status
    result["badge_seconds"] = seconds
    result["badges_per_second"] = job.total / seconds
    result["badges_per_second_per_core"] = job.total / seconds / (os.cpu_count() or 1)
    # On an idle machine every core renders: the time 5,000 badges would take there.
    result["badges_5000_idle_seconds_est"] = (
        5000 * result["badge_cpu_ms_each"] / 1000 / (os.cpu_count() or 1)
    )
    result["load_at_end"] = os.getloadavg()[0]
    await db.close_pool()
    return result


async def open_seats_for_burst(url: str) -> int:
    """Ready the large meeting for `bench.serving`'s registration burst: its 40,000 confirmed
    stay, those waiting and the queued notices go, and 250 seats open (as the demo has): the burst
    must fill exactly those and waitlist the rest in order. Returns the last id before it."""
    from bench.serving import _admin, _fetch

    await _admin(url, "DELETE FROM registration WHERE status <> 'confirmed'")
    await _admin(url, "TRUNCATE outbox_message")
    await _admin(
        url,
        "UPDATE meeting SET capacity = 250 + (SELECT count(*) FROM registration "
        "WHERE registration.meeting = meeting.id AND status = 'confirmed') WHERE slug = 'large'",
    )
    return (await _fetch(url, "SELECT coalesce(max(id), 0) AS last FROM registration"))[0]["last"]


def serve_large(database_url: str, workdir: Path, args: argparse.Namespace):
    """The meeting page and feed of the 600-session meeting, and a registration burst into it,
    under granian with 2 workers, against the hello-world ceiling (bench.serving)."""
    from bench import serving

    env = os.environ | {
        "IDMEVENTS_DATABASE_URL": database_url,
        "IDMEVENTS_VAR_DIR": str(workdir / "var"),
        "IDMEVENTS_SECRET_KEY": "bench-secret-key-not-for-production",
        "IDMEVENTS_EMBEDDED_WORKER": "0",
        "IDMEVENTS_REGISTRATION_RATE_LIMIT": "0/minute",
        "IDMEVENTS_DB_POOL_SIZE": "10",
        "PYTHONPATH": os.pathsep.join([str(ROOT / "src"), str(ROOT)]),
    }
    return serving.benchmark_server(
        "granian",
        workers=2,
        duration=args.serve_seconds,
        connections=64,
        env=env,
        database_url=database_url,
        log_dir=workdir,
        slug="large",
        prepare_burst=open_seats_for_burst,
    )


def run_engine(engine: str, args: argparse.Namespace) -> dict:
    workdir = Path(tempfile.mkdtemp(prefix=f"bench-large-{engine}-"))
    env = os.environ | {
        "IDMEVENTS_VAR_DIR": str(workdir / "var"),
        "IDMEVENTS_SECRET_KEY": "bench-only",
        "PYTHONPATH": os.pathsep.join(
            filter(None, [str(ROOT / "src"), os.environ.get("PYTHONPATH")])
        ),
    }
    database = None
    if engine == "postgres":
        database = f"bench_large_{os.getpid()}"
        subprocess.run(["psql", args.postgres, "-qc", f'CREATE DATABASE "{database}"'], check=True)
        env["IDMEVENTS_DATABASE_URL"] = f"{args.postgres.rpartition('/')[0]}/{database}"
    else:
        env["IDMEVENTS_DATABASE_URL"] = f"sqlite:///{workdir / 'var' / 'bench.sqlite3'}"
    try:
        done = subprocess.run(
            [
                sys.executable,
                "-m",
                "bench.large",
                "--child",
                "--n",
                str(args.n),
                "--badges",
                str(
                    args.sqlite_badges if engine == "sqlite" and args.sqlite_badges else args.badges
                ),
                "--workdir",
                str(workdir),
                *(["--desk-only"] if args.desk_only else []),
            ],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            check=False,
        )
        if done.returncode != 0:
            raise SystemExit(f"{engine} run failed:\n{done.stderr[-4000:]}")
        result = json.loads(done.stdout.strip().splitlines()[-1])
        if database and args.serve_seconds > 0 and not args.desk_only:
            result["serving"] = serve_large(env["IDMEVENTS_DATABASE_URL"], workdir, args)
        return result
    finally:
        if database:
            subprocess.run(
                [
                    "psql",
                    args.postgres,
                    "-qc",
                    f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)',
                ],
                check=False,
            )


def print_results(results: list[dict]) -> None:
    from bench import serving

    keys = [key for key in results[0] if key not in ("engine", "serving")]
    print(f"{'':32}" + "".join(f"{r['engine']:>14}" for r in results))
    for key in keys:
        cells = []
        for r in results:
            value = r.get(key)
            cells.append(f"{value:>14.1f}" if isinstance(value, float) else f"{value!s:>14}")
        print(f"{key:32}" + "".join(cells))
    problems = []
    for r in results:
        if "serving" in r:
            print(f"\n{r['engine']}: the 600-session meeting served (bench.serving)", end="")
            serving.print_result(r["serving"])
            problems += serving.check(r["serving"])
    for problem in problems:
        print("PROBLEM:", problem)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.large")
    parser.add_argument("--n", type=int, default=50_000, help="registrations (default 50,000)")
    parser.add_argument("--badges", type=int, default=5000, help="badges in the batch")
    parser.add_argument(
        "--sqlite-badges",
        type=int,
        default=0,
        help="badges in SQLite's batch, if not --badges (rendering does not depend on the engine)",
    )
    parser.add_argument("--engines", default="sqlite,postgres")
    parser.add_argument("--postgres", default="postgresql://postgres@127.0.0.1:5432/postgres")
    parser.add_argument(
        "--serve-seconds",
        type=int,
        default=5,
        help="seconds of wrk per endpoint on the PostgreSQL database (0: no serving run)",
    )
    parser.add_argument(
        "--desk-only",
        action="store_true",
        help="stop after the desk's search and pages (no CSV, notify, badges or serving)",
    )
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--workdir", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        result = asyncio.run(child(args.n, args.badges, Path(args.workdir), args.desk_only))
        print(json.dumps(result))
        return
    print(
        f"{os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f}, n={args.n}, "
        f"badges={args.badges}, {datetime.now(UTC):%Y-%m-%d %H:%M} UTC"
    )
    results = [run_engine(engine, args) for engine in args.engines.split(",")]
    print_results(results)


if __name__ == "__main__":
    main()
