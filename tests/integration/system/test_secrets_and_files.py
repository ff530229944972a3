"""Start-up refuses a weak signing key; the embedded database and the key are private files."""

import os
import stat
import subprocess
import sys

import pytest

from idmevents.settings import load_settings, secret_key_problem
from tests.support.environment import ROOT


@pytest.fixture
def clean_database():
    """Nothing here touches the test database."""
    yield


def run(*args: str, env: dict) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "idmevents.cli", *args],
        cwd=ROOT,
        env=os.environ | env,
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.mark.parametrize("command", [["serve", "--port", "1"], ["worker"], ["demo"]])
@pytest.mark.parametrize("key", ["change-me", "short-key-of-31-characters-----"])
def test_weak_secret_key_stops_the_command(command, key, tmp_path):
    result = run(
        *command,
        env={"IDMEVENTS_SECRET_KEY": key, "IDMEVENTS_DATABASE_URL": f"sqlite:///{tmp_path}/x.db"},
    )
    assert result.returncode != 0
    assert "IDMEVENTS_SECRET_KEY" in result.stderr
    # Refused before anything was opened or created.
    assert not (tmp_path / "x.db").exists()


def test_secret_key_rules():
    assert secret_key_problem("change-me") is not None
    assert secret_key_problem("x" * 31) is not None
    assert secret_key_problem("test-secret-key-not-for-production") is None


def test_generated_key_and_default_database_are_private_under_the_var_dir(tmp_path):
    var = tmp_path / "var"
    env = {"IDMEVENTS_VAR_DIR": str(var), "IDMEVENTS_SECRET_KEY": ""}
    env_without = {k: v for k, v in (os.environ | env).items() if k != "IDMEVENTS_DATABASE_URL"}
    result = subprocess.run(
        [sys.executable, "-m", "idmevents.cli", "migrate"],
        cwd=ROOT,
        env=env_without,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert stat.S_IMODE(var.stat().st_mode) == 0o700
    assert stat.S_IMODE((var / "idmevents.sqlite3").stat().st_mode) == 0o600
    # The generated key is fit to serve with, and private too.
    key = (var / "secret_key").read_text()
    assert secret_key_problem(key) is None
    assert stat.S_IMODE((var / "secret_key").stat().st_mode) == 0o600


def test_default_database_follows_the_var_dir(monkeypatch, tmp_path):
    monkeypatch.delenv("IDMEVENTS_DATABASE_URL")
    monkeypatch.setenv("IDMEVENTS_VAR_DIR", str(tmp_path / "elsewhere"))
    settings = load_settings()
    assert settings.database.sqlite_path == str(tmp_path / "elsewhere" / "idmevents.sqlite3")
