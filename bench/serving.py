"""Serving benchmark: our endpoints against a bare Litestar hello-world, under granian and uvicorn.

    python -m bench.serving                          # both servers, 2 workers, 8 s per endpoint
    python -m bench.serving --servers granian --duration 5
    python -m bench.serving --postgres postgresql://postgres@127.0.0.1:5432/postgres

For each server it starts, on 127.0.0.1 and with the same worker count:
  1. the ceiling: `bench.hello` (Litestar answering "Hello, world": no database, no template);
  2. `idmevents serve` on a throw-away PostgreSQL database holding the demo,
and loads each with wrk (one thread, N connections, a fixed duration, loopback only) on:
  - the meeting page  GET /meetings/idm-geneva                     (plain, gzip, and 304 to its ETag)
  - the agenda feed   GET /meetings/idm-geneva/agenda.ics           (200, the whole calendar, plain and gzip)
  - the same feed     GET … with If-None-Match: <its ETag>          (304)
  - registration      POST /api/v1/meetings/idm-geneva/registrations (a new email each time)
printing requests per second, p50 and p99 latency, the ratio to the ceiling, and the memory (RSS)
of every server process. After the registration run it counts the meeting's registrations in the
database: confirmed must be exactly the capacity (never more), the rest waitlisted 1..n in order.

The app runs without its embedded mail worker (`idmevents worker` processes send mail in a real
set-up) and without the registration rate limit (one client address sends everything here). A
registration's email is queued as a recipe that the worker writes before sending it: after the
run, the CPU a worker spends writing one of them is measured too, in a process of its own.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Awaitable, Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "bench" / "results"
DEFAULT_POSTGRES = "postgresql://postgres@127.0.0.1:5432/postgres"
SLUG = "idm-geneva"

REGISTER_LUA = """
-- One POST per request, each with an email no one used before (prefix from the command line).
local counter = 0
local prefix = "bench"
init = function(args)
  prefix = args[1] or prefix
end
request = function()
  counter = counter + 1
  local body = string.format(
    '{"given_name":"Bench","family_name":"Person %d","email":"%s-%d@example.org",' ..
    '"organization":"Benchmark University","category":"academia","consent":true}',
    counter, prefix, counter)
  return wrk.format("POST", nil, {["Content-Type"] = "application/json"}, body)
end
"""


@dataclass
class Measurement:
    name: str
    requests_per_second: float
    p50_ms: float
    p99_ms: float
    requests: int
    bad_responses: int
    socket_errors: int
    ratio: float | None = None
    # The server's own CPU time (parent and workers) per request: unlike requests per second it
    # hardly moves when other programs load the machine.
    cpu_ms: float | None = None
    cpu_ratio: float | None = None


@dataclass
class ServerResult:
    server: str
    workers: int
    ceiling: Measurement
    endpoints: list[Measurement] = field(default_factory=list)
    rss_mb: dict[str, list[float]] = field(default_factory=dict)
    registrations: dict[str, int | bool] = field(default_factory=dict)
    emails: dict[str, float] = field(default_factory=dict)


# wrk -----------------------------------------------------------------------------------------

_UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60_000.0}


def _ms(text: str) -> float:
    match = re.fullmatch(r"([\d.]+)(us|ms|s|m)", text)
    if match is None:
        raise ValueError(f"unreadable latency {text!r}")
    return float(match.group(1)) * _UNITS[match.group(2)]


def parse_wrk(name: str, output: str) -> Measurement:
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))
    p50 = _ms(re.search(r"^\s+50%\s+(\S+)", output, re.MULTILINE).group(1))
    p99 = _ms(re.search(r"^\s+99%\s+(\S+)", output, re.MULTILINE).group(1))
    requests = int(re.search(r"(\d+) requests in", output).group(1))
    bad = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    errors = re.search(
        r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", output
    )
    return Measurement(
        name=name,
        requests_per_second=rps,
        p50_ms=p50,
        p99_ms=p99,
        requests=requests,
        bad_responses=int(bad.group(1)) if bad else 0,
        socket_errors=sum(int(n) for n in errors.groups()) if errors else 0,
    )


def wrk(
    name: str,
    url: str,
    *,
    duration: float,
    connections: int,
    headers: dict[str, str] | None = None,
    script: Path | None = None,
    script_args: list[str] | None = None,
) -> Measurement:
    seconds = max(1, round(duration))  # wrk takes whole seconds
    command = ["wrk", "-t1", f"-c{connections}", f"-d{seconds}s", "--latency", "--timeout", "10s"]
    for key, value in (headers or {}).items():
        command += ["-H", f"{key}: {value}"]
    if script:
        command += ["-s", str(script)]
    command.append(url)
    if script_args:
        command += ["--", *script_args]
    result = subprocess.run(
        command, capture_output=True, text=True, timeout=duration + 60, check=True
    )
    return parse_wrk(name, result.stdout)


def _get_status(url: str, headers: dict[str, str]) -> int:
    """GET `url`, read the body, and return the status (urllib raises on 304: caught)."""
    try:
        with urllib.request.urlopen(urllib.request.Request(url, headers=headers), timeout=120) as r:
            r.read()
            return r.status
    except urllib.error.HTTPError as error:
        return error.code


# processes -----------------------------------------------------------------------------------


def free_port() -> int:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Server:
    def __init__(self, command: list[str], env: dict[str, str], log: Path) -> None:
        self.command, self.env, self.log = command, env, log
        self.process: subprocess.Popen | None = None

    def start(self, url: str, timeout: float = 90) -> Server:
        self.process = subprocess.Popen(
            self.command,
            env=self.env,
            cwd=ROOT,
            stdout=self.log.open("wb"),
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"server exited:\n{self.log.read_text()}")
            try:
                with urllib.request.urlopen(url, timeout=2) as response:
                    if response.status == 200:
                        return self
            except OSError:
                pass
            time.sleep(0.2)
        self.stop()
        raise RuntimeError(f"server did not answer {url}:\n{self.log.read_text()}")

    def measure(self, name: str, url: str, **options) -> Measurement:
        """wrk against `url`, with the CPU time this server spent per request."""
        assert self.process is not None
        before = cpu_seconds(self.process.pid)
        measurement = wrk(name, url, **options)
        spent = cpu_seconds(self.process.pid) - before
        measurement.cpu_ms = round(1000 * spent / max(1, measurement.requests), 3)
        return measurement

    def rss_mb(self) -> list[float]:
        """RSS of the parent, then of each worker process, in MB."""
        assert self.process is not None
        return [round(_rss_kb(pid) / 1024, 1) for pid in _tree(self.process.pid)]

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        self.process.terminate()
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, 9)
            self.process.wait(timeout=5)


def _tree(pid: int) -> list[int]:
    """`pid` and its descendants that run Python (not multiprocessing's resource tracker)."""
    pids = [pid]
    try:
        children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    except FileNotFoundError:
        return pids
    for child in map(int, children):
        try:
            command = Path(f"/proc/{child}/cmdline").read_bytes()
        except FileNotFoundError:
            continue
        if b"resource_tracker" not in command:
            pids += _tree(child)
    return pids


def cpu_seconds(pid: int) -> float:
    """CPU time of `pid` and its Python descendants, user and system."""
    total = 0.0
    for member in _tree(pid):
        try:
            fields = Path(f"/proc/{member}/stat").read_text().rsplit(")", 1)[1].split()
        except FileNotFoundError:
            continue
        total += (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    return total


def _rss_kb(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


# database ------------------------------------------------------------------------------------


async def _admin(server_url: str, statement: str) -> None:
    import asyncpg

    connection = await asyncpg.connect(server_url)
    try:
        await connection.execute(statement)
    finally:
        await connection.close()


async def _fetch(url: str, query: str) -> list[dict]:
    import asyncpg

    connection = await asyncpg.connect(url)
    try:
        return [dict(row) for row in await connection.fetch(query)]
    finally:
        await connection.close()


async def registration_counts(
    url: str, *, slug: str = SLUG, since_id: int = 0
) -> dict[str, int | bool]:
    """Capacity, confirmed, waitlisted; and whether the waiting list is 1..n in arrival order.

    `since_id`: the registrations the burst made are those after it (bench.large bursts into a
    meeting that already holds tens of thousands of confirmed people)."""
    meeting = (await _fetch(url, f"SELECT id, capacity FROM meeting WHERE slug = '{slug}'"))[0]
    before = await _fetch(
        url,
        "SELECT count(*) AS n FROM registration "
        f"WHERE meeting = {meeting['id']} AND id <= {since_id} AND status = 'confirmed'",
    )
    rows = await _fetch(
        url,
        "SELECT status, waitlist_seq, id FROM registration "
        f"WHERE meeting = {meeting['id']} AND id > {since_id} ORDER BY id",
    )
    emails = await _fetch(
        url,
        "SELECT registration, count(*) AS n FROM outbox_message "
        f"WHERE meeting = {meeting['id']} GROUP BY registration",
    )
    confirmed = [row for row in rows if row["status"] == "confirmed"]
    waitlisted = [row for row in rows if row["status"] == "waitlisted"]
    sequence = [row["waitlist_seq"] for row in waitlisted]
    capacity = meeting["capacity"] - before[0]["n"]  # the seats the burst could take
    return {
        "capacity": capacity,
        "registrations": len(rows),
        "confirmed": len(confirmed),
        "waitlisted": len(waitlisted),
        "other": len(rows) - len(confirmed) - len(waitlisted),
        # In arrival (id) order the sequence only grows, and no two share a place.
        "waitlist_in_order": sequence == sorted(sequence) and len(set(sequence)) == len(sequence),
        "overbooked": len(confirmed) > capacity,
        # Each registration queued its one email (a recipe, for the worker to write).
        "one_email_each": sorted(row["registration"] for row in emails if row["n"] == 1)
        == [row["id"] for row in rows],
    }


# The outbox worker's share: the registrations' emails were queued as recipes, and a worker writes
# each (templates, calendar invitation, MIME) before sending it. Measured in a process of its own.
WRITE_EMAILS = """
import asyncio, json, sys, time
from idmevents import wiring
from idmevents.db import close_pool, start_pool
from idmevents.mail import recipes

wiring.register_mail_renderers()  # as `idmevents worker` does

async def main(count):
    await start_pool(2)  # as `idmevents worker` does
    await recipes.render_waiting(limit=10)  # templates compiled, catalogs loaded
    started = time.process_time()
    written = await recipes.render_waiting(limit=count)
    print(json.dumps({"written": written, "cpu_ms": (time.process_time() - started) * 1000}))
    await close_pool()

asyncio.run(main(int(sys.argv[1])))
"""


def email_writing_cost(env: dict[str, str], count: int = 300) -> dict[str, float]:
    """CPU milliseconds a worker spends writing one of the queued registration emails."""
    done = subprocess.run(
        [sys.executable, "-c", WRITE_EMAILS, str(count)],
        env=env,
        cwd=ROOT,
        check=True,
        capture_output=True,
        text=True,
        timeout=600,
    )
    figures = json.loads(done.stdout.strip().splitlines()[-1])
    if not figures["written"]:
        return {}  # no registration went through: `check` says so
    return {"written": figures["written"], "cpu_ms_each": figures["cpu_ms"] / figures["written"]}


async def clear_registrations(url: str) -> int:
    """Before the registration burst: no registration left, and no seats held for delegations
    (the demo's illustrative delegations hold some: the burst measures open registration, whose
    check wants every seat taken when people wait); returns the last id before it (0)."""
    await _admin(
        url, "TRUNCATE registration, session_attendance, outbox_message, seat_hold CASCADE"
    )
    return 0


# the run -------------------------------------------------------------------------------------


def benchmark_server(
    server: str, *, workers: int, duration: float, connections: int, env: dict[str, str],
    database_url: str, log_dir: Path, slug: str = SLUG,
    prepare_burst: Callable[[str], Awaitable[int]] = clear_registrations,
) -> ServerResult:  # fmt: skip
    """The ceiling, then the meeting `slug`'s page, feed and registration API under wrk.
    `prepare_burst(database_url)` readies the meeting for the registration burst and returns the
    last registration id before it."""
    run = {"duration": duration, "connections": connections}
    warm = {"duration": min(2.0, duration), "connections": connections}

    port = free_port()
    hello = Server(
        [
            sys.executable,
            "-c",
            "import sys; from idmevents.server import run; "
            f"run('bench.hello:app', host='127.0.0.1', port={port}, workers={workers}, "
            f"server={server!r})",
        ],
        env,
        log_dir / f"hello-{server}.log",
    ).start(f"http://127.0.0.1:{port}/")
    try:
        wrk("warm-up", f"http://127.0.0.1:{port}/", **warm)
        ceiling = hello.measure("hello world (ceiling)", f"http://127.0.0.1:{port}/", **run)
        hello_rss = hello.rss_mb()
    finally:
        hello.stop()
    result = ServerResult(server=server, workers=workers, ceiling=ceiling)
    result.rss_mb["hello world"] = hello_rss

    port = free_port()
    base = f"http://127.0.0.1:{port}"
    app = Server(
        [
            sys.executable,
            "-m",
            "idmevents.cli",
            "serve",
            "--port",
            str(port),
            "--workers",
            str(workers),
            "--server",
            server,
        ],
        env | {"IDMEVENTS_BASE_URL": base},
        log_dir / f"app-{server}.log",
    ).start(f"{base}/health")
    try:
        page = f"{base}/meetings/{slug}"
        feed = f"{base}/meetings/{slug}/agenda.ics"
        with urllib.request.urlopen(feed, timeout=10) as response:
            etag = response.headers["ETag"]
        # The page and the feed are kept gzipped too: what browsers (which all send
        # Accept-Encoding: gzip) are sent, and their 304 to a page they hold.
        gzip = {"Accept-Encoding": "gzip"}
        with urllib.request.urlopen(urllib.request.Request(page, headers=gzip), timeout=120) as r:
            page_etag = r.headers["ETag"]
        endpoints = [
            ("meeting page", page, {}),
            ("meeting page gzip", page, gzip),
            ("meeting page 304", page, gzip | {"If-None-Match": page_etag}),
            ("agenda feed 200", feed, {}),
            ("agenda feed gzip", feed, gzip),
            ("agenda feed 304", feed, {"If-None-Match": etag}),
        ]
        for name, url, headers in endpoints:
            if headers.get("If-None-Match", "") is None:
                continue  # a version of the app whose page has no ETag (older commits)
            # Each worker builds its copy of the page (a second or more at 600 sessions) before
            # wrk's warm-up, whose few seconds would otherwise go to the first build.
            # With the run's headers: a 304 row must be 304 from every worker (their copies of
            # the page must be the same bytes, or the ETag of one would not validate the other).
            for _ in range(2 * workers):
                status = _get_status(url, headers)
                if status != (304 if "If-None-Match" in headers else 200):
                    raise RuntimeError(f"{name}: answered {status}")
            wrk("warm-up", url, headers=headers, **warm)
            result.endpoints.append(app.measure(name, url, headers=headers, **run))

        since_id = asyncio.run(prepare_burst(database_url))
        script = log_dir / "register.lua"
        script.write_text(REGISTER_LUA)
        api = f"{base}/api/v1/meetings/{slug}/registrations"
        prefix = f"{server}-{int(time.time())}"
        result.endpoints.append(
            app.measure("registration API", api, script=script, script_args=[prefix], **run)
        )
        result.rss_mb["idmevents"] = app.rss_mb()
    finally:
        app.stop()
    result.registrations = asyncio.run(
        registration_counts(database_url, slug=slug, since_id=since_id)
    )
    result.emails = email_writing_cost(env)
    for measurement in result.endpoints:
        measurement.ratio = round(measurement.requests_per_second / ceiling.requests_per_second, 3)
        measurement.cpu_ratio = round(ceiling.cpu_ms / measurement.cpu_ms, 3)
    return result


def print_result(result: ServerResult) -> None:
    print(f"\n{result.server}, {result.workers} worker processes")
    print(
        f"{'endpoint':<24}{'req/s':>8}{'p50 ms':>9}{'p99 ms':>9}{'× ceiling':>11}"
        f"{'CPU ms/req':>12}{'× ceiling':>11}{'errors':>8}"
    )
    for m in [result.ceiling, *result.endpoints]:
        ceiling = m is result.ceiling
        ratio = "1" if ceiling else f"{m.ratio:.2f}"
        cpu_ratio = "1" if ceiling else f"{m.cpu_ratio:.2f}"
        errors = m.bad_responses + m.socket_errors
        print(
            f"{m.name:<24}{m.requests_per_second:>8.0f}{m.p50_ms:>9.1f}{m.p99_ms:>9.1f}"
            f"{ratio:>11}{m.cpu_ms:>12.2f}{cpu_ratio:>11}{errors:>8}"
        )
    for name, sizes in result.rss_mb.items():
        print(f"RSS {name}: parent {sizes[0]} MB, workers {', '.join(map(str, sizes[1:]))} MB")
    print("registrations after the run:", json.dumps(result.registrations))
    if result.emails:
        print(
            f"their emails, written by the outbox worker: {result.emails['cpu_ms_each']:.2f} ms "
            f"CPU each ({result.emails['written']:.0f} measured)"
        )


def check(result: ServerResult) -> list[str]:
    """What the run must show; each failure is one line."""
    problems = []
    counts = result.registrations
    if counts.get("overbooked"):
        problems.append(f"{result.server}: more confirmed than seats: {counts}")
    if counts.get("registrations", 0) >= counts.get("capacity", 0) and (
        counts.get("confirmed") != counts.get("capacity")
    ):
        problems.append(f"{result.server}: seats left unfilled: {counts}")
    if not counts.get("one_email_each"):
        problems.append(f"{result.server}: not exactly one email queued per registration")
    if not counts.get("waitlist_in_order"):
        problems.append(f"{result.server}: waiting list out of order: {counts}")
    for m in result.endpoints:
        if m.bad_responses or m.socket_errors:
            problems.append(
                f"{result.server} {m.name}: {m.bad_responses} bad responses, "
                f"{m.socket_errors} socket errors"
            )
    return problems


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.serving", description=__doc__)
    parser.add_argument("--servers", default="granian,uvicorn")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--duration", type=int, default=8, help="seconds per endpoint")
    parser.add_argument("--connections", type=int, default=64)
    parser.add_argument(
        "--postgres",
        default=os.environ.get("IDMEVENTS_BENCH_POSTGRES_URL", DEFAULT_POSTGRES),
        help="a PostgreSQL server URL; the benchmark makes and drops its own database there",
    )
    args = parser.parse_args(argv)
    if shutil.which("wrk") is None:
        raise SystemExit("wrk is not installed: apt-get install wrk (make bench installs it)")

    server_url = args.postgres
    name = f"idmevents_bench_{os.getpid()}"
    database_url = f"{server_url.rpartition('/')[0]}/{name}"
    log_dir = Path(tempfile.mkdtemp(prefix="idmevents-bench-"))
    env = os.environ | {
        "IDMEVENTS_DATABASE_URL": database_url,
        "IDMEVENTS_VAR_DIR": str(log_dir / "var"),
        "IDMEVENTS_SECRET_KEY": "bench-secret-key-not-for-production",
        "IDMEVENTS_EMBEDDED_WORKER": "0",
        "IDMEVENTS_REGISTRATION_RATE_LIMIT": "0/minute",
        "IDMEVENTS_DB_POOL_SIZE": "10",
        # This checkout's code, even where the virtualenv's editable install points elsewhere.
        "PYTHONPATH": os.pathsep.join([str(ROOT / "src"), str(ROOT)]),
    }
    asyncio.run(_admin(server_url, f'CREATE DATABASE "{name}"'))
    results = []
    try:
        subprocess.run(
            [sys.executable, "-m", "idmevents.cli", "demo"],
            env=env,
            cwd=ROOT,
            check=True,
            capture_output=True,
            timeout=300,
        )
        load = os.getloadavg()[0]
        print(
            f"load average before: {load:.2f} on {os.cpu_count()} cores; "
            f"wrk -t1 -c{args.connections} -d{args.duration:g}s per endpoint"
        )
        for server in args.servers.split(","):
            result = benchmark_server(
                server,
                workers=args.workers,
                duration=args.duration,
                connections=args.connections,
                env=env,
                database_url=database_url,
                log_dir=log_dir,
            )
            print_result(result)
            results.append(result)
    finally:
        asyncio.run(_admin(server_url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "serving.json").write_text(
        json.dumps([asdict(result) for result in results], indent=2)
    )
    problems = [problem for result in results for problem in check(result)]
    for problem in problems:
        print("PROBLEM:", problem)
    if problems:
        raise SystemExit(1)


if __name__ == "__main__":
    main(sys.argv[1:])
