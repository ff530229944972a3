"""Configuration read from the environment, in one place."""

from __future__ import annotations

import contextlib
import os
import secrets
from dataclasses import dataclass, field
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parents[2]
DEFAULT_VAR_DIR = PROJECT_ROOT / "var"
# The embedded database: a file in IDMEVENTS_VAR_DIR (by default var/ of the project).
DEFAULT_SQLITE_NAME = "idmevents.sqlite3"
DEFAULT_DATABASE_URL = f"sqlite:///var/{DEFAULT_SQLITE_NAME}"
# A signing key shorter than this, or a placeholder copied from deploy/env.example, is refused.
MIN_SECRET_KEY_LENGTH = 32
PLACEHOLDER_SECRET_KEYS = frozenset({"change-me", "changeme", "secret", "please-change-me"})
DEFAULT_MAIL_FROM = "IDM Secretariat <noreply@localhost>"
DEFAULT_BASE_URL = "http://127.0.0.1:8000"
# Set by `idmevents serve` when it derived IDMEVENTS_BASE_URL from its own host and port.
BASE_URL_FROM_LISTEN = "IDMEVENTS_BASE_URL_FROM_LISTEN"
# How long a process may answer public pages and feeds from what it read of a meeting: under
# load they ask for the same meeting thousands of times a second. 0 switches the caching off.
DEFAULT_PUBLIC_CACHE_SECONDS = 1.0
# The HTTP server of `idmevents serve`: granian served our pages and feeds faster than uvicorn
# on the same workers (bench/README.md); uvicorn remains one setting away.
DEFAULT_SERVER = "granian"
# The reverse proxy's address: only its X-Forwarded-For/-Proto headers are believed.
DEFAULT_FORWARDED_ALLOW_IPS = "127.0.0.1,::1"
# How long an outbox worker holds the messages it claimed; a killed worker's messages come back
# after it. It must exceed the time one send can take (mail/send.py bounds that well below it).
DEFAULT_MAIL_LEASE_SECONDS = 300.0
# How often an idle outbox worker looks for mail to send.
DEFAULT_MAIL_POLL_SECONDS = 2.0
# How many messages a worker claims at a time (several workers share a queue in these slices).
DEFAULT_MAIL_BATCH_SIZE = 50
# Registration submissions (form and API) per client address; "0/minute" switches the limit off.
DEFAULT_REGISTRATION_RATE_LIMIT = "30/minute"
TEMPLATES_DIR = PROJECT_ROOT / "templates"
MIGRATIONS_DIR = PROJECT_ROOT / "migrations"
LOCALE_DIR = PROJECT_ROOT / "locale"


def extra_locale_dir() -> Path | None:
    """IDMEVENTS_EXTRA_LOCALE_DIR: catalogs of languages idmevents does not ship
    (<dir>/<language>/LC_MESSAGES/messages.po), served on ?lang= but not offered by the language
    switch. How a translator, or a test, tries a new language (Arabic, right to left) without
    touching locale/."""
    value = os.environ.get("IDMEVENTS_EXTRA_LOCALE_DIR")
    return Path(value) if value else None


STATIC_DIR = Path(__file__).resolve().parent / "static"


def _var_dir() -> Path:
    return Path(os.environ.get("IDMEVENTS_VAR_DIR", str(DEFAULT_VAR_DIR)))


def make_private_dir(path: Path) -> None:
    """Create `path` (and its parents) readable by this account only, when it does not exist.

    An existing directory keeps its mode: an operator may have given a backup group access.
    """
    if not path.exists():
        path.mkdir(parents=True, mode=0o700, exist_ok=True)
        path.chmod(0o700)  # mkdir's mode is filtered by the umask


def create_private_file(path: Path) -> None:
    """Create an empty file readable and writable by this account only, unless it exists.

    SQLite gives its -wal and -shm files the database file's mode, so they stay private too.
    """
    make_private_dir(path.parent)
    with contextlib.suppress(FileExistsError):
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))


def secret_key_problem(key: str) -> str | None:
    """Why `key` must not sign anything (a placeholder, too short), or None when it is fit."""
    if key.strip().lower() in PLACEHOLDER_SECRET_KEYS:
        return (
            f"IDMEVENTS_SECRET_KEY is the placeholder {key!r} of deploy/env.example: set a random "
            "value, e.g. python3 -c 'import secrets; print(secrets.token_urlsafe(48))'"
        )
    if len(key) < MIN_SECRET_KEY_LENGTH:
        return (
            f"IDMEVENTS_SECRET_KEY is {len(key)} characters long: it must have at least "
            f"{MIN_SECRET_KEY_LENGTH}, e.g. python3 -c 'import secrets; print(secrets.token_urlsafe(48))'"
        )
    return None


def _secret_key(var_dir: Path) -> str:
    """The signing key: from the environment, else generated once into var/secret_key."""
    if key := os.environ.get("IDMEVENTS_SECRET_KEY"):
        return key
    path = var_dir / "secret_key"
    if path.exists():
        return path.read_text().strip()
    make_private_dir(var_dir)
    key = secrets.token_urlsafe(48)
    # O_EXCL: when two processes start at once, one key wins and both read it back.
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return path.read_text().strip()
    with os.fdopen(fd, "w") as handle:
        handle.write(key)
    return key


def _resolve_sqlite_path(url: str) -> str:
    """`sqlite:///relative/path` is relative to the project root, `sqlite:////abs` is absolute."""
    path = url.removeprefix("sqlite:///")
    return str(path if Path(path).is_absolute() else PROJECT_ROOT / path)


@dataclass(frozen=True)
class DatabaseSettings:
    url: str
    pool_size: int

    @property
    def is_sqlite(self) -> bool:
        return self.url.startswith("sqlite:")

    @property
    def sqlite_path(self) -> str:
        return _resolve_sqlite_path(self.url)


@dataclass(frozen=True)
class MailSettings:
    smtp_url: str | None
    mail_from: str
    mail_dir: Path
    embedded_worker: bool
    lease_seconds: float = DEFAULT_MAIL_LEASE_SECONDS
    poll_seconds: float = DEFAULT_MAIL_POLL_SECONDS
    batch_size: int = DEFAULT_MAIL_BATCH_SIZE


@dataclass(frozen=True)
class PasswordSettings:
    """argon2id cost. The defaults are RFC 9106's second recommendation; hashes made with other
    values are replaced at their owner's next sign-in."""

    time_cost: int = 3
    memory_kib: int = 65536


@dataclass(frozen=True)
class Settings:
    database: DatabaseSettings
    mail: MailSettings
    base_url: str
    secret_key: str
    var_dir: Path
    redis_url: str | None
    debug: bool = False
    # `idmevents serve`: the HTTP server (granian or uvicorn) and whose proxy headers to trust.
    server: str = DEFAULT_SERVER
    forwarded_allow_ips: str = DEFAULT_FORWARDED_ALLOW_IPS
    public_cache_seconds: float = DEFAULT_PUBLIC_CACHE_SECONDS
    registration_rate_limit: str = DEFAULT_REGISTRATION_RATE_LIMIT
    extra: dict[str, str] = field(default_factory=dict)
    passwords: PasswordSettings = field(default_factory=PasswordSettings)
    # False when base_url is a guess (the default, or `serve`'s own address): behind a proxy the
    # links would then name the wrong host.
    base_url_configured: bool = True


def _flag(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _number(name: str, default, parse, kind: str, allowed, bound: str):
    """The environment variable `name` read with `parse`; `default` when unset or blank.

    ValueError names the variable when the value does not parse (`kind`) or `allowed` refuses
    it (`bound`).
    """
    value = os.environ.get(name)
    if value is None or not value.strip():
        return default
    try:
        number = parse(value)
    except ValueError:
        raise ValueError(f"{name} must be {kind}, not {value!r}") from None
    if not allowed(number):
        raise ValueError(f"{name} must be {bound}, not {value!r}")
    return number


def _seconds(name: str, default: float) -> float:
    return _number(
        name, default, float, "a number of seconds", lambda n: n > 0, "more than 0 seconds"
    )


def _count(name: str, default: int) -> int:
    return _number(name, default, int, "a whole number", lambda n: n >= 1, "at least 1")


def _non_negative_seconds(name: str, default: float) -> float:
    return _number(
        name, default, float, "a number of seconds", lambda n: n >= 0, "0 or more seconds"
    )


def _database_url(var_dir: Path) -> str:
    """IDMEVENTS_DATABASE_URL, else the SQLite file in the var directory."""
    if url := os.environ.get("IDMEVENTS_DATABASE_URL"):
        return url
    if var_dir.resolve() == DEFAULT_VAR_DIR.resolve():
        return DEFAULT_DATABASE_URL
    return f"sqlite:///{(var_dir / DEFAULT_SQLITE_NAME).resolve()}"


def load_settings() -> Settings:
    var_dir = _var_dir()
    return Settings(
        database=DatabaseSettings(
            url=_database_url(var_dir),
            pool_size=int(os.environ.get("IDMEVENTS_DB_POOL_SIZE", "10")),
        ),
        mail=MailSettings(
            smtp_url=os.environ.get("IDMEVENTS_SMTP_URL") or None,
            mail_from=os.environ.get("IDMEVENTS_MAIL_FROM", DEFAULT_MAIL_FROM),
            mail_dir=var_dir / "mail",
            embedded_worker=_flag("IDMEVENTS_EMBEDDED_WORKER", True),
            lease_seconds=_seconds("IDMEVENTS_MAIL_LEASE_SECONDS", DEFAULT_MAIL_LEASE_SECONDS),
            poll_seconds=_seconds("IDMEVENTS_MAIL_POLL_SECONDS", DEFAULT_MAIL_POLL_SECONDS),
            batch_size=_count("IDMEVENTS_MAIL_BATCH_SIZE", DEFAULT_MAIL_BATCH_SIZE),
        ),
        base_url=(os.environ.get("IDMEVENTS_BASE_URL") or DEFAULT_BASE_URL).rstrip("/"),
        base_url_configured=bool(os.environ.get("IDMEVENTS_BASE_URL"))
        and not os.environ.get(BASE_URL_FROM_LISTEN),
        secret_key=_secret_key(var_dir),
        var_dir=var_dir,
        redis_url=os.environ.get("IDMEVENTS_REDIS_URL") or None,
        debug=_flag("IDMEVENTS_DEBUG", False),
        server=os.environ.get("IDMEVENTS_SERVER", "").strip().lower() or DEFAULT_SERVER,
        forwarded_allow_ips=os.environ.get(
            "IDMEVENTS_FORWARDED_ALLOW_IPS", DEFAULT_FORWARDED_ALLOW_IPS
        ),
        public_cache_seconds=_non_negative_seconds(
            "IDMEVENTS_PUBLIC_CACHE_SECONDS", DEFAULT_PUBLIC_CACHE_SECONDS
        ),
        passwords=PasswordSettings(
            time_cost=int(os.environ.get("IDMEVENTS_ARGON2_TIME_COST", "3")),
            memory_kib=int(os.environ.get("IDMEVENTS_ARGON2_MEMORY_KIB", "65536")),
        ),
        registration_rate_limit=os.environ.get(
            "IDMEVENTS_REGISTRATION_RATE_LIMIT", DEFAULT_REGISTRATION_RATE_LIMIT
        ),
    )


_settings: Settings | None = None


def get_settings() -> Settings:
    global _settings
    if _settings is None:
        _settings = load_settings()
    return _settings


def reset_settings() -> None:
    """Forget the cached settings (tests change the environment between runs)."""
    global _settings
    _settings = None
