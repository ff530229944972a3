"""The honorific on the list of participants, in every format (page, CSV, JSON, PDF): the
registration's own, a delegate's and anyone else's alike."""

from __future__ import annotations

import csv
import io

from idmevents.registrations import services as registrations
from tests.factories.meetings import NOW
from tests.factories.registrations import form
from tests.integration.organizers.test_participants_list import organizer, people
from tests.integration.public.test_programme_pdf import pdf_text

__all__ = ["organizer"]  # the fixture, shared with the list's other tests


async def test_everyones_honorific_is_on_the_list_in_every_format(client, organizer):
    """The honorific is the registration's: a delegate's and a civil society participant's alike."""
    await people()
    await registrations.register(
        await registrations_meeting(),
        form("Hana", given_name="Hana", honorific="Prof.", list_consent=True, category="academia",
             country=""),
        now=NOW,
    )  # fmt: skip
    page = await client.get("/admin/meetings/test-meeting/participants/")
    assert "Prof. Hana Person Hana" in page.text
    assert "Ms Alice Number Alice" in page.text
    sheet = await client.get("/admin/meetings/test-meeting/participants/csv")
    rows = {row["given_name"]: row for row in csv.DictReader(io.StringIO(sheet.text))}
    assert (rows["Hana"]["honorific"], rows["Alice"]["honorific"]) == ("Prof.", "Ms")
    body = (
        await client.get("/api/v1/meetings/test-meeting/participants", headers=organizer)
    ).json()
    honorifics = {
        person["given_name"]: person["honorific"]
        for category in body["categories"]
        for group in category["groups"]
        for person in group["people"]
    }
    assert (honorifics["Hana"], honorifics["Alice"]) == ("Prof.", "Ms")
    pdf = await client.get("/admin/meetings/test-meeting/participants/participants.pdf")
    printed = " ".join(pdf_text(pdf.content).split())
    assert "Prof. Hana Person Hana" in printed and "Ms Alice Number Alice" in printed


async def registrations_meeting() -> dict:
    from idmevents.meetings.tables import Meeting

    return await Meeting.select().where(Meeting.slug == "test-meeting").first()
