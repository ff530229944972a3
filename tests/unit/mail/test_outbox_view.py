"""Reading one outbox email as the organizers' page shows it."""

from __future__ import annotations

from datetime import UTC, datetime

from idmevents.mail.message import Attachment, Email, build_message
from idmevents.mail.services import HIDDEN_LINK, AttachmentInfo, read_message

NOW = datetime(2027, 3, 1, 12, 0, tzinfo=UTC)


def raw(kind: str, text: str, attachments=()) -> str:
    message = build_message(
        Email(
            kind=kind,
            to_address="zoe@example.org",
            to_name="Zoë Müller",
            subject="Votre inscription : atelier à Genève",
            text=text,
            html="<p>html</p>",
            attachments=attachments,
        ),
        mail_from="IDM Secretariat <noreply@example.org>",
        message_id="<abc@example.org>",
        date=NOW,
    )
    return message.as_string()


def test_read_message_shows_decoded_headers_text_and_attachments():
    view = read_message(
        raw(
            "registration-confirmed",
            "Bonjour Zoë,\nvotre lien : https://idm.example/r/SECRET-token\n",
            (Attachment("invitation.ics", "text/calendar", b"BEGIN:VCALENDAR\r\n", "REQUEST"),),
        ),
        "registration-confirmed",
    )
    assert view.headers == [
        ("From", "IDM Secretariat <noreply@example.org>"),
        ("To", "Zoë Müller <zoe@example.org>"),
        ("Subject", "Votre inscription : atelier à Genève"),
        ("Date", "Mon, 01 Mar 2027 12:00:00 +0000"),
        ("Message-ID", "<abc@example.org>"),
    ]
    assert view.text == "Bonjour Zoë,\nvotre lien : https://idm.example/r/SECRET-token\n"
    assert view.attachments == [AttachmentInfo("invitation.ics", "text/calendar", 17)]
    assert (view.has_html, view.links_hidden) == (True, False)


def test_read_message_hides_links_of_account_emails():
    text = "Choose a password: https://idm.example/admin/password-reset/AbC_123-x\nThanks.\n"
    for kind in ("password-reset", "account-invitation"):
        view = read_message(raw(kind, text), kind)
        assert view.text == f"Choose a password: {HIDDEN_LINK}\nThanks.\n"
        assert view.links_hidden is True
