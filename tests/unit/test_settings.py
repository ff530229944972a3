"""Settings read from the environment as DESIGN.md's table says."""

from pathlib import Path

import pytest

from idmevents.piccolo_conf import engine_for
from idmevents.settings import DatabaseSettings, load_settings

SETTINGS_VARIABLES = (
    "IDMEVENTS_DATABASE_URL",
    "IDMEVENTS_SMTP_URL",
    "IDMEVENTS_MAIL_FROM",
    "IDMEVENTS_BASE_URL",
    "IDMEVENTS_SECRET_KEY",
    "IDMEVENTS_VAR_DIR",
    "IDMEVENTS_MAIL_LEASE_SECONDS",
    "IDMEVENTS_MAIL_POLL_SECONDS",
    "IDMEVENTS_MAIL_BATCH_SIZE",
)


@pytest.fixture
def clean_database():
    """Nothing here touches the database: skip emptying it."""
    yield


@pytest.fixture
def bare_environment(monkeypatch, tmp_path):
    for name in SETTINGS_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("IDMEVENTS_VAR_DIR", str(tmp_path / "var"))
    return tmp_path / "var"


def test_defaults_match_the_design(bare_environment):
    settings = load_settings()
    # The embedded database lives in IDMEVENTS_VAR_DIR (var/ of the project when unset).
    assert settings.database.sqlite_path == str(bare_environment.resolve() / "idmevents.sqlite3")
    assert settings.mail.smtp_url is None
    assert settings.mail.mail_from == "IDM Secretariat <noreply@localhost>"
    assert settings.mail.mail_dir == bare_environment / "mail"
    assert settings.base_url == "http://127.0.0.1:8000"


def test_secret_key_is_generated_once_and_kept(bare_environment):
    first = load_settings().secret_key
    assert len(first) >= 40
    assert (bare_environment / "secret_key").read_text() == first
    assert load_settings().secret_key == first


def test_environment_overrides(bare_environment, monkeypatch):
    monkeypatch.setenv("IDMEVENTS_DATABASE_URL", "postgresql://app@db.example:5432/idm")
    monkeypatch.setenv("IDMEVENTS_SMTP_URL", "smtp://user:pass@mail.example:587?starttls=1")
    monkeypatch.setenv("IDMEVENTS_MAIL_FROM", "IOM <idm@iom.int>")
    monkeypatch.setenv("IDMEVENTS_BASE_URL", "https://events.example/")
    monkeypatch.setenv("IDMEVENTS_SECRET_KEY", "k" * 50)
    settings = load_settings()
    assert (settings.database.url, settings.database.is_sqlite) == (
        "postgresql://app@db.example:5432/idm",
        False,
    )
    assert settings.mail.smtp_url == "smtp://user:pass@mail.example:587?starttls=1"
    assert settings.mail.mail_from == "IOM <idm@iom.int>"
    assert settings.base_url == "https://events.example"
    assert settings.secret_key == "k" * 50
    assert not (bare_environment / "secret_key").exists()


def test_absolute_sqlite_path():
    assert DatabaseSettings("sqlite:////srv/idm/db.sqlite3", 0).sqlite_path == str(
        Path("/srv/idm/db.sqlite3")
    )


def test_unknown_database_scheme_is_refused():
    with pytest.raises(ValueError, match="IDMEVENTS_DATABASE_URL"):
        engine_for(DatabaseSettings("mysql://x@y/z", 0))


def test_mail_worker_settings_default_and_from_environment(bare_environment, monkeypatch):
    mail = load_settings().mail
    assert (mail.lease_seconds, mail.poll_seconds, mail.batch_size) == (300.0, 2.0, 50)
    monkeypatch.setenv("IDMEVENTS_MAIL_LEASE_SECONDS", "90")
    monkeypatch.setenv("IDMEVENTS_MAIL_POLL_SECONDS", "0.5")
    monkeypatch.setenv("IDMEVENTS_MAIL_BATCH_SIZE", "10")
    mail = load_settings().mail
    assert (mail.lease_seconds, mail.poll_seconds, mail.batch_size) == (90.0, 0.5, 10)


@pytest.mark.parametrize(
    ("name", "value", "why"),
    [
        ("IDMEVENTS_MAIL_LEASE_SECONDS", "soon", "must be a number of seconds"),
        ("IDMEVENTS_MAIL_LEASE_SECONDS", "0", "must be more than 0 seconds"),
        ("IDMEVENTS_MAIL_POLL_SECONDS", "nan", "must be more than 0 seconds"),
        ("IDMEVENTS_MAIL_BATCH_SIZE", "2.5", "must be a whole number"),
        ("IDMEVENTS_MAIL_BATCH_SIZE", "0", "must be at least 1"),
    ],
)
def test_mail_worker_settings_bad_values_are_refused(
    bare_environment, monkeypatch, name, value, why
):
    monkeypatch.setenv(name, value)
    with pytest.raises(ValueError, match=name) as refusal:
        load_settings()
    assert why in str(refusal.value)
