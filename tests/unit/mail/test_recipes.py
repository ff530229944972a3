"""Emails queued as recipes: written once, before the first attempt, and the same bytes ever after."""

from __future__ import annotations

import asyncio
import json

import pytest

from idmevents.db import write_transaction
from idmevents.mail import recipes
from idmevents.mail.send import SmtpSender
from idmevents.mail.tables import OutboxMessage
from idmevents.mail.worker import deliver_due
from idmevents.registrations import services
from idmevents.registrations.tables import Registration
from tests.factories.meetings import NOW, make_meeting
from tests.factories.registrations import form


async def one_row() -> dict:
    [row] = await OutboxMessage.select()
    return row


async def test_a_registration_is_announced_by_a_recipe_the_worker_writes_and_sends(smtp_server):
    meeting = await make_meeting(capacity=5)
    await services.register(meeting, form(1, language="fr"), now=NOW)
    queued = await one_row()
    assert (queued["raw"], queued["subject"], queued["kind"]) == ("", "", "registration-confirmed")
    assert json.loads(queued["recipe"])["renderer"] == "registration"

    assert await deliver_due(SmtpSender(smtp_server.url), now=NOW) == 1
    [delivery] = smtp_server.deliveries
    sent = await one_row()
    assert sent["status"] == "sent"
    assert delivery.raw == sent["raw"].encode()  # what was stored is what went out
    message = delivery.message
    assert message["Message-ID"] == queued["message_id"]  # fixed when queued
    assert (
        str(message["Subject"]) == sent["subject"] == "Inscription confirmée\u00a0: Test workshop"
    )
    calendar = [p for p in message.walk() if p.get_content_type() == "text/calendar"]
    assert calendar and calendar[0].get_param("method") == "REQUEST"


async def test_a_retry_sends_the_bytes_written_for_the_first_attempt(smtp_server):
    meeting = await make_meeting(capacity=5)
    await services.register(meeting, form(1), now=NOW)
    smtp_server.answer("451 4.3.0 Mailbox busy, try again later", at="RCPT")
    assert await deliver_due(SmtpSender(smtp_server.url), now=NOW) == 1
    first = await one_row()
    assert (first["status"], first["attempts"]) == ("queued", 1)
    assert first["raw"]  # written before the attempt, kept after it failed
    # The registration changes before the retry: the email already written does not.
    await Registration.update({Registration.given_name: "Changed"}, force=True)
    smtp_server.answer(None, at="RCPT")
    await deliver_due(SmtpSender(smtp_server.url), now=first["next_attempt_at"])
    [delivery] = smtp_server.deliveries
    assert delivery.raw == first["raw"].encode()
    assert b"Changed" not in delivery.raw


async def test_two_readers_writing_one_recipe_at_once_store_one_message():
    meeting = await make_meeting(capacity=5)
    await services.register(meeting, form(1), now=NOW)
    outbox_id = (await one_row())["id"]
    first, second = await asyncio.gather(
        recipes.rendered_raw(outbox_id), recipes.rendered_raw(outbox_id)
    )
    assert first == second == (await one_row())["raw"]


async def test_a_recipe_whose_registration_is_gone_fails_at_once_with_the_reason(smtp_server):
    meeting = await make_meeting(capacity=5)
    await services.register(meeting, form(1), now=NOW)
    await Registration.delete(force=True)
    assert await deliver_due(SmtpSender(smtp_server.url), now=NOW) == 1
    row = await one_row()
    assert (row["status"], row["attempts"], row["raw"]) == ("failed", 1, "")
    assert "could not be written" in row["last_error"] and "no longer exists" in row["last_error"]
    assert smtp_server.deliveries == []


async def test_an_unknown_renderer_is_refused_when_queued():
    with pytest.raises(ValueError, match="no email renderer"):
        async with write_transaction():
            await recipes.enqueue_recipe(
                "nonsense",
                {},
                kind="x",
                to_address="a@example.org",
                meeting_id=None,
                registration_id=None,
                now=NOW,
            )
    assert await OutboxMessage.count() == 0


def test_the_registrations_renderer_is_registered_by_the_wiring_under_its_stored_name():
    from idmevents import wiring
    from idmevents.registrations import emails

    wiring.register_mail_renderers()
    wiring.register_mail_renderers()  # the app and the worker may both wire one process
    assert recipes.lookup_renderer("registration") is emails.render_recipe


def test_an_unknown_renderer_is_a_clear_error_naming_the_ones_registered():
    with pytest.raises(recipes.UnknownRenderer, match=r"'nonsense'.*registered: .*registration"):
        recipes.lookup_renderer("nonsense")


def test_a_taken_name_cannot_be_given_to_another_renderer():
    async def other(recipe, queued_at):  # pragma: no cover - never called
        raise AssertionError

    with pytest.raises(ValueError, match="already registered"):
        recipes.register_renderer("registration", other)


async def test_a_queued_recipe_whose_renderer_is_not_registered_fails_its_attempt(
    smtp_server, monkeypatch
):
    meeting = await make_meeting(capacity=5)
    await services.register(meeting, form(1), now=NOW)
    monkeypatch.setattr(recipes, "RENDERERS", {})  # a worker started without its wiring
    assert await deliver_due(SmtpSender(smtp_server.url), now=NOW) == 1
    row = await one_row()
    assert (
        row["status"] == "queued"
        and "no email renderer called 'registration'" in (row["last_error"])
    )
    assert smtp_server.deliveries == []
