"""The long schemathesis run: the whole API, for minutes, with an organizer's token, on a live server.

    python -m bench.fuzz_api                       # 6 minutes, SQLite, one `idmevents serve`
    python -m bench.fuzz_api --minutes 10 --workers 2
    make fuzz

The CI-sized form is `tests/integration/system/test_api_schema.py` (ten examples per operation,
derandomized). This one starts `idmevents serve` on a throw-away SQLite database holding the demo,
makes an organizer in both demo meetings' teams with an API token, and then goes round every
operation of `/schema/openapi.json` again and again, each round with new random examples, until
the time is up. It counts every answer by status and prints each 5xx with its request (the curl
line schemathesis writes), so that a finding can be turned into a test. It exits 1 if any answer
was a 5xx. Answers that merely differ from the schema are counted, not fatal (the CI test is
where the schema's conformance is held).

It is not a benchmark: `python -m bench` skips it (it has no `main`), as `make test` does.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

from bench.serving import ROOT, Server, free_port

EXAMPLES_PER_ROUND = 25
# Random slugs and ids find nothing (404) almost always: every other case is pointed at the demo's
# meetings and at small ids, which exist there, so that the handlers behind the 404 are reached.
DEMO_SLUGS = ("idm-new-york", "idm-geneva")
SMALL_IDS = range(1, 60)
ORGANIZER = "fuzz-organizer@example.org"
PASSWORD = "fuzz-password-long-enough-for-the-rules"

_MAKE_ORGANIZER = """
import asyncio
from idmevents.auth import services
from idmevents.auth.tables import User
from idmevents.meetings.tables import Meeting, MeetingTeam

async def main():
    user = await User.select().where(User.email == {email!r}).first()
    for row in await Meeting.select(Meeting.id):
        await MeetingTeam.insert(MeetingTeam(meeting=row["id"], user=user["id"]))
    _, secret = await services.create_token(user, "fuzz")
    print(secret)

asyncio.run(main())
"""


def _run(env: dict[str, str], *args: str, stdin: str | None = None) -> str:
    done = subprocess.run(
        [sys.executable, *args],
        env=env,
        cwd=ROOT,
        input=stdin,
        capture_output=True,
        text=True,
        timeout=600,
    )
    if done.returncode:
        raise RuntimeError(f"{args} failed:\n{done.stdout}\n{done.stderr}")
    return done.stdout


def prepare(env: dict[str, str]) -> str:
    """The demo, an organizer of both meetings, and that organizer's API token."""
    _run(env, "-m", "idmevents.cli", "demo")
    _run(
        env,
        "-m",
        "idmevents.cli",
        "user",
        "create",
        "--email",
        ORGANIZER,
        "--role",
        "organizer",
        "--password-stdin",
        stdin=PASSWORD + "\n",
    )
    return _run(env, "-c", _MAKE_ORGANIZER.format(email=ORGANIZER)).strip().splitlines()[-1]


_turn = [0]


def aim_at_the_demo(case) -> None:
    """Every other case: its slug one of the demo's, its ids small numbers that exist there."""
    _turn[0] += 1
    parameters = case.path_parameters
    if _turn[0] % 2 or not parameters:
        return
    for name in parameters:
        if name == "slug":
            parameters[name] = DEMO_SLUGS[_turn[0] // 2 % len(DEMO_SLUGS)]
        elif name.endswith("_id"):
            parameters[name] = SMALL_IDS[_turn[0] * 7 % len(SMALL_IDS)]


def fuzz(base_url: str, token: str, seconds: float) -> tuple[Counter, list[str], int]:
    """Rounds over every operation until `seconds` have passed: (statuses, 5xx reports, rounds)."""
    import schemathesis
    from hypothesis import HealthCheck, given, settings

    headers = {"Authorization": f"Bearer {token}"}
    schema = schemathesis.openapi.from_url(f"{base_url}/schema/openapi.json")
    operations = [result.ok() for result in schema.get_all_operations()]
    statuses: Counter = Counter()
    failures: list[str] = []
    deadline = time.monotonic() + seconds
    rounds = 0
    while time.monotonic() < deadline:
        rounds += 1
        for operation in operations:
            if time.monotonic() >= deadline:
                break

            @settings(
                max_examples=EXAMPLES_PER_ROUND,
                deadline=None,
                suppress_health_check=list(HealthCheck),
                database=None,
            )
            @given(case=operation.as_strategy())
            def call(case):
                aim_at_the_demo(case)
                response = case.call(base_url=base_url, headers=headers, timeout=60)
                statuses[response.status_code] += 1
                if response.status_code >= 500:
                    failures.append(
                        f"{response.status_code} {case.method} {case.formatted_path}\n"
                        f"  {case.as_curl_command(headers=headers)}\n  {response.text[:500]}"
                    )

            call()
    return statuses, failures, rounds


def main_cli(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.fuzz_api", description=__doc__)
    parser.add_argument("--minutes", type=float, default=6.0)
    parser.add_argument("--workers", type=int, default=1)
    args = parser.parse_args(argv)

    work = Path(tempfile.mkdtemp(prefix="idmevents-fuzz-"))
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    env = os.environ | {
        "IDMEVENTS_DATABASE_URL": f"sqlite:///{work}/fuzz.sqlite3",
        "IDMEVENTS_VAR_DIR": str(work / "var"),
        "IDMEVENTS_SECRET_KEY": "fuzz-secret-key-not-for-production-0123456789",
        "IDMEVENTS_BASE_URL": base,
        "IDMEVENTS_REGISTRATION_RATE_LIMIT": "0/minute",
        "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT / "src"), str(ROOT)])),
    }
    token = prepare(env)
    server = Server(
        [
            sys.executable,
            "-m",
            "idmevents.cli",
            "serve",
            "--port",
            str(port),
            "--workers",
            str(args.workers),
        ],
        env,
        work / "server.log",
    ).start(f"{base}/health")
    started = time.monotonic()
    try:
        statuses, failures, rounds = fuzz(base, token, args.minutes * 60)
    finally:
        server.stop()
    elapsed = time.monotonic() - started
    total = sum(statuses.values())
    errors = sum(n for status, n in statuses.items() if status >= 500)
    print(f"{time.strftime('%Y-%m-%d %H:%M', time.gmtime())} UTC, {elapsed / 60:.1f} minutes")
    print(f"{total} requests in {rounds} rounds, {errors} answered 5xx")
    print("statuses:", dict(sorted(statuses.items())))
    print(f"server log: {work / 'server.log'}")
    for failure in failures:
        print(failure)
    return 1 if errors else 0


if __name__ == "__main__":
    raise SystemExit(main_cli(sys.argv[1:]))
