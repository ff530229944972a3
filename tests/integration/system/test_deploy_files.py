"""deploy/'s systemd units, read by systemd itself, and the backup unit's dump restored."""

from __future__ import annotations

import asyncio
import os
import re
import shutil
import subprocess
from pathlib import Path

import asyncpg
import pytest

from tests.support.processes import ROOT

DEPLOY = ROOT / "deploy"
UNITS = {
    "idmevents.service": "idmevents.service",
    "idmevents-migrate.service": "idmevents-migrate.service",
    "idmevents-web@.service": "idmevents-web@8001.service",
    "idmevents-worker@.service": "idmevents-worker@1.service",
    "idmevents.target": "idmevents.target",
    "idmevents-backup.service": "idmevents-backup.service",
    "idmevents-backup.timer": "idmevents-backup.timer",
}


def fake_root(root: Path) -> Path:
    """A root directory with the units, systemd's own units, and the commands they run."""
    units = root / "etc/systemd/system"
    units.mkdir(parents=True)
    for source, name in UNITS.items():
        shutil.copy(DEPLOY / source, units / name)
    shutil.copytree("/lib/systemd/system", root / "usr/lib/systemd/system", symlinks=True)
    for command in [
        "/srv/idmevents/.venv/bin/idmevents",
        "/bin/sh",
        "/usr/bin/find",
    ]:
        path = root / command.lstrip("/")
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("#!/bin/sh\n")
        path.chmod(0o755)
    return root


@pytest.mark.skipif(shutil.which("systemd-analyze") is None, reason="systemd-analyze is missing")
def test_systemd_units_verify_cleanly(tmp_path):
    root = fake_root(tmp_path)
    result = subprocess.run(
        ["systemd-analyze", "verify", "--man=no", f"--root={root}", *UNITS.values()],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=root / "etc/systemd/system",
        check=False,
    )
    assert (result.returncode, result.stdout + result.stderr) == (0, "")


def test_every_unit_runs_as_the_service_user_in_a_sandbox():
    for name in ["idmevents.service", "idmevents-migrate.service", "idmevents-web@.service",
                 "idmevents-worker@.service"]:  # fmt: skip
        text = (DEPLOY / name).read_text()
        for line in [
            "User=idmevents",
            "EnvironmentFile=/etc/idmevents/env",
            "ProtectSystem=strict",
            "NoNewPrivileges=true",
            "CapabilityBoundingSet=",
            "ReadWritePaths=/srv/idmevents/var",
        ]:
            assert f"\n{line}\n" in text, f"{name} lacks {line}"


async def run(command: list[str]) -> None:
    await asyncio.to_thread(subprocess.run, command, check=True, timeout=120, capture_output=True)


@pytest.mark.skipif(
    os.environ.get("IDMEVENTS_TEST_ENGINE", "sqlite") != "postgres",
    reason="the backup unit runs pg_dump: PostgreSQL only",
)
@pytest.mark.skipif(shutil.which("pg_restore") is None, reason="PostgreSQL's client is missing")
async def test_backup_unit_dump_restores_into_a_fresh_database(tmp_path, demo):
    """The restore drill of deploy/README.md, on the command the backup unit runs."""
    unit = (DEPLOY / "idmevents-backup.service").read_text()
    command = re.search(r"^ExecStart=/bin/sh -c '(.*)'$", unit, re.MULTILINE).group(1)
    url = os.environ["IDMEVENTS_DATABASE_URL"]
    server, _, name = url.rpartition("/")
    command = command.replace("%%", "%").replace("/var/backups/idmevents", str(tmp_path))
    command = command.replace(" idmevents;", f" '{url}';")
    await run(["/bin/sh", "-c", command])
    dumps = list(tmp_path.glob("idmevents-*.dump"))
    assert [dump.name for dump in tmp_path.iterdir()] == [dumps[0].name]

    drill = f"{name}_drill"
    admin = await asyncpg.connect(f"{server}/postgres")
    try:
        await admin.execute(f'DROP DATABASE IF EXISTS "{drill}"')
        await admin.execute(f'CREATE DATABASE "{drill}"')
        await run(["pg_restore", "--no-owner", "-d", f"{server}/{drill}", str(dumps[0])])
        counts = {}
        for database in (name, drill):
            connection = await asyncpg.connect(f"{server}/{database}")
            try:
                counts[database] = [
                    await connection.fetchval(f'SELECT count(*) FROM "{table}"')
                    for table in ("meeting", "meeting_session", "panelist", "session_panelist")
                ]
            finally:
                await connection.close()
    finally:
        await admin.execute(f'DROP DATABASE IF EXISTS "{drill}" WITH (FORCE)')
        await admin.close()
    assert counts[drill] == counts[name]
    assert counts[name][0] == 2
