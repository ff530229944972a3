"""A real SMTP server (aiosmtpd) for the mail tests, and the TLS files it can present."""

from __future__ import annotations

import asyncio
import ssl
import subprocess
import threading
import time
from dataclasses import dataclass
from email import policy as email_policy
from email.message import EmailMessage
from email.parser import BytesParser
from pathlib import Path

from tests.support.processes import free_port


@dataclass(frozen=True)
class Delivery:
    """One message as the SMTP server took it: the envelope, who logged in, over TLS or not."""

    mail_from: str
    rcpt_tos: tuple[str, ...]
    login: str | None
    tls: bool
    message: EmailMessage
    raw: bytes  # exactly as it came over the wire (DATA, dot-unstuffed)


@dataclass(frozen=True)
class TlsFiles:
    """A test CA and a server certificate it signed, valid for 127.0.0.1 and localhost."""

    ca: Path
    certificate: Path
    key: Path

    def server_context(self) -> ssl.SSLContext:
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(self.certificate, self.key)
        return context


class SmtpServer:
    """A real SMTP server (aiosmtpd) on 127.0.0.1 that keeps every message it accepts.

    `tls="starttls"` offers STARTTLS and requires it before AUTH; `tls="implicit"` speaks TLS from
    the first byte (smtps://). With `users`, a login is required and checked. `answer("451 ...",
    at="RCPT")` makes the server give that reply instead of accepting (at MAIL, RCPT or DATA)
    until `answer(None, at=...)`; `delay` holds each message that long before answering DATA.
    `stop()` and `start()` keep the port, so a client can find the server gone and back.
    """

    def __init__(
        self,
        *,
        tls: str | None = None,
        tls_files: TlsFiles | None = None,
        users: dict[str, str] | None = None,
    ) -> None:
        if tls not in {None, "starttls", "implicit"}:
            raise ValueError(f"tls must be None, 'starttls' or 'implicit', not {tls!r}")
        if tls and tls_files is None:
            raise ValueError("a TLS server needs tls_files")
        self.port = free_port()
        self.tls = tls
        self.tls_files = tls_files
        self.users = dict(users or {})
        self.deliveries: list[Delivery] = []
        self.replies: dict[str, str] = {}
        self.delay = 0.0
        self.data_started = 0  # messages whose DATA has begun (arrived or not yet answered)
        self._lock = threading.Lock()
        self._controller = None

    @property
    def url(self) -> str:
        scheme = "smtps" if self.tls == "implicit" else "smtp"
        return f"{scheme}://127.0.0.1:{self.port}"

    @property
    def messages(self) -> list[EmailMessage]:
        with self._lock:
            return [delivery.message for delivery in self.deliveries]

    def message_ids(self) -> list[str]:
        return [str(message["Message-ID"]) for message in self.messages]

    def answer(self, reply: str | None, *, at: str = "RCPT") -> None:
        if at not in {"MAIL", "RCPT", "DATA"}:
            raise ValueError(f"at must be MAIL, RCPT or DATA, not {at!r}")
        if reply is None:
            self.replies.pop(at, None)
        else:
            self.replies[at] = reply

    async def wait_for(self, count: int, within: float = 30) -> list[EmailMessage]:
        """The messages, once at least `count` have arrived (fails after `within` seconds)."""
        deadline = time.monotonic() + within
        while len(self.messages) < count:
            if time.monotonic() > deadline:
                raise AssertionError(f"{len(self.messages)} of {count} messages arrived")
            await asyncio.sleep(0.02)
        return self.messages

    async def wait_for_data(self, count: int = 1, within: float = 30) -> None:
        """Until `count` messages have begun arriving (for a test to act while one is in flight)."""
        deadline = time.monotonic() + within
        while self.data_started < count:
            if time.monotonic() > deadline:
                raise AssertionError(f"DATA began for {self.data_started} of {count} messages")
            await asyncio.sleep(0.01)

    # aiosmtpd handler hooks: they run on the server's own thread and event loop.
    async def handle_MAIL(self, server, session, envelope, address, mail_options):
        if reply := self.replies.get("MAIL"):
            return reply
        envelope.mail_from = address
        envelope.mail_options.extend(mail_options)
        return "250 OK"

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if reply := self.replies.get("RCPT"):
            return reply
        envelope.rcpt_tos.append(address)
        envelope.rcpt_options.extend(rcpt_options)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        with self._lock:
            self.data_started += 1
        if self.delay:
            await asyncio.sleep(self.delay)
        if reply := self.replies.get("DATA"):
            return reply
        login = session.auth_data.login.decode() if session.authenticated else None
        delivery = Delivery(
            mail_from=envelope.mail_from,
            rcpt_tos=tuple(envelope.rcpt_tos),
            login=login,
            tls=server.transport.get_extra_info("ssl_object") is not None,
            message=BytesParser(policy=email_policy.default).parsebytes(envelope.original_content),
            raw=envelope.original_content,
        )
        with self._lock:
            self.deliveries.append(delivery)
        return "250 Message accepted for delivery"

    def _authenticate(self, server, session, envelope, mechanism, auth_data):
        from aiosmtpd.smtp import AuthResult, LoginPassword

        ok = (
            isinstance(auth_data, LoginPassword)
            and self.users.get(auth_data.login.decode()) == auth_data.password.decode()
        )
        return AuthResult(success=ok, handled=False, auth_data=auth_data if ok else None)

    def start(self) -> SmtpServer:
        from aiosmtpd.controller import Controller

        options: dict = {"hostname": "127.0.0.1", "port": self.port, "server_hostname": "localhost"}
        if self.users:
            options |= {"authenticator": self._authenticate}
        if self.tls == "starttls":
            options |= {"tls_context": self.tls_files.server_context(), "require_starttls": True}
            if self.users:
                options |= {"auth_required": True}
        elif self.tls == "implicit":
            # The whole connection is TLS, which aiosmtpd's own "AUTH only after STARTTLS" check
            # does not see; logins are still only ever sent encrypted.
            options |= {"ssl_context": self.tls_files.server_context(), "auth_require_tls": False}
        self._controller = Controller(self, **options)
        self._controller.start()
        return self

    def stop(self) -> None:
        if self._controller is not None:
            self._controller.stop()
            self._controller = None


def make_tls_files(directory: Path) -> TlsFiles:
    """A CA and a server certificate made in `directory` with the openssl command."""
    directory.mkdir(exist_ok=True)
    files = TlsFiles(directory / "ca.pem", directory / "server.pem", directory / "server.key")

    def openssl(*args: str) -> None:
        subprocess.run(["openssl", *args], cwd=directory, check=True, capture_output=True)

    openssl(
        "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
        "-keyout", "ca.key", "-out", "ca.pem", "-days", "2", "-subj", "/CN=idmevents test CA",
        "-addext", "basicConstraints=critical,CA:TRUE",
        "-addext", "keyUsage=critical,keyCertSign,cRLSign",
    )  # fmt: skip
    openssl(
        "req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
        "-keyout", "server.key", "-out", "server.csr", "-subj", "/CN=localhost",
    )  # fmt: skip
    (directory / "server.ext").write_text(
        "subjectAltName=IP:127.0.0.1,DNS:localhost\n"
        "basicConstraints=CA:FALSE\n"
        "keyUsage=critical,digitalSignature\n"
        "extendedKeyUsage=serverAuth\n"
    )
    openssl(
        "x509", "-req", "-in", "server.csr", "-CA", "ca.pem", "-CAkey", "ca.key",
        "-CAcreateserial", "-out", "server.pem", "-days", "2", "-extfile", "server.ext",
    )  # fmt: skip
    return files
