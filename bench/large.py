"""A meeting a hundred times larger: import, search, the desk's page, CSV export, badge batches.

`python -m bench.large [--n 50000] [--badges 600] [--engines sqlite,postgres]
[--postgres postgresql://…/postgres]`

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
- **badge batch**: `--badges` badges rendered by the batch job's process pool: badges per second,
  and per core.
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


async def child(n: int, badges: int, workdir: Path) -> dict:
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
    await worker.run_one()
    seconds = time.perf_counter() - started
    job = await jobs.get_job(job_id)
    result["badges"] = job.total
    result["badge_status"] = job.status
    result["badge_seconds"] = seconds
    result["badges_per_second"] = job.total / seconds
    result["badges_per_second_per_core"] = job.total / seconds / (os.cpu_count() or 1)
    await db.close_pool()
    return result


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
                str(args.badges),
                "--workdir",
                str(workdir),
            ],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            check=False,
        )
        if done.returncode != 0:
            raise SystemExit(f"{engine} run failed:\n{done.stderr[-4000:]}")
        return json.loads(done.stdout.strip().splitlines()[-1])
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
    keys = [key for key in results[0] if key not in ("engine",)]
    print(f"{'':32}" + "".join(f"{r['engine']:>14}" for r in results))
    for key in keys:
        cells = []
        for r in results:
            value = r.get(key)
            cells.append(f"{value:>14.1f}" if isinstance(value, float) else f"{value!s:>14}")
        print(f"{key:32}" + "".join(cells))


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.large")
    parser.add_argument("--n", type=int, default=50_000, help="registrations (default 50,000)")
    parser.add_argument("--badges", type=int, default=600, help="badges in the batch")
    parser.add_argument("--engines", default="sqlite,postgres")
    parser.add_argument("--postgres", default="postgresql://postgres@127.0.0.1:5432/postgres")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--workdir", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        result = asyncio.run(child(args.n, args.badges, Path(args.workdir)))
        print(json.dumps(result))
        return
    print(f"{os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f}, n={args.n}")
    results = [run_engine(engine, args) for engine in args.engines.split(",")]
    print_results(results)


if __name__ == "__main__":
    main()
