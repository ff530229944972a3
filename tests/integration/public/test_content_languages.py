"""Public pages show meeting content in the reader's language; a missing translation shows the
original, marked with its language (WCAG 3.1.2)."""

import json

import pytest

from idmevents.meetings.tables import Meeting, MeetingSession, Panelist
from idmevents.registrations import services
from idmevents.registrations.tables import Registration
from tests.factories.meetings import NOW
from tests.factories.registrations import form
from tests.integration.public.test_public_pages import text_of


@pytest.mark.parametrize(
    ("lang", "title", "kind", "role", "room", "session"),
    [
        (
            "fr",
            "Dialogue international sur la migration 2017 — Premier atelier, New York",
            "Ouverture",
            "Orateur principal",
            "Salle du Conseil de tutelle",
            "Séance d’ouverture",
        ),
        (
            "es",
            "Diálogo Internacional sobre la Migración 2017 — Primer taller, Nueva York",
            "Apertura",
            "Orador principal",
            "Salón del Consejo de Administración Fiduciaria",
            "Sesión de apertura",
        ),
    ],
)
async def test_meeting_page_in_the_readers_language(
    client, demo, lang, title, kind, role, room, session
):
    response = await client.get(f"/meetings/idm-new-york?lang={lang}")
    assert response.status_code == 200
    text = text_of(response.text)
    assert f"<h1>{title}</h1>" in response.text  # translated: no lang attribute needed
    assert session in text and room in text
    assert f'<span class="kind">{kind}</span>' in response.text
    colon = "\u00a0:" if lang == "fr" else ":"
    assert f'<span class="role">{role}{colon}</span>' in response.text
    assert "Opening session" not in text
    assert "Trusteeship Council Chamber" not in text


async def test_untranslated_field_falls_back_to_the_original_marked_with_its_language(client, demo):
    await Meeting.update({Meeting.translations: json.dumps({"fr": {"title": "Atelier"}})}).where(
        Meeting.slug == "idm-new-york"
    )
    await MeetingSession.update({MeetingSession.translations: "{}"}).where(
        MeetingSession.uid == "idm-new-york-opening@idmevents"
    )
    response = await client.get("/meetings/idm-new-york?lang=fr")
    assert "<h1>Atelier</h1>" in response.text
    assert '<span lang="en">Opening session</span>' in response.text
    assert '<span lang="en">United Nations Headquarters</span>' in response.text
    # No Spanish at all: everything in English, each marked; English readers get no marks.
    await Meeting.update({Meeting.translations: "{}"}).where(Meeting.slug == "idm-new-york")
    spanish = await client.get("/meetings/idm-new-york?lang=es")
    assert '<h1 lang="en">International Dialogue on Migration 2017' in spanish.text
    english = await client.get("/meetings/idm-new-york?lang=en")
    assert 'lang="en">Opening session' not in english.text
    assert "<h1>International Dialogue on Migration 2017" in english.text


async def test_panelists_page_marks_the_untranslated_biography(client, demo):
    response = await client.get("/meetings/idm-new-york/panelists?lang=es")
    assert response.status_code == 200
    assert "Vicesecretaria General de las Naciones Unidas" in response.text
    # Biographies are only in English in the demo: shown, and marked as English.
    assert '<p class="pre-line" lang="en">Amina J. Mohammed became' in response.text
    person = await client.get("/panelists/amina-j-mohammed?lang=fr")
    assert "Vice-Secrétaire générale de l’Organisation des Nations Unies" in person.text
    assert "Séance d’ouverture" in person.text
    await Panelist.update({Panelist.translations: "{}"}).where(Panelist.slug == "amina-j-mohammed")
    person = await client.get("/panelists/amina-j-mohammed?lang=fr")
    assert '<span lang="en">Deputy Secretary-General of the United Nations</span>' in person.text


async def test_registration_and_private_pages_in_the_readers_language(client, demo):
    page = await client.get("/meetings/idm-geneva/register?lang=es")
    assert page.status_code == 200
    assert "Diálogo Internacional sobre la Migración 2017 — Segundo taller, Ginebra" in page.text
    assert "Palacio de las Naciones, Ginebra" in page.text
    assert "Acto paralelo: datos para la gobernanza de la migración" in page.text  # a choice
    meeting = await Meeting.select().where(Meeting.slug == "idm-geneva").first()
    result = await services.register(meeting, form(language="fr"), now=NOW)
    private = await client.get(f"/r/{result.token}?lang=fr")
    assert private.status_code == 200
    assert "Dialogue international sur la migration 2017 — Deuxième atelier, Genève" in private.text
    assert "Avenue de la Paix 8-14, 1211 Genève, Suisse" in private.text


async def test_badge_names_the_meeting_in_the_badges_language(client, demo):
    from tests.factories.badges import add_registration
    from tests.factories.badges import meeting as badge_meeting

    person = await add_registration(await badge_meeting(), given_name="Ana", family_name="Silva")
    slug = (await Meeting.select(Meeting.slug).where(Meeting.id == person["meeting"]).first())[
        "slug"
    ]
    titles = {
        "idm-new-york": ("Premier atelier, New York", "Primer taller, Nueva York"),
        "idm-geneva": ("Deuxième atelier, Genève", "Segundo taller, Ginebra"),
    }[slug]
    # A private page speaks the registration's language, whatever the browser asks for.
    await Registration.update({Registration.language: "fr"}).where(Registration.id == person["id"])
    french = await client.get(f"/r/{person['token']}/badge?lang=es")
    assert french.status_code == 200
    badge = french.text[french.text.index("<article") : french.text.index("</article>")]
    assert titles[0] in badge
    await Registration.update({Registration.language: "es"}).where(Registration.id == person["id"])
    spanish = await client.get(f"/r/{person['token']}/badge?lang=fr")
    badge = spanish.text[spanish.text.index("<article") : spanish.text.index("</article>")]
    assert titles[1] in badge
