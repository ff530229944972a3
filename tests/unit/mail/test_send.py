"""Senders against a real SMTP server (aiosmtpd): URLs, TLS, login, failure kinds, and .eml files."""

from __future__ import annotations

import asyncio
import os
from datetime import UTC, datetime

import pytest

from idmevents.mail.message import Email, build_message
from idmevents.mail.send import (
    FileSender,
    PermanentFailure,
    ServerUnavailable,
    SmtpConfig,
    SmtpSender,
    TemporaryFailure,
    eml_filename,
    parse_smtp_url,
    sender_from_settings,
)
from idmevents.settings import get_settings
from tests.support.processes import free_port
from tests.support.smtp import SmtpServer

SENT_AT = datetime(2027, 4, 1, 9, 30, tzinfo=UTC)


@pytest.fixture
def clean_database():
    """Nothing here touches the database: skip emptying it (a second per test on PostgreSQL)."""
    yield


def raw_message(message_id: str = "<0123abcd@testserver.local>", **fields) -> str:
    email = Email(
        kind="test",
        to_address=fields.pop("to_address", "amina.diallo@example.org"),
        to_name=fields.pop("to_name", "Amina Diallo"),
        subject=fields.pop("subject", "Your registration"),
        text=fields.pop("text", "You are registered.\n"),
        **fields,
    )
    message = build_message(
        email, mail_from="IDM Secretariat <idm@iom.example>", message_id=message_id, date=SENT_AT
    )
    return message.as_string()


async def send(url: str, raw: str | None = None, to: str = "amina.diallo@example.org") -> None:
    await SmtpSender(url).send(raw or raw_message(), sender="idm@iom.example", recipients=[to])


# --- IDMEVENTS_SMTP_URL -----------------------------------------------------------------------


def test_smtp_url_plain_with_defaults():
    assert parse_smtp_url("smtp://mail.example") == SmtpConfig(
        host="mail.example",
        port=25,
        implicit_tls=False,
        starttls=False,
        username=None,
        password=None,
        cafile=None,
        timeout=30.0,
    )


def test_smtp_url_starttls_login_with_percent_encoded_credentials():
    config = parse_smtp_url("smtp://idm%40iom.int:p%40ss%3Aw%2Frd@relay.example?starttls=1")
    assert (config.host, config.port, config.starttls, config.implicit_tls) == (
        "relay.example",
        587,
        True,
        False,
    )
    assert (config.username, config.password) == ("idm@iom.int", "p@ss:w/rd")


def test_smtp_url_smtps_with_parameters(tls_files):
    config = parse_smtp_url(f"smtps://u:pw@relay.example:2465?cafile={tls_files.ca}&timeout=5")
    assert (config.port, config.implicit_tls, config.starttls) == (2465, True, False)
    assert (config.cafile, config.timeout) == (str(tls_files.ca), 5.0)


@pytest.mark.parametrize(
    ("url", "why"),
    [
        ("http://mail.example", "must start with smtp:// or smtps://"),
        ("mail.example:25", "must start with smtp:// or smtps://"),
        ("smtp://", "names no host"),
        ("smtp://mail.example:99999", "the port must be a number"),
        ("smtp://mail.example:twenty", "the port must be a number"),
        ("smtp://mail.example/inbox", "has a path"),
        ("smtp://mail.example?starttls=maybe", "starttls must be 1 or 0"),
        ("smtps://mail.example?starttls=1", "smtps:// is already TLS"),
        ("smtp://mail.example?tls=1", "unknown parameter 'tls'"),
        ("smtp://mail.example?timeout=-1", "timeout must be more than 0"),
        ("smtp://mail.example?timeout=soon", "timeout must be a number"),
        ("smtp://mail.example?cafile=/nonexistent/ca.pem", "is not a readable file"),
        ("smtp://:secret@mail.example", "has a password but no user name"),
        ("smtp://user:pa#ss@mail.example", "percent-encode it"),
    ],
)
def test_smtp_url_bad_is_refused_with_the_reason(url, why):
    with pytest.raises(ValueError, match="IDMEVENTS_SMTP_URL") as refusal:
        parse_smtp_url(url)
    assert why in str(refusal.value)


@pytest.mark.parametrize(
    "url",
    [
        "smtp://user:hunter2@mail.example/x",
        "smtp://user:hun/ter2@mail.example",
        "smtp://user:hun#ter2@mail.example",
        "smtp://user:hun@ter2@mail.example:port",
    ],
)
def test_smtp_url_password_never_appears_in_errors(url):
    with pytest.raises(ValueError) as refusal:
        parse_smtp_url(url)
    assert "ter2" not in str(refusal.value)
    assert "user:***@" in str(refusal.value)


def test_smtp_sender_describes_itself_without_the_password():
    assert SmtpSender("smtp://user:hunter2@mail.example").describe() == (
        "smtp://user:***@mail.example"
    )


def test_sender_from_settings_files_without_url_and_smtp_with_one():
    settings = get_settings()
    files = sender_from_settings(settings)
    assert isinstance(files, FileSender)
    assert files.directory == settings.mail.mail_dir
    from dataclasses import replace

    with_url = replace(settings, mail=replace(settings.mail, smtp_url="smtp://relay.example:2525"))
    smtp = sender_from_settings(with_url)
    assert isinstance(smtp, SmtpSender)
    assert (smtp.config.host, smtp.config.port) == ("relay.example", 2525)


# --- SMTP ---------------------------------------------------------------------------------------


async def test_smtp_plain_delivers_the_exact_message(smtp_server):
    raw = raw_message()
    await send(smtp_server.url, raw)
    [delivery] = smtp_server.deliveries
    assert (delivery.mail_from, delivery.rcpt_tos, delivery.login, delivery.tls) == (
        "idm@iom.example",
        ("amina.diallo@example.org",),
        None,
        False,
    )
    assert delivery.raw == raw.encode()


async def test_smtp_starttls_with_login(tls_files):
    server = SmtpServer(
        tls="starttls", tls_files=tls_files, users={"idm@iom.int": "p@ss:w/rd"}
    ).start()
    try:
        url = (
            f"smtp://idm%40iom.int:p%40ss%3Aw%2Frd@127.0.0.1:{server.port}"
            f"?starttls=1&cafile={tls_files.ca}"
        )
        await send(url)
        assert [(d.login, d.tls) for d in server.deliveries] == [("idm@iom.int", True)]
    finally:
        server.stop()


async def test_smtp_implicit_tls_with_login(tls_files):
    server = SmtpServer(tls="implicit", tls_files=tls_files, users={"mailer": "s3cret"}).start()
    try:
        await send(f"smtps://mailer:s3cret@127.0.0.1:{server.port}?cafile={tls_files.ca}")
        assert [(d.login, d.tls) for d in server.deliveries] == [("mailer", True)]
    finally:
        server.stop()


async def test_smtp_tls_refuses_a_certificate_it_cannot_verify(tls_files):
    server = SmtpServer(tls="implicit", tls_files=tls_files).start()
    try:
        with pytest.raises(ServerUnavailable, match="CERTIFICATE_VERIFY_FAILED"):
            await send(f"smtps://127.0.0.1:{server.port}")  # our CA is not trusted here
        assert server.deliveries == []
    finally:
        server.stop()


async def test_smtp_starttls_required_by_the_server_but_not_asked_for(tls_files):
    server = SmtpServer(tls="starttls", tls_files=tls_files, users={"mailer": "s3cret"}).start()
    try:
        with pytest.raises(ServerUnavailable):
            await send(f"smtp://mailer:s3cret@127.0.0.1:{server.port}")
        assert server.deliveries == []
    finally:
        server.stop()


async def test_smtp_wrong_password_is_a_server_problem_not_the_message(tls_files):
    server = SmtpServer(tls="starttls", tls_files=tls_files, users={"mailer": "s3cret"}).start()
    try:
        with pytest.raises(ServerUnavailable, match="login refused"):
            await send(
                f"smtp://mailer:wrong@127.0.0.1:{server.port}?starttls=1&cafile={tls_files.ca}"
            )
        assert server.deliveries == []
    finally:
        server.stop()


async def test_smtp_connection_refused_is_temporary():
    with pytest.raises(ServerUnavailable, match="cannot connect"):
        await send(f"smtp://127.0.0.1:{free_port()}")


async def test_smtp_server_that_never_answers_times_out():
    async def silent(reader, writer):
        await reader.read()  # no greeting, ever; until the client gives up
        writer.close()

    listener = await asyncio.start_server(silent, "127.0.0.1", 0)
    port = listener.sockets[0].getsockname()[1]
    try:
        started = asyncio.get_running_loop().time()
        with pytest.raises(ServerUnavailable, match="timed out"):
            await send(f"smtp://127.0.0.1:{port}?timeout=0.3")
        assert asyncio.get_running_loop().time() - started < 2
    finally:
        listener.close()


async def test_smtp_stopped_server_is_temporary_and_back_when_restarted(smtp_server):
    smtp_server.stop()
    with pytest.raises(ServerUnavailable):
        await send(smtp_server.url)
    smtp_server.start()
    await send(smtp_server.url)
    assert len(smtp_server.messages) == 1


@pytest.mark.parametrize("at", ["MAIL", "RCPT", "DATA"])
async def test_smtp_4xx_is_temporary(smtp_server, at):
    smtp_server.answer("451 4.3.0 Try again later", at=at)
    with pytest.raises(TemporaryFailure) as failure:
        await send(smtp_server.url)
    assert not isinstance(failure.value, PermanentFailure)
    assert "451" in str(failure.value)
    assert "Try again later" in str(failure.value)
    assert smtp_server.messages == []


@pytest.mark.parametrize(
    ("at", "reply"),
    [
        ("RCPT", "550 5.1.1 Mailbox unavailable"),
        ("MAIL", "553 5.1.8 Sender address rejected"),
        ("DATA", "554 5.6.0 Message rejected as spam"),
    ],
)
async def test_smtp_5xx_is_permanent(smtp_server, at, reply):
    smtp_server.answer(reply, at=at)
    with pytest.raises(PermanentFailure) as failure:
        await send(smtp_server.url)
    assert reply.split(" ", 1)[0] in str(failure.value)
    assert reply.rsplit(" ", 2)[-1] in str(failure.value)


@pytest.mark.parametrize(
    "address",
    ["amina@example.org\r\nRCPT TO:<x@evil.example>", "amina diallo@example.org", "amina", ""],
)
async def test_smtp_address_that_cannot_be_an_envelope_is_permanent(smtp_server, address):
    with pytest.raises(PermanentFailure, match="cannot be sent to"):
        await send(smtp_server.url, to=address)
    assert smtp_server.messages == []


# --- .eml files ---------------------------------------------------------------------------------


async def test_file_sender_writes_one_eml_per_message_and_a_retry_replaces_it(tmp_path):
    sender = FileSender(tmp_path / "mail")
    first = raw_message("<aaaa@testserver.local>")
    second = raw_message("<bbbb@testserver.local>", subject="Another")
    for raw in (first, first, second):  # the first one "retried"
        await sender.send(raw, sender="idm@iom.example", recipients=["a@example.org"])
    files = sorted(path.name for path in (tmp_path / "mail").iterdir())
    assert files == ["aaaa@testserver.local.eml", "bbbb@testserver.local.eml"]
    assert (tmp_path / "mail" / "aaaa@testserver.local.eml").read_bytes() == first.encode()


async def test_file_sender_unwritable_directory_is_temporary(tmp_path):
    blocker = tmp_path / "not-a-directory"
    blocker.write_text("")
    with pytest.raises(TemporaryFailure, match="cannot write"):
        await FileSender(blocker / "mail").send(
            raw_message(), sender="idm@iom.example", recipients=["a@example.org"]
        )


def test_eml_filename_cannot_leave_the_directory():
    assert eml_filename(raw_message("<../../etc/passwd@x>")) == "etc_passwd@x.eml"
    assert eml_filename("Message-ID: <a/b\\c d@x.org>\r\n\r\nbody") == "a_b_c_d@x.org.eml"
    no_id = "Subject: hi\r\n\r\nbody\r\n"
    assert eml_filename(no_id) == eml_filename(no_id)
    assert eml_filename(no_id).endswith(".eml")
    assert os.sep not in eml_filename(no_id)
