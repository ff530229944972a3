"""Handing a rendered message to the world: an SMTP server, or `.eml` files when there is none.

Every failure is one of two kinds, because the worker treats them differently:

- `TemporaryFailure`: try again later (connection refused, timeouts, a dropped connection, SMTP 4xx).
  `ServerUnavailable` is the temporary failure that has nothing to do with the message itself (the
  server cannot be reached, refuses our login or our TLS): the messages behind it in a batch would
  fail the same way, so the worker does not try them one by one.
- `PermanentFailure`: this message will never go (SMTP 5xx such as 550 mailbox unavailable, an
  address no server accepts).

`IDMEVENTS_SMTP_URL` reads:

    smtp://[user[:password]@]host[:port]            plain SMTP (port 25)
    smtp://user:password@host:587?starttls=1        STARTTLS, required (port 587)
    smtps://user:password@host[:port]               TLS from the first byte (port 465)

User and password are percent-decoded (`p%40ss` is `p@ss`); with a user, the sender logs in.
Optional parameters: `cafile=/path/ca.pem` trusts that CA for the server's certificate (a
private relay with its own CA), `timeout=30` is the seconds allowed for each SMTP step.
Certificates are always verified.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import re
import ssl
import tempfile
from dataclasses import dataclass
from email.parser import HeaderParser
from hashlib import sha256
from pathlib import Path
from typing import TYPE_CHECKING, Protocol
from urllib.parse import parse_qs, unquote, urlsplit

import aiosmtplib

if TYPE_CHECKING:
    from idmevents.settings import Settings

DEFAULT_SMTP_TIMEOUT_SECONDS = 30.0
# One message's whole exchange (connect, TLS, login, envelope, data) is bounded by this many
# SMTP steps' worth of time, so a stalled server cannot hold a worker's claim past its lease.
SEND_DEADLINE_STEPS = 4
# Login and TLS answers that say the server (or our configuration of it) is the problem.
_SERVER_LEVEL_CODES = {421, 432, 454, 530, 534, 535, 538}


class DeliveryFailure(Exception):
    """A message could not be handed over; `str()` is what organizers see as its last error."""


class TemporaryFailure(DeliveryFailure):
    """Worth another try later."""


class ServerUnavailable(TemporaryFailure):
    """The server, not the message, is the problem: the rest of a batch would fail the same way."""


class PermanentFailure(DeliveryFailure):
    """This message will never be accepted; trying again would not help."""


class Sender(Protocol):
    async def send(self, raw: str, *, sender: str, recipients: list[str]) -> None:
        """Hand over one message, or raise TemporaryFailure / PermanentFailure."""

    def describe(self) -> str:
        """Where mail goes, for logs (never a password)."""


@dataclass(frozen=True)
class SmtpConfig:
    host: str
    port: int
    implicit_tls: bool
    starttls: bool
    username: str | None
    password: str | None
    cafile: str | None
    timeout: float


# What may stand in an SMTP envelope: one @, no spaces, controls or angle brackets (an address with
# a line break must not become a second command).
_ENVELOPE_ADDRESS = re.compile(r"[^\x00-\x20\x7f<>@]+@[^\x00-\x20\x7f<>@]+")
_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off"}
_KNOWN_PARAMETERS = {"starttls", "cafile", "timeout"}


def parse_smtp_url(url: str) -> SmtpConfig:
    """The connection described by an IDMEVENTS_SMTP_URL; ValueError says what is wrong with it."""

    def bad(why: str) -> ValueError:
        return ValueError(f"IDMEVENTS_SMTP_URL {_redact(url)!r}: {why}")

    parts = urlsplit(url.strip())
    if parts.scheme not in {"smtp", "smtps"}:
        raise bad("must start with smtp:// or smtps://")
    if parts.fragment or url.strip().endswith("#"):
        raise bad("has a '#': percent-encode it in a user or password (%23)")
    try:
        port = parts.port
    except ValueError:
        raise bad("the port must be a number from 1 to 65535") from None
    if not parts.hostname:
        raise bad("names no host (smtp://host:port)")
    if parts.path not in {"", "/"}:
        raise bad(f"has a path {parts.path!r}; only host, port, user and password belong there")
    try:
        query = parse_qs(parts.query, keep_blank_values=True, strict_parsing=bool(parts.query))
    except ValueError:
        raise bad("its parameters are not name=value pairs") from None
    unknown = sorted(set(query) - _KNOWN_PARAMETERS)
    if unknown:
        raise bad(f"unknown parameter {unknown[0]!r} (known: cafile, starttls, timeout)")
    params = {name: values[-1] for name, values in query.items()}

    implicit_tls = parts.scheme == "smtps"
    starttls_value = params.get("starttls", "0").strip().lower()
    if starttls_value not in _TRUE | _FALSE:
        raise bad("starttls must be 1 or 0")
    starttls = starttls_value in _TRUE
    if implicit_tls and starttls:
        raise bad("smtps:// is already TLS; starttls=1 belongs to smtp://")

    timeout = DEFAULT_SMTP_TIMEOUT_SECONDS
    if "timeout" in params:
        try:
            timeout = float(params["timeout"])
        except ValueError:
            raise bad("timeout must be a number of seconds") from None
        if not timeout > 0:
            raise bad("timeout must be more than 0 seconds")

    cafile = params.get("cafile") or None
    if cafile is not None and not Path(cafile).is_file():
        raise bad(f"cafile {cafile!r} is not a readable file")

    username = unquote(parts.username) if parts.username else None
    password = unquote(parts.password) if parts.password is not None else None
    if password is not None and username is None:
        raise bad("has a password but no user name")
    return SmtpConfig(
        host=parts.hostname,
        port=port or (465 if implicit_tls else 587 if starttls else 25),
        implicit_tls=implicit_tls,
        starttls=starttls,
        username=username,
        password=password,
        cafile=cafile,
        timeout=timeout,
    )


def _redact(url: str) -> str:
    """The URL with its password replaced, fit for logs and error messages."""
    # Up to the last @: an unencoded / or # in the password must not leave half of it showing.
    return re.sub(r"(//[^/@:]*):.*@", r"\1:***@", url)


def _response_failure(code: int, message: str, *, step: str) -> DeliveryFailure:
    text = f"SMTP {code} at {step}: {message}".strip()
    if code in _SERVER_LEVEL_CODES:
        return ServerUnavailable(text)
    if 400 <= code < 500:
        return TemporaryFailure(text)
    if 500 <= code < 600:
        return PermanentFailure(text)
    # Not an SMTP error class at all: the server is confused, not the message wrong.
    return ServerUnavailable(text)


class SmtpSender:
    """Sends each message over its own SMTP connection with aiosmtplib."""

    def __init__(self, url: str) -> None:
        self.config = parse_smtp_url(url)
        self._url = url

    def describe(self) -> str:
        return _redact(self._url)

    def _tls_context(self) -> ssl.SSLContext | None:
        if not (self.config.implicit_tls or self.config.starttls):
            return None
        return ssl.create_default_context(cafile=self.config.cafile)

    async def send(self, raw: str, *, sender: str, recipients: list[str]) -> None:
        for address in [sender, *recipients]:
            if not _ENVELOPE_ADDRESS.fullmatch(address):
                raise PermanentFailure(f"address {address!r} cannot be sent to")
        config = self.config
        client = aiosmtplib.SMTP(
            hostname=config.host,
            port=config.port,
            username=config.username,
            password=config.password,
            use_tls=config.implicit_tls,
            # Plain smtp:// means plain: no opportunistic upgrade that could fail on a relay's
            # self-signed certificate. Ask for TLS with starttls=1 or smtps://.
            start_tls=config.starttls,
            tls_context=self._tls_context(),
            timeout=config.timeout,
        )
        step = "connect"
        try:
            async with asyncio.timeout(config.timeout * SEND_DEADLINE_STEPS):
                await client.connect()
                step = "send"
                await client.sendmail(sender, recipients, raw.encode("utf-8"))
        except aiosmtplib.SMTPRecipientsRefused as exc:
            # One recipient per message: the first refusal is the answer.
            refusal = exc.recipients[0]
            raise _response_failure(refusal.code, refusal.message, step="RCPT TO") from exc
        except aiosmtplib.SMTPAuthenticationError as exc:
            raise ServerUnavailable(f"SMTP login refused ({exc.code}): {exc.message}") from exc
        except (aiosmtplib.SMTPConnectResponseError, aiosmtplib.SMTPHeloError) as exc:
            raise ServerUnavailable(f"SMTP {exc.code} during {step}: {exc.message}") from exc
        except aiosmtplib.SMTPSenderRefused as exc:
            raise _response_failure(exc.code, exc.message, step="MAIL FROM") from exc
        except aiosmtplib.SMTPDataError as exc:
            raise _response_failure(exc.code, exc.message, step="DATA") from exc
        except aiosmtplib.SMTPResponseException as exc:
            raise _response_failure(exc.code, exc.message, step=step) from exc
        except aiosmtplib.SMTPNotSupported as exc:
            raise ServerUnavailable(f"SMTP server does not support what we need: {exc}") from exc
        except (aiosmtplib.SMTPTimeoutError, TimeoutError) as exc:
            raise ServerUnavailable(f"SMTP timed out during {step}") from exc
        except aiosmtplib.SMTPServerDisconnected as exc:
            raise ServerUnavailable(f"SMTP server disconnected during {step}: {exc}") from exc
        except aiosmtplib.SMTPConnectError as exc:
            raise ServerUnavailable(f"cannot connect to SMTP server: {exc}") from exc
        except ssl.SSLError as exc:
            raise ServerUnavailable(f"TLS with the SMTP server failed: {exc}") from exc
        except aiosmtplib.SMTPException as exc:
            raise ServerUnavailable(f"SMTP error during {step}: {exc}") from exc
        except OSError as exc:
            raise ServerUnavailable(f"cannot reach SMTP server during {step}: {exc}") from exc
        except ValueError as exc:
            # aiosmtplib refuses addresses that cannot be put in an envelope safely.
            raise PermanentFailure(f"address cannot be sent to: {exc}") from exc
        else:
            # The message was accepted: whatever happens while saying goodbye changes nothing.
            with contextlib.suppress(aiosmtplib.SMTPException, OSError, TimeoutError):
                await client.quit()
        finally:
            client.close()


_UNSAFE_FILENAME = re.compile(r"[^A-Za-z0-9._@+-]+")


def eml_filename(raw: str) -> str:
    """`<message-id>.eml` with anything unfit for a file name replaced; a hash if there is no id."""
    message_id = HeaderParser().parsestr(raw, headersonly=True).get("Message-ID", "")
    stem = _UNSAFE_FILENAME.sub("_", str(message_id).strip().strip("<>")).strip("._")
    if not stem:
        stem = sha256(raw.encode("utf-8")).hexdigest()
    return f"{stem[:200]}.eml"


class FileSender:
    """Writes each message to `<directory>/<message-id>.eml`: mail for a machine with no SMTP.

    The file appears whole or not at all (written aside, then renamed), and a retry of the same
    message replaces its file instead of adding a second one.
    """

    def __init__(self, directory: Path) -> None:
        self.directory = Path(directory)

    def describe(self) -> str:
        return f"files in {self.directory}"

    async def send(self, raw: str, *, sender: str, recipients: list[str]) -> None:
        try:
            await asyncio.to_thread(self._write, raw)
        except OSError as exc:  # a full disk or a missing permission may well pass
            raise TemporaryFailure(f"cannot write to {self.directory}: {exc}") from exc

    def _write(self, raw: str) -> Path:
        self.directory.mkdir(parents=True, exist_ok=True)
        target = self.directory / eml_filename(raw)
        fd, temporary = tempfile.mkstemp(dir=self.directory, prefix=".", suffix=".eml.part")
        try:
            with os.fdopen(fd, "w", encoding="utf-8", newline="") as handle:
                handle.write(raw)
                handle.flush()
                os.fsync(handle.fileno())
            os.chmod(temporary, 0o640)
            os.replace(temporary, target)
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(temporary)
            raise
        return target


def sender_from_settings(settings: Settings) -> Sender:
    """SMTP when IDMEVENTS_SMTP_URL is set, else `.eml` files in var/mail/."""
    if settings.mail.smtp_url:
        return SmtpSender(settings.mail.smtp_url)
    return FileSender(settings.mail.mail_dir)
