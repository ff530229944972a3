"""Where a test run lives, and the environment the app reads, set before idmevents is imported.

The engine is chosen once per run (`IDMEVENTS_TEST_ENGINE=sqlite|postgres`): Piccolo binds its
tables to one engine on first use, so `make test` runs the suite once per engine.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from tests.support.database import create_postgres_database

ROOT = Path(__file__).resolve().parents[2]
ENGINE = os.environ.get("IDMEVENTS_TEST_ENGINE", "sqlite")
TMP = Path(tempfile.mkdtemp(prefix="idmevents-tests-"))


def configure() -> None:
    """Set everything the app reads from the environment (on PostgreSQL, after making this run's
    database): called by tests/conftest.py before the first idmevents import."""
    os.environ["IDMEVENTS_VAR_DIR"] = str(TMP / "var")
    os.environ["IDMEVENTS_SECRET_KEY"] = "test-secret-key-not-for-production"
    os.environ["IDMEVENTS_EMBEDDED_WORKER"] = "0"
    os.environ["IDMEVENTS_DB_POOL_SIZE"] = "0"
    # Public pages and feeds read the database on every request, so a test sees its changes at
    # once (tests/integration/public/test_public_cache.py switches the caching on).
    os.environ["IDMEVENTS_PUBLIC_CACHE_SECONDS"] = "0"
    os.environ["IDMEVENTS_BASE_URL"] = "https://testserver.local"
    # Cheap password hashing: a sign-in costs a millisecond instead of a tenth of a second.
    os.environ["IDMEVENTS_ARGON2_TIME_COST"] = "1"
    os.environ["IDMEVENTS_ARGON2_MEMORY_KIB"] = "1024"
    os.environ.pop("IDMEVENTS_SMTP_URL", None)
    if ENGINE == "postgres":
        os.environ["IDMEVENTS_DATABASE_URL"] = create_postgres_database()
    else:
        os.environ["IDMEVENTS_DATABASE_URL"] = f"sqlite:///{TMP / 'test.sqlite3'}"
