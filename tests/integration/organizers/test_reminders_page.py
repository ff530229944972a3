"""The reminders page: the schedule with its counts, its form, the switch, a test to oneself."""

from idmevents.audit.tables import AuditEntry
from idmevents.mail.tables import OutboxMessage
from idmevents.meetings.tables import Meeting
from idmevents.registrations import reminders
from tests.factories.teams import take_in_everyone
from tests.integration.organizers.test_agenda_admin import organizer_client, post_form  # noqa: F401
from tests.unit.registrations.test_notices import published_meeting_with_two_sessions, register
from tests.unit.registrations.test_reminders import SEVEN_DAYS_BEFORE

URL = "/admin/meetings/idm-test/reminders/"


async def test_reminders_page_lists_the_schedule_and_counts(organizer_client):  # noqa: F811
    meeting, _, _ = await published_meeting_with_two_sessions()
    await take_in_everyone(meeting["id"])
    await register(meeting["id"], "Ana")
    await reminders.queue_due_reminders(SEVEN_DAYS_BEFORE)
    builder_page = (await organizer_client.get("/admin/meetings/idm-test")).text
    assert URL.rstrip("/") in builder_page
    page = (await organizer_client.get(URL)).text
    assert 'data-offset="-P7D"' in page and 'data-offset="-P1D"' in page
    assert '<td class="queued">1</td>' in page
    assert "Apr 13, 2027, 09:00 EDT" in page


async def test_reminders_form_saves_and_names_bad_offsets(organizer_client):  # noqa: F811
    meeting, _, _ = await published_meeting_with_two_sessions()
    await take_in_everyone(meeting["id"])
    bad = await post_form(
        organizer_client, URL, {"reminders": "-P7D tomorrow", "follow_up_url": ""}
    )
    assert bad.status_code == 422
    assert "ISO 8601" in bad.text and 'value="-P7D tomorrow"' in bad.text
    good = await post_form(
        organizer_client,
        URL,
        {"reminders": "-P1W, -PT2H PT3H", "follow_up_url": "https://www.iom.int/idm"},
    )
    assert good.status_code == 303
    row = await Meeting.select(Meeting.reminders, Meeting.follow_up_url).first()
    assert row == {
        "reminders": '["-P7D", "-PT2H", "PT3H"]',
        "follow_up_url": "https://www.iom.int/idm",
    }


async def test_reminders_switch_off_and_on(organizer_client):  # noqa: F811
    meeting, _, _ = await published_meeting_with_two_sessions()
    await take_in_everyone(meeting["id"])
    off = await post_form(organizer_client, URL + "switch", {"enabled": "off"}, form_url=URL)
    assert off.status_code == 303
    assert (await Meeting.select(Meeting.reminders_enabled).first())["reminders_enabled"] is False
    assert "Switch reminders on" in (await organizer_client.get(URL)).text
    await post_form(organizer_client, URL + "switch", {"enabled": "on"}, form_url=URL)
    assert (await Meeting.select(Meeting.reminders_enabled).first())["reminders_enabled"] is True


async def test_reminders_test_goes_to_the_signed_in_organizer(organizer_client):  # noqa: F811
    meeting, _, _ = await published_meeting_with_two_sessions()
    await take_in_everyone(meeting["id"])
    response = await post_form(organizer_client, URL + "test", {}, form_url=URL)
    assert response.status_code == 303
    rows = await OutboxMessage.select(OutboxMessage.to_address, OutboxMessage.kind)
    entry = await AuditEntry.select(AuditEntry.actor).where(
        AuditEntry.action == "meeting.reminder_test"
    )
    assert rows == [{"to_address": entry[0]["actor"], "kind": "reminder-test"}]
    assert (
        "A test reminder is on its way"
        in (await organizer_client.get(response.headers["location"])).text
    )


async def test_reminders_page_of_unknown_meeting_is_404(organizer_client):  # noqa: F811
    assert (await organizer_client.get("/admin/meetings/nope/reminders/")).status_code == 404
