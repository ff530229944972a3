"""Pages and emails in English, French and Spanish: the zone as people say it and French's no-break
space before a colon in labels built by the templates."""

import pytest

from tests.integration.organizers.test_registration_desk import text_of
from tests.integration.public.test_registration_pages import register, submit
from tests.support.outbox import body_text, outbox_messages


@pytest.mark.parametrize(
    ("language", "local_time", "status"),
    [
        ("en", "Local time New York time (UTC−4)", "Status: Confirmed"),
        ("fr", "Heure locale heure de New York (UTC−4)", "Statut\u00a0: Confirmée"),
        ("es", "Hora local hora de Nueva York (UTC−4)", "Estado: Confirmada"),
    ],
)
async def test_private_page_and_meeting_page_in_each_language(
    client, demo, language, local_time, status
):
    path = await register(client, 1, language=language)
    html = (await client.get(path)).text
    assert status in html.replace('<span class="badge badge-confirmed">', "").replace("</span>", "")
    private = text_of(html)
    assert local_time in private
    meeting = text_of((await client.get(f"/meetings/idm-new-york?lang={language}")).text)
    assert local_time in meeting
    assert "America/New_York" not in meeting


@pytest.mark.parametrize(
    ("language", "clock"),
    [
        ("en", "Geneva time (UTC+2)"),
        ("fr", "heure de Genève (UTC+2)"),
        ("es", "hora de Ginebra (UTC+2)"),
    ],
)
async def test_a_meeting_in_geneva_keeps_genevas_clock_by_its_name(client, demo, language, clock):
    """Geneva keeps Europe/Zurich's time; its participants read the meeting's city, in their
    language, with the offset on the meeting's days (July: summer time)."""
    page = text_of((await client.get(f"/meetings/idm-geneva?lang={language}")).text)
    assert clock in page
    assert "Zurich" not in page and "Zúrich" not in page


@pytest.mark.parametrize(
    ("language", "line"),
    [("en", "Country: Chile"), ("fr", "Pays\u00a0: Chili"), ("es", "País: Chile")],
)
async def test_email_details_spaced_as_the_language_sets_them(client, demo, language, line):
    path = await register(client, 1, language=language, country="CL")
    changed = await submit(
        client,
        {
            "given_name": "Ana",
            "family_name": "Changed",
            "organization": "Mission",
            "position": "",
            "country": "CL",
            "language": language,
            "accessibility_needs": "",
        },
        path=f"{path}/details",
    )
    assert changed.status_code == 303
    (mail,) = await outbox_messages("registration-details-changed")
    assert line in body_text(mail).splitlines()
