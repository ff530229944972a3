"""The demo loader: dates moved to the coming year, local times right, and idempotent."""

from datetime import UTC, date, datetime

from idmevents.demo import coming_first_day, load_demo
from idmevents.meetings.tables import Meeting, MeetingSession, Panelist, Room, SessionPanelist

NOW = datetime(2026, 11, 29, 12, 0, tzinfo=UTC)


async def snapshot() -> dict:
    return {
        table._meta.tablename: await table.select().order_by(table.id)
        for table in (Meeting, Room, MeetingSession, Panelist, SessionPanelist)
    }


def test_coming_first_day_keeps_iso_week_and_weekday():
    assert coming_first_day(date(2017, 4, 18), date(2026, 11, 29)) == date(2027, 4, 20)
    assert coming_first_day(date(2017, 7, 18), date(2026, 11, 29)) == date(2027, 7, 20)
    assert date(2027, 4, 20).isocalendar()[1:] == date(2017, 4, 18).isocalendar()[1:]


def test_coming_first_day_skips_a_day_already_past():
    assert coming_first_day(date(2017, 4, 18), date(2027, 4, 20)) == date(2028, 4, 18)


async def test_demo_places_both_workshops_with_registration_open():
    await load_demo(now=NOW)
    meetings = await Meeting.select(
        Meeting.slug, Meeting.starts_on, Meeting.ends_on, Meeting.timezone, Meeting.status
    ).order_by(Meeting.starts_on)
    assert meetings == [
        {
            "slug": "idm-new-york",
            "starts_on": date(2027, 4, 20),
            "ends_on": date(2027, 4, 21),
            "timezone": "America/New_York",
            "status": "published",
        },
        {
            "slug": "idm-geneva",
            "starts_on": date(2027, 7, 20),
            "ends_on": date(2027, 7, 21),
            "timezone": "Europe/Zurich",
            "status": "published",
        },
    ]
    windows = await Meeting.select(Meeting.registration_opens_at, Meeting.registration_closes_at)
    assert all(w["registration_opens_at"] < NOW < w["registration_closes_at"] for w in windows)


async def test_demo_sessions_are_stored_in_utc_from_local_time():
    await load_demo(now=NOW)
    ny = (
        await MeetingSession.select()
        .where(MeetingSession.uid == "idm-new-york-opening@idmevents")
        .first()
    )
    geneva = (
        await MeetingSession.select()
        .where(MeetingSession.uid == "idm-geneva-opening@idmevents")
        .first()
    )
    # 10:00 in New York in April is 14:00 UTC (EDT, UTC-4); 10:00 in Geneva in July is 08:00 UTC.
    assert ny["starts_at"] == datetime(2027, 4, 20, 14, 0, tzinfo=UTC)
    assert geneva["starts_at"] == datetime(2027, 7, 20, 8, 0, tzinfo=UTC)


async def test_demo_as_announced_uses_2017_dates():
    await load_demo(as_announced=True, now=NOW)
    days = await Meeting.select(Meeting.slug, Meeting.starts_on).order_by(Meeting.starts_on)
    assert days == [
        {"slug": "idm-new-york", "starts_on": date(2017, 4, 18)},
        {"slug": "idm-geneva", "starts_on": date(2017, 7, 18)},
    ]


async def test_demo_names_everyone_the_announcement_names():
    await load_demo(now=NOW)
    people = {
        row["name"]: row["position"]
        for row in await Panelist.select(Panelist.name, Panelist.position)
    }
    assert (
        people["William Lacy Swing"]
        == "Director General, International Organization for Migration (IOM)"
    )
    assert (
        people["Louise Arbour"]
        == "Special Representative of the Secretary-General for International Migration"
    )
    assert people["Amina J. Mohammed"] == "Deputy Secretary-General of the United Nations"
    assert people["Peter Thomson"].startswith(
        "President of the 71st session of the United Nations General Assembly"
    )
    assert people["Ahmed Hussen"] == "Minister of Immigration, Refugees and Citizenship of Canada"
    assert sum("Permanent Representative of Switzerland" in p for p in people.values()) == 1
    assert sum("Permanent Representative of Mexico" in p for p in people.values()) == 1


async def test_demo_twice_changes_nothing():
    await load_demo(now=NOW)
    first = await snapshot()
    await load_demo(now=datetime(2026, 11, 30, tzinfo=UTC))
    assert await snapshot() == first


async def test_demo_moving_dates_bumps_sequence_and_keeps_uids():
    await load_demo(now=NOW)
    before = {r["uid"]: r for r in await MeetingSession.select()}
    await load_demo(as_announced=True, now=NOW)
    after = {r["uid"]: r for r in await MeetingSession.select()}
    assert set(after) == set(before)
    assert all(after[uid]["sequence"] == before[uid]["sequence"] + 1 for uid in before)
    assert all(after[uid]["id"] == before[uid]["id"] for uid in before)


async def test_demo_has_illustrative_delegations_for_both_workshops_once():
    from idmevents.delegations import services as delegations
    from idmevents.delegations.tables import Delegation

    await load_demo(now=NOW)
    await load_demo(now=NOW)
    rows = await Delegation.select(Delegation.meeting.slug, Delegation.country)
    by_meeting: dict[str, set[str]] = {}
    for row in rows:
        by_meeting.setdefault(row["meeting.slug"], set()).add(row["country"])
    assert by_meeting == {
        "idm-new-york": {"MX", "PH", "MA", "DE"},
        "idm-geneva": {"CH", "EC", "NG", "LK"},
    }
    geneva = await Meeting.select().where(Meeting.slug == "idm-geneva").first()
    assert await delegations.held_seats(geneva["id"]) == 12


async def test_demo_carries_french_and_spanish_for_both_workshops():
    from idmevents import content

    await load_demo(now=NOW)
    meetings = {m["slug"]: m for m in await Meeting.select()}
    for slug in ("idm-new-york", "idm-geneva"):
        texts = content.load(meetings[slug]["translations"])
        assert set(texts) == {"fr", "es"}
        for lang in ("fr", "es"):
            assert {"title", "theme", "description", "city", "venue_name", "venue_address"} <= set(
                texts[lang]
            ), (slug, lang)
    ny = content.load(meetings["idm-new-york"]["translations"])
    assert (
        ny["fr"]["title"]
        == "Dialogue international sur la migration 2017 — Premier atelier, New York"
    )
    assert (
        ny["es"]["title"]
        == "Diálogo Internacional sobre la Migración 2017 — Primer taller, Nueva York"
    )
    assert ny["fr"]["theme"].startswith(
        "Renforcer la coopération internationale en matière de migration et la gouvernance des migrations"
    )
    assert ny["es"]["theme"].endswith("para la migración segura, ordenada y regular en 2018")
    geneva = content.load(meetings["idm-geneva"]["translations"])
    assert (geneva["fr"]["city"], geneva["es"]["city"]) == ("Genève", "Ginebra")
    # IOM keeps the acronym IDM in every language, as the logo does (not "DIM").
    for lang in ("fr", "es"):
        assert "(IDM)" in ny[lang]["description"], lang
        for texts in (ny, geneva):
            assert "DIM" not in " ".join(texts[lang].values()), lang
    # Every session, room and panelist position has both languages.
    for row in await MeetingSession.select():
        assert set(content.load(row["translations"])) == {"fr", "es"}, row["title"]
        assert all(content.load(row["translations"])[lang]["title"] for lang in ("fr", "es"))
    for row in await Room.select():
        assert set(content.load(row["translations"])) == {"fr", "es"}, row["name"]
    for row in await Panelist.select():
        texts = content.load(row["translations"])
        assert texts["fr"]["position"] and texts["es"]["position"], row["name"]
    opening = (
        await MeetingSession.select()
        .where(MeetingSession.uid == "idm-new-york-opening@idmevents")
        .first()
    )
    assert content.load(opening["translations"])["es"]["title"] == "Sesión de apertura"


async def test_demo_translations_reload_without_new_sequences():
    await load_demo(now=NOW)
    before = await MeetingSession.select(MeetingSession.uid, MeetingSession.sequence)
    await load_demo(now=NOW)
    assert await MeetingSession.select(MeetingSession.uid, MeetingSession.sequence) == before
