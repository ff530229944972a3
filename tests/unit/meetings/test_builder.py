"""The agenda builder's verbs: validation, local times, sequences, agenda changes, duplication."""

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from idmevents.audit import SYSTEM, Actor
from idmevents.errors import Conflict, InvalidInput
from idmevents.meetings import builder, panelists
from idmevents.meetings.builder import PanelistAssignment
from idmevents.meetings.tables import AgendaChange, Meeting, MeetingSession, Room, SessionPanelist
from idmevents.registrations import meeting_cancellation

NOW = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)
LATER = NOW + timedelta(hours=1)
NEW_YORK = ZoneInfo("America/New_York")
ZURICH = ZoneInfo("Europe/Zurich")


def ny(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2027, 4, day, hour, minute, tzinfo=NEW_YORK)


async def make_meeting(slug="idm-test", status="draft", **extra) -> dict:
    values = {
        "slug": slug,
        "title": "IDM test workshop",
        "timezone": "America/New_York",
        "starts_on": date(2027, 4, 20),
        "ends_on": date(2027, 4, 21),
        "status": status,
    } | extra
    return await builder.create_meeting(values, by=SYSTEM, now=NOW)


async def make_session(
    slug="idm-test", start=None, end=None, panelists=None, now=NOW, **extra
) -> dict:
    values = {
        "title": "Panel 1",
        "starts_at": start or ny(20, 10),
        "ends_at": end or ny(20, 11),
    } | extra
    return await builder.create_session(slug, values, panelists=panelists, by=SYSTEM, now=now)


async def test_create_meeting_names_every_bad_field():
    with pytest.raises(InvalidInput) as caught:
        await builder.create_meeting(
            {
                "slug": "Not A Slug",
                "title": " ",
                "timezone": "Mars/Olympus",
                "starts_on": date(2027, 4, 21),
                "ends_on": date(2027, 4, 20),
                "capacity": -1,
                "registration_opens_at": datetime(2027, 3, 1, tzinfo=UTC),
                "registration_closes_at": datetime(2027, 2, 1, tzinfo=UTC),
            },
            by=SYSTEM,
            now=NOW,
        )
    assert set(caught.value.fields) == {
        "slug",
        "title",
        "timezone",
        "ends_on",
        "capacity",
        "registration_closes_at",
    }
    assert await Meeting.count() == 0


async def test_create_meeting_rejects_naive_registration_time():
    with pytest.raises(InvalidInput) as caught:
        await make_meeting(registration_opens_at=datetime(2027, 3, 1, 9, 0))
    assert list(caught.value.fields) == ["registration_opens_at"]


async def test_create_meeting_duplicate_slug_is_a_conflict():
    await make_meeting()
    with pytest.raises(Conflict) as caught:
        await make_meeting()
    assert caught.value.fields == {"slug": "Taken by another meeting."}
    assert await Meeting.count() == 1


async def test_update_meeting_status_transitions():
    await make_meeting()
    published = await builder.publish_meeting("idm-test", by=SYSTEM, now=NOW)
    assert published["status"] == "published"
    with pytest.raises(Conflict):
        await builder.update_meeting("idm-test", {"status": "draft"}, by=SYSTEM, now=NOW)
    with pytest.raises(Conflict):  # the address is fixed once published
        await builder.update_meeting("idm-test", {"slug": "other"}, by=SYSTEM, now=NOW)
    cancelled = await meeting_cancellation.cancel_meeting("idm-test", by=SYSTEM, now=NOW)
    assert (cancelled.meeting["status"], cancelled.notified, cancelled.already) == (
        "cancelled",
        0,
        False,
    )


async def test_publish_with_clashes_needs_confirmation():
    await make_meeting()
    room = await builder.create_room("idm-test", name="Conference Room 4", by=SYSTEM, now=NOW)
    first = await make_session(room_id=room["id"])
    second = await make_session(title="Panel 2", room_id=room["id"])
    with pytest.raises(Conflict) as caught:
        await builder.publish_meeting("idm-test", by=SYSTEM, now=NOW)
    clashes = caught.value.extra["clashes"]
    assert [(c["kind"], [s["id"] for s in c["sessions"]]) for c in clashes] == [
        ("room-double-booked", [first["id"], second["id"]])
    ]
    assert (await builder.get_meeting_any("idm-test"))["status"] == "draft"
    meeting = await builder.publish_meeting("idm-test", by=SYSTEM, now=NOW, confirm_clashes=True)
    assert meeting["status"] == "published"


def test_local_instant_refuses_a_time_skipped_by_dst():
    # 14 March 2027: New York clocks jump from 02:00 to 03:00.
    with pytest.raises(builder.NonexistentLocalTime) as caught:
        builder.local_instant(date(2027, 3, 14), time(2, 30), "America/New_York")
    assert "02:30 does not exist on March 14, 2027 in America/New_York" in str(caught.value)


def test_local_instant_reads_a_repeated_time_as_its_first_occurrence():
    # 7 November 2027: 01:30 happens twice in New York; the first is still EDT (UTC-4).
    moment = builder.local_instant(date(2027, 11, 7), time(1, 30), "America/New_York")
    assert moment == datetime(2027, 11, 7, 5, 30, tzinfo=UTC)


async def test_session_end_must_follow_start_and_room_must_be_the_meetings():
    await make_meeting()
    await make_meeting(slug="other")
    elsewhere = await builder.create_room("other", name="Hall", by=SYSTEM, now=NOW)
    with pytest.raises(InvalidInput) as caught:
        await make_session(start=ny(20, 11), end=ny(20, 10), room_id=elsewhere["id"], kind="party")
    assert set(caught.value.fields) == {"ends_at", "room_id", "kind"}
    assert await MeetingSession.count() == 0


async def test_session_naive_times_are_refused():
    await make_meeting()
    with pytest.raises(InvalidInput) as caught:
        await make_session(start=datetime(2027, 4, 20, 10), end=datetime(2027, 4, 20, 11))
    assert set(caught.value.fields) == {"starts_at", "ends_at"}


async def test_draft_edits_bump_sequence_without_recording_changes():
    await make_meeting()
    session = await make_session()
    await builder.update_session(
        session["id"], {"starts_at": ny(20, 14), "ends_at": ny(20, 15)}, by=SYSTEM, now=LATER
    )
    row = await MeetingSession.select().where(MeetingSession.id == session["id"]).first()
    assert (row["sequence"], row["updated_at"]) == (1, LATER)
    assert await AgendaChange.count() == 0
    meeting = await builder.get_meeting_any("idm-test")
    assert meeting["agenda_changed_at"] == LATER


async def test_published_session_changes_are_recorded():
    await make_meeting(status="published")
    room_a = await builder.create_room("idm-test", name="Room A", by=SYSTEM, now=NOW)
    room_b = await builder.create_room("idm-test", name="Room B", by=SYSTEM, now=NOW)
    session = await make_session(room_id=room_a["id"])
    await builder.update_session(
        session["id"], {"starts_at": ny(20, 14), "ends_at": ny(20, 15)}, by=SYSTEM, now=LATER
    )
    await builder.update_session(session["id"], {"room_id": room_b["id"]}, by=SYSTEM, now=LATER)
    await builder.update_session(session["id"], {"title": "Panel 1"}, by=SYSTEM, now=LATER)
    await builder.set_session_status(session["id"], "cancelled", by=SYSTEM, now=LATER)
    await builder.set_session_status(session["id"], "scheduled", by=SYSTEM, now=LATER)
    changes = (
        await AgendaChange.select(
            AgendaChange.kind, AgendaChange.summary, AgendaChange.before, AgendaChange.after
        )
        .order_by(AgendaChange.id)
        .output(load_json=True)
    )
    assert [c["kind"] for c in changes] == ["added", "retimed", "moved", "cancelled", "restored"]
    assert changes[1]["summary"] == (
        "“Panel 1” moved from Apr 20, 2027 10:00–11:00 EDT to Apr 20, 2027 14:00–15:00 EDT."
    )
    assert changes[2]["summary"] == "“Panel 1” moved from Room A to Room B."
    assert changes[1]["before"]["starts_at"] == "2027-04-20T14:00:00+00:00"
    assert changes[1]["after"]["starts_at"] == "2027-04-20T18:00:00+00:00"
    row = await MeetingSession.select().where(MeetingSession.id == session["id"]).first()
    assert row["sequence"] == 4  # retimed, moved, cancelled, restored; the no-op edit is none


async def test_delete_cancels_a_published_session_and_erases_a_draft_one():
    await make_meeting(status="published")
    await make_meeting(slug="draft")
    published = await make_session()
    draft = await make_session(slug="draft")
    assert await builder.delete_session(published["id"], by=SYSTEM, now=LATER) == "cancelled"
    assert await builder.delete_session(draft["id"], by=SYSTEM, now=LATER) == "deleted"
    rows = await MeetingSession.select(MeetingSession.id, MeetingSession.status)
    assert rows == [{"id": published["id"], "status": "cancelled"}]


async def test_cancelled_meeting_agenda_is_frozen():
    await make_meeting()
    session = await make_session()
    await meeting_cancellation.cancel_meeting("idm-test", by=SYSTEM, now=NOW)
    with pytest.raises(Conflict):
        await builder.update_session(session["id"], {"title": "New"}, by=SYSTEM, now=LATER)


async def test_room_rename_bumps_its_sessions_and_delete_needs_an_empty_room():
    await make_meeting()
    room = await builder.create_room("idm-test", name="Room A", capacity=30, by=SYSTEM, now=NOW)
    session = await make_session(room_id=room["id"])
    with pytest.raises(Conflict):
        await builder.create_room("idm-test", name="room a", by=SYSTEM, now=NOW)
    await builder.update_room(room["id"], {"name": "Room A (renamed)"}, by=SYSTEM, now=LATER)
    row = await MeetingSession.select().where(MeetingSession.id == session["id"]).first()
    assert row["sequence"] == 1
    with pytest.raises(Conflict):
        await builder.delete_room(room["id"], by=SYSTEM, now=LATER)
    await builder.update_session(session["id"], {"room_id": None}, by=SYSTEM, now=LATER)
    await builder.delete_room(room["id"], by=SYSTEM, now=LATER)
    assert await Room.count() == 0


async def test_panelist_edit_bumps_sessions_in_every_meeting():
    await make_meeting()
    await make_meeting(slug="geneva", timezone="Europe/Zurich")
    person = await panelists.create_panelist(
        {"name": "Louise Arbour", "honorific": "Ms"}, by=SYSTEM, now=NOW
    )
    assignment = [PanelistAssignment(person["id"], "keynote")]
    a = await make_session()
    await builder.update_session(a["id"], {}, panelists=assignment, by=SYSTEM, now=NOW)
    b = await builder.create_session(
        "geneva",
        {"title": "Opening", "starts_at": ny(20, 3), "ends_at": ny(20, 4)},
        panelists=assignment,
        by=SYSTEM,
        now=NOW,
    )
    await panelists.update_panelist(person["id"], {"position": "SRSG"}, by=SYSTEM, now=LATER)
    rows = await MeetingSession.select(MeetingSession.id, MeetingSession.sequence).order_by(
        MeetingSession.id
    )
    assert rows == [{"id": a["id"], "sequence": 2}, {"id": b["id"], "sequence": 1}]
    meetings = await Meeting.select(Meeting.agenda_changed_at)
    assert meetings == [{"agenda_changed_at": LATER}, {"agenda_changed_at": LATER}]


async def test_panelist_slugs_are_made_unique():
    first = await panelists.create_panelist({"name": "Jürg Lauber"}, by=SYSTEM, now=NOW)
    second = await panelists.create_panelist({"name": "Jurg Lauber"}, by=SYSTEM, now=NOW)
    assert (first["slug"], second["slug"]) == ("jurg-lauber", "jurg-lauber-2")
    with pytest.raises(Conflict):
        await panelists.create_panelist(
            {"name": "Someone", "slug": "jurg-lauber"}, by=SYSTEM, now=NOW
        )
    with pytest.raises(InvalidInput) as caught:
        await panelists.create_panelist({"name": "", "email": "nope"}, by=SYSTEM, now=NOW)
    assert set(caught.value.fields) == {"name", "email"}


async def test_assign_panelist_places_them_in_order():
    await make_meeting()
    session = await make_session()
    people = [
        await panelists.create_panelist({"name": name}, by=SYSTEM, now=NOW)
        for name in ("Chair Person", "First Speaker", "Second Speaker")
    ]
    await builder.assign_panelist(
        session["id"], people[1]["id"], role="speaker", by=SYSTEM, now=NOW
    )
    await builder.assign_panelist(
        session["id"], people[2]["id"], role="speaker", by=SYSTEM, now=NOW
    )
    await builder.assign_panelist(
        session["id"], people[0]["id"], role="chair", order=1, by=SYSTEM, now=NOW
    )
    rows = await builder.session_panelists(session["id"])
    assert [(r["name"], r["role"], r["position"]) for r in rows] == [
        ("Chair Person", "chair", 1),
        ("First Speaker", "speaker", 2),
        ("Second Speaker", "speaker", 3),
    ]
    await builder.unassign_panelist(session["id"], people[1]["id"], by=SYSTEM, now=NOW)
    assert [r["name"] for r in await builder.session_panelists(session["id"])] == [
        "Chair Person",
        "Second Speaker",
    ]


async def test_duplicate_new_york_to_geneva_keeps_local_wall_clock(demo):
    source = await builder.get_meeting_any("idm-new-york")
    copy = await builder.duplicate_meeting(
        "idm-new-york",
        slug="idm-geneva-copy",
        starts_on=date(2027, 10, 5),
        timezone="Europe/Zurich",
        city="Geneva",
        by=SYSTEM,
        now=NOW,
    )
    assert (copy["starts_on"], copy["ends_on"], copy["status"]) == (
        date(2027, 10, 5),
        date(2027, 10, 6),
        "draft",
    )
    old = (
        await MeetingSession.select()
        .where(MeetingSession.meeting == source["id"])
        .order_by(MeetingSession.starts_at)
    )
    new = (
        await MeetingSession.select()
        .where(MeetingSession.meeting == copy["id"])
        .order_by(MeetingSession.starts_at)
    )
    assert len(new) == len(old)

    def local(rows, zone, first_day):
        return [
            (
                r["title"],
                (r["starts_at"].astimezone(zone).date() - first_day).days,
                r["starts_at"].astimezone(zone).time(),
                r["ends_at"].astimezone(zone).time(),
            )
            for r in rows
        ]

    assert local(new, ZURICH, date(2027, 10, 5)) == local(old, NEW_YORK, source["starts_on"])
    assert not {r["uid"] for r in new} & {r["uid"] for r in old}
    old_rooms = await Room.select(Room.name, Room.capacity).where(Room.meeting == source["id"])
    new_rooms = await Room.select(Room.name, Room.capacity).where(Room.meeting == copy["id"])
    assert sorted(new_rooms, key=str) == sorted(old_rooms, key=str)
    old_roles = await SessionPanelist.select(
        SessionPanelist.meeting_session.title, SessionPanelist.panelist, SessionPanelist.role
    ).where(SessionPanelist.meeting_session.meeting == source["id"])
    new_roles = await SessionPanelist.select(
        SessionPanelist.meeting_session.title, SessionPanelist.panelist, SessionPanelist.role
    ).where(SessionPanelist.meeting_session.meeting == copy["id"])
    assert sorted(new_roles, key=str) == sorted(old_roles, key=str)


async def test_timezone_change_keeps_sessions_local_times():
    await make_meeting()
    session = await make_session()
    await builder.update_meeting("idm-test", {"timezone": "Europe/Zurich"}, by=SYSTEM, now=LATER)
    row = await MeetingSession.select().where(MeetingSession.id == session["id"]).first()
    assert row["starts_at"] == datetime(2027, 4, 20, 10, tzinfo=ZURICH)
    assert row["sequence"] == 1


async def test_meeting_clashes_find_a_panelist_in_two_meetings():
    await make_meeting()
    await make_meeting(slug="geneva", timezone="Europe/Zurich")
    person = await panelists.create_panelist({"name": "Peter Thomson"}, by=SYSTEM, now=NOW)
    assignment = [PanelistAssignment(person["id"], "speaker")]
    here = await make_session(panelists=assignment)
    there = await builder.create_session(
        "geneva",
        {
            "title": "Geneva panel",
            "starts_at": datetime(2027, 4, 20, 16, 30, tzinfo=ZURICH),
            "ends_at": datetime(2027, 4, 20, 17, 30, tzinfo=ZURICH),
        },
        panelists=assignment,
        by=SYSTEM,
        now=NOW,
    )
    meeting = await builder.get_meeting_any("idm-test")
    found = await builder.meeting_clashes(meeting)
    assert [(c.kind, c.session_ids, c.meeting_slugs) for c in found] == [
        ("panelist-double-booked", (here["id"], there["id"]), ("idm-test", "geneva"))
    ]
    assert builder.describe_clash(found[0], "America/New_York") == (
        "Peter Thomson is in two sessions at once: “Panel 1” (Apr 20, 2027 10:00–11:00 EDT, "
        "idm-test) and “Geneva panel” (Apr 20, 2027 16:30–17:30 CEST, geneva)."
    )
    await panelists.add_unavailability(
        person["id"],
        starts_at=ny(20, 9),
        ends_at=ny(20, 10, 30),
        note="Travelling",
        by=SYSTEM,
        now=NOW,
    )
    kinds = [c.kind for c in await builder.meeting_clashes(meeting)]
    assert kinds == ["panelist-double-booked", "panelist-unavailable"]


async def test_changes_are_audited_with_who_and_what():
    from idmevents.audit.tables import AuditEntry

    by = Actor(None, "olga@example.org")
    await builder.create_meeting(
        {
            "slug": "idm-test",
            "title": "IDM test workshop",
            "timezone": "America/New_York",
            "starts_on": date(2027, 4, 20),
            "ends_on": date(2027, 4, 21),
        },
        by=by,
        now=NOW,
    )
    session = await builder.create_session(
        "idm-test",
        {"title": "Panel 1", "starts_at": ny(20, 10), "ends_at": ny(20, 11)},
        by=by,
        now=NOW,
    )
    await builder.set_session_status(session["id"], "cancelled", by=by, now=LATER)
    entries = await AuditEntry.select(
        AuditEntry.actor, AuditEntry.action, AuditEntry.entity_type, AuditEntry.meeting_slug
    ).order_by(AuditEntry.id)
    assert entries == [
        {"actor": "olga@example.org", "action": a, "entity_type": t, "meeting_slug": "idm-test"}
        for a, t in (
            ("meeting.create", "meeting"),
            ("session.create", "session"),
            ("session.cancel", "session"),
        )
    ]
