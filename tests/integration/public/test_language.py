"""The language switch through HTTP: links on every page, remembered in a cookie, the page cache
keyed by language; a registration's pages, emails and feed in the registration's language."""

import re

from icalendar import Calendar

from idmevents.registrations.tables import Registration
from tests.factories.feeds import make_registration
from tests.integration.public.test_public_pages import text_of
from tests.integration.public.test_registration_pages import csrf_token, register, submit
from tests.support.outbox import outbox_messages


def html_lang(html: str) -> str:
    return re.search(r'<html lang="([a-z]+)" dir="(?:ltr|rtl)">', html).group(1)


def switch_links(html: str) -> list[str]:
    return re.findall(
        r'<a href="(\?lang=[a-z]+)" hreflang="([a-z]+)" lang="([a-z]+)">([^<]+)</a>', html
    )


async def test_every_kind_of_page_offers_the_other_languages(client, demo):
    for path in (
        "/",
        "/meetings/idm-geneva",
        "/meetings/idm-geneva/panelists",
        "/meetings/idm-geneva/register",
        "/admin/login",
        "/meetings/nope",
    ):
        html = (await client.get(path)).text
        assert switch_links(html) == [
            ("?lang=fr", "fr", "fr", "Français"),
            ("?lang=es", "es", "es", "Español"),
        ], path
        assert '<span lang="en" aria-current="true">English</span>' in html, path


async def test_a_picked_language_is_remembered_on_the_next_page(client, demo):
    first = await client.get("/?lang=fr")
    assert html_lang(first.text) == "fr"
    assert "lang=fr; Path=/; Max-Age=31536000; SameSite=Lax; HttpOnly; Secure" in (
        first.headers.get_list("set-cookie")
    )
    # The next click carries no ?lang=, and a browser that prefers Spanish.
    page = await client.get("/meetings/idm-geneva", headers={"Accept-Language": "es"})
    assert html_lang(page.text) == "fr"
    assert not [c for c in page.headers.get_list("set-cookie") if c.startswith("lang=")]
    assert switch_links(page.text)[0] == ("?lang=en", "en", "en", "English")
    back = await client.get("/meetings/idm-geneva?lang=en")
    assert html_lang(back.text) == "en"
    assert html_lang((await client.get("/")).text) == "en"


async def test_an_unknown_language_is_not_remembered(client, demo):
    page = await client.get("/?lang=xx", headers={"Accept-Language": "es"})
    assert html_lang(page.text) == "es"
    assert not [c for c in page.headers.get_list("set-cookie") if c.startswith("lang=")]


async def test_cached_meeting_page_is_kept_per_language(client, demo):
    french = await client.get("/meetings/idm-geneva?lang=fr")
    client.cookies.clear()
    english = await client.get("/meetings/idm-geneva")
    client.cookies.set("lang", "es", domain="testserver.local")
    spanish = await client.get("/meetings/idm-geneva")
    assert [html_lang(r.text) for r in (french, english, spanish)] == ["fr", "en", "es"]
    assert "Ajouter à votre calendrier" in text_of(french.text)
    assert "Ajouter à votre calendrier" not in text_of(english.text)
    assert english.headers["vary"] == "Accept-Encoding, Accept-Language, Cookie"


async def test_private_pages_speak_the_registrations_language(client, demo):
    path = await register(client, 1, language="es")
    await client.get("/?lang=fr")  # the reader's cookie says French, the browser English
    for page in (path, f"{path}/details", f"{path}/cancel", f"{path}/badge"):
        response = await client.get(page, headers={"Accept-Language": "en"})
        assert response.status_code == 200, page
        assert html_lang(response.text) == "es", page
        # The switch changes the registration's language: a form, not a link.
        assert f'action="{path}/language"' in response.text


async def test_participant_switches_language_on_the_private_page(client, demo):
    path = await register(client, 1, language="en")
    token = await csrf_token(client, f"{path}/details")
    response = await client.post(
        f"{path}/language",
        data={"language": "fr", "back": f"{path}/details", "_csrf_token": token},
        follow_redirects=False,
    )
    assert response.status_code == 303
    assert response.headers["location"] == f"{path}/details"
    row = await Registration.select(Registration.language).first()
    assert row["language"] == "fr"
    page = await client.get(path, headers={"Accept-Language": "en"})
    assert html_lang(page.text) == "fr"
    # Emails follow: changing one's details now writes in French.
    changed = await submit(
        client,
        {
            "given_name": "Ana",
            "family_name": "Changed",
            "organization": "Mission",
            "position": "",
            "country": "CL",
            "language": "fr",
            "accessibility_needs": "",
        },
        path=f"{path}/details",
    )
    assert changed.status_code == 303, text_of(changed.text)
    (mail,) = await outbox_messages("registration-details-changed")
    assert mail["subject"].startswith("Les informations de votre inscription ont été modifiées")


async def test_language_switch_refuses_an_unknown_language_and_goes_home_otherwise(client, demo):
    path = await register(client, 1)
    token = await csrf_token(client, path)
    bad = await client.post(
        f"{path}/language", data={"language": "xx", "_csrf_token": token}, follow_redirects=False
    )
    assert bad.status_code == 422
    elsewhere = await client.post(
        f"{path}/language",
        data={"language": "es", "back": "https://evil.example/x", "_csrf_token": token},
        follow_redirects=False,
    )
    assert elsewhere.headers["location"] == path


async def test_personal_feed_speaks_the_registrations_language(client, demo):
    registration = await make_registration("idm-geneva")
    await Registration.update({Registration.language: "es"}).where(
        Registration.id == registration["id"]
    )
    response = await client.get(
        f"/r/{registration['feed_token']}/agenda.ics?lang=fr", headers={"Accept-Language": "fr"}
    )
    calendar = Calendar.from_ical(response.content)
    assert str(calendar["X-WR-CALNAME"]).startswith("Mi programa: ")
