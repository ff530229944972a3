"""The registrations desk through HTTP: the list, filters, search, counts, each action with its email
and audit entry, the registration's page with its history, and the CSV export."""

from __future__ import annotations

import csv
import html
import io
import re
from datetime import UTC, datetime

from idmevents.audit import PARTICIPANT
from idmevents.audit.tables import AuditEntry
from idmevents.mail import recipes
from idmevents.mail.tables import OutboxMessage
from idmevents.meetings.tables import Meeting
from idmevents.registrations import services
from idmevents.registrations.desk import listing
from idmevents.registrations.tables import CheckIn, Registration
from tests.factories.meetings import make_meeting
from tests.factories.registrations import add_people, desk_meeting
from tests.support.outbox import body_text, outbox_messages

DESK = "/admin/meetings/desk-meeting/registrations"


def text_of(page: str) -> str:
    """The page's visible text, each tag a space, white space folded, entities decoded."""
    page = re.sub(r"<(script|style)\b.*?</\1>", " ", page, flags=re.S)
    return html.unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", page))).strip()


async def signed_in(client, make_user, login, role: str = "organizer") -> dict:
    user, password = await make_user(role)
    response = await login(client, user["email"], password)
    assert response.status_code == 303
    return user


def csrf(client) -> str:
    return client.cookies.get("csrftoken")


async def post_form(client, path: str, data: dict | None = None, **extra):
    return await client.post(
        path, data={**(data or {}), "_csrf_token": csrf(client), **extra}, follow_redirects=False
    )


def listed_names(html: str) -> list[str]:
    """The names in the list, in its order ("Family, Given")."""
    return re.findall(r'href="/admin/registrations/\d+\?back=[^"]*">([^<]+)</a>', html)


async def status_of(registration_id: int) -> str:
    row = await Registration.select(Registration.status).where(Registration.id == registration_id)
    return row[0]["status"]


async def flashes(client, path: str) -> list[str]:
    page = await client.get(path)
    return [
        text_of(m)
        for m in re.findall(
            r'<p class="notice notice-\w+" role="status">(.*?)</p>', page.text, re.S
        )
    ]


# Who may see it ------------------------------------------------------------------------------


async def test_desk_anonymous_is_sent_to_login(client):
    response = await client.get("/admin/registrations", follow_redirects=False)
    assert (response.status_code, response.headers["location"]) == (
        303,
        "/admin/login?next=/admin/registrations",
    )


async def test_desk_checkin_staff_get_403(client, make_user, login):
    desk = await desk_meeting()
    await signed_in(client, make_user, login, "checkin")
    for path in (
        "/admin/registrations",
        DESK,
        f"{DESK}.csv",
        f"/admin/registrations/{desk.ids['zoe']}",
        "/admin/outbox",
    ):
        assert (await client.get(path)).status_code == 403, path
    await client.get("/admin/account")  # a page they may see, for a CSRF token
    response = await post_form(client, f"/admin/registrations/{desk.ids['zoe']}/approve")
    assert response.status_code == 403
    assert await status_of(desk.ids["zoe"]) == "pending"


# The list ------------------------------------------------------------------------------------


async def test_registrations_index_shows_the_next_meeting(client, make_user, login):
    await make_meeting(slug="later", title="Later workshop")
    await desk_meeting()
    from datetime import date

    from idmevents.meetings.tables import Meeting

    await Meeting.update(
        {Meeting.starts_on: date(2027, 9, 1), Meeting.ends_on: date(2027, 9, 2)}
    ).where(Meeting.slug == "later")
    await signed_in(client, make_user, login)
    page = await client.get("/admin/registrations")
    assert page.status_code == 200
    assert "<h1>Desk workshop</h1>" in page.text
    assert 'aria-current="page">Registrations</a>' in page.text
    chosen = await client.get("/admin/registrations?meeting=later")
    assert "<h1>Later workshop</h1>" in chosen.text
    assert (await client.get("/admin/registrations?meeting=nope")).status_code == 404


async def test_desk_lists_newest_first_and_sorts_by_name(client, make_user, login):
    await desk_meeting()
    await signed_in(client, make_user, login)
    page = await client.get(DESK)
    assert listed_names(page.text) == [
        "Waiting, Dan",
        "Zúñiga, Carla",
        "Pending, Bob",
        "Person, Ana",
        "Müller, Zoë",
        "Álvarez, José",
    ]
    by_name = await client.get(f"{DESK}?sort=name")
    # Accents do not send "Álvarez" after "Zúñiga".
    assert listed_names(by_name.text) == [
        "Álvarez, José",
        "Müller, Zoë",
        "Pending, Bob",
        "Person, Ana",
        "Waiting, Dan",
        "Zúñiga, Carla",
    ]
    assert 'aria-sort="ascending"' in by_name.text
    reverse = await client.get(f"{DESK}?sort=-name")
    assert listed_names(reverse.text)[0] == "Zúñiga, Carla"


async def test_desk_filters_by_status_category_country_session(client, make_user, login):
    desk = await desk_meeting()
    await signed_in(client, make_user, login)

    async def names(query: str) -> list[str]:
        page = await client.get(f"{DESK}?{query}&sort=name")
        assert page.status_code == 200, text_of(page.text)
        return listed_names(page.text)

    assert await names("status=pending") == ["Müller, Zoë", "Pending, Bob"]
    assert await names("status=waitlisted") == ["Waiting, Dan"]
    assert await names("category=member-state") == ["Álvarez, José", "Person, Ana"]
    assert await names("country=cl") == ["Álvarez, José"]
    assert await names(f"session={desk.side_event['id']}") == ["Álvarez, José", "Person, Ana"]
    assert await names(f"session={desk.plenary['id']}&status=waitlisted") == ["Waiting, Dan"]
    assert await names("status=rejected") == []


async def test_desk_search_ignores_case_and_accents(client, make_user, login):
    await desk_meeting()
    await signed_in(client, make_user, login)

    async def names(q: str) -> list[str]:
        page = await client.get(DESK, params={"q": q, "sort": "name"})
        return listed_names(page.text)

    assert await names("jose") == ["Álvarez, José"]
    assert await names("ZUNIGA") == ["Zúñiga, Carla"]
    assert await names("muller voices") == ["Müller, Zoë"]  # name and organization together
    assert await names("bob@example") == ["Pending, Bob"]  # email
    assert await names("mission") == ["Person, Ana"]
    assert await names("nobody") == []
    page = await client.get(DESK, params={"q": "nobody"})
    assert "No registration matches." in page.text


async def test_desk_bad_filters_are_named(client, make_user, login):
    await desk_meeting()
    await signed_in(client, make_user, login)
    page = await client.get(f"{DESK}?status=maybe&session=999999&country=XX&sort=size")
    assert page.status_code == 422
    text = text_of(page.text)
    assert "Some filters are not possible values." in text
    for field in ("status", "session", "country", "sort"):
        assert field in text
    huge = await client.get(f"{DESK}?session=99999999999999")
    assert huge.status_code == 422


async def test_desk_counts_seats_categories_and_sessions(client, make_user, login):
    desk = await desk_meeting()
    await signed_in(client, make_user, login)
    page = await client.get(DESK)
    text = text_of(page.text)
    assert "Capacity 3 Seats taken 3 Seats left 0 Waiting list 1 Awaiting approval 2" in text, text
    assert "Pending: 2 Confirmed: 3 Waiting list: 1 Rejected: 0 Cancelled: 0 Total: 6" in text
    # By category: member-state 2 confirmed; civil society 1 pending; media 1 pending...
    category_table = text.split("By category")[1].split("Sessions")[0]
    assert "Member State 0 2 0 0 0 67%" in category_table
    assert "Civil society 1 0 0 0 0 0%" in category_table
    assert "Academia 0 0 1 0 0 0%" in category_table
    sessions_table = text.split("By category")[1].split("Sessions")[1]
    assert "Side event" in sessions_table and "1 1 0 1" in sessions_table
    assert "Plenary" in sessions_table and "no limit 1 – 0" in sessions_table
    assert desk.ids  # the setup ran


async def test_desk_pages_through_the_list(client, make_user, login):
    await desk_meeting()
    await signed_in(client, make_user, login)
    page = await client.get(f"{DESK}?per_page=25&sort=name")
    assert "Showing 1–6 of 6" in text_of(page.text)
    assert 'rel="next"' not in page.text
    # Past the end: the last page.
    late = await client.get(f"{DESK}?page=40")
    assert len(listed_names(late.text)) == 6


async def test_a_common_name_is_counted_up_to_the_cap_in_three_languages(
    client, make_user, login, monkeypatch
):
    monkeypatch.setattr(listing, "COUNT_CAP", 50)
    desk = await desk_meeting()
    await add_people(desk.meeting, [("Ana", f"Müller {i:02d}") for i in range(60)])
    await signed_in(client, make_user, login)
    wordings = {
        "en": ("Showing 1–25 of more than 50", "Page 1 of more than 2", "Next"),
        "fr": ("1–25 sur plus de 50", "Page 1 sur plus de 2", "Suivante"),
        "es": ("1–25 de más de 50", "Página 1 de más de 2", "Siguiente"),
    }
    for language, (showing, pages, following) in wordings.items():
        page = await client.get(f"{DESK}?q=muller&sort=name&per_page=25&lang={language}")
        text = text_of(page.text)
        assert showing in text and pages in text, (language, text)
        assert f'rel="next">{following}</a>' in page.text
        assert listed_names(page.text)[:2] == ["Müller, Zoë", "Müller 00, Ana"]
    # Further on, the count goes as far as the page; at the end it is exact.
    third = text_of(
        (await client.get(f"{DESK}?q=muller&sort=name&per_page=25&page=3&lang=en")).text
    )
    assert "Showing 51–61 of 61" in third and "Page 3 of 3" in third
    # Without a search every registration is counted.
    everyone = text_of((await client.get(f"{DESK}?per_page=25&lang=en")).text)
    assert "Showing 1–25 of 66" in everyone and "Page 1 of 3" in everyone


# Actions -------------------------------------------------------------------------------------


async def test_approve_from_the_list_confirms_emails_and_audits(client, make_user, login):
    desk = await desk_meeting(capacity=10)
    user = await signed_in(client, make_user, login)
    await client.get(DESK)
    back = f"{DESK}?status=pending"
    response = await post_form(
        client, f"/admin/registrations/{desk.ids['zoe']}/approve", {"next": back}
    )
    assert (response.status_code, response.headers["location"]) == (303, back)
    assert await status_of(desk.ids["zoe"]) == "confirmed"
    [message] = await outbox_messages("registration-approved")
    assert message["To"].addresses[0].addr_spec == "zoe@example.org"
    audit = await AuditEntry.select(AuditEntry.user, AuditEntry.action, AuditEntry.actor).where(
        AuditEntry.action == "registration.approved"
    )
    assert audit == [
        {"user": user["id"], "action": "registration.approved", "actor": user["email"]}
    ]
    assert "Zoë Müller is confirmed; we emailed them." in await flashes(client, back)


async def test_approve_when_full_waitlists_unless_beyond_capacity(client, make_user, login):
    desk = await desk_meeting()
    await signed_in(client, make_user, login)
    detail = await client.get(f"/admin/registrations/{desk.ids['zoe']}")
    assert "The meeting is full." in text_of(detail.text)
    listed = text_of((await client.get(DESK)).text)
    assert "Every seat is taken: approving puts people at the end of the waiting list." in listed
    await post_form(client, f"/admin/registrations/{desk.ids['zoe']}/approve")
    assert await status_of(desk.ids["zoe"]) == "waitlisted"
    await post_form(
        client, f"/admin/registrations/{desk.ids['bob']}/approve", {"over_capacity": "yes"}
    )
    assert await status_of(desk.ids["bob"]) == "confirmed"
    summary = await AuditEntry.select(AuditEntry.summary, AuditEntry.data).where(
        (AuditEntry.entity_id == desk.ids["bob"]) & (AuditEntry.action == "registration.approved")
    )
    assert summary[0]["summary"] == "Bob Pending confirmed beyond capacity (4 of 3 seats)"
    page = await client.get(DESK)
    assert "Beyond capacity 1" in text_of(page.text)


async def test_reject_needs_a_reason_then_emails_it(client, make_user, login):
    desk = await desk_meeting()
    await signed_in(client, make_user, login)
    path = f"/admin/registrations/{desk.ids['bob']}"
    here = f"{path}?back=%2Fadmin%2Fregistrations%3Fstatus%3Dpending"
    await client.get(here)
    empty = await post_form(client, f"{path}/reject", {"reason": "   ", "next": here})
    assert empty.status_code == 422
    # Sent again from the page with the error, the form still comes back to where it started.
    assert f'name="next" value="{html.escape(here)}"' in empty.text
    assert 'href="/admin/registrations?status=pending">Back to the list' in empty.text
    assert "Give the reason: the person will read it." in text_of(empty.text)
    assert 'aria-invalid="true"' in empty.text
    assert await status_of(desk.ids["bob"]) == "pending"
    assert await outbox_messages("registration-rejected") == []
    bell = await post_form(client, f"{path}/reject", {"reason": "Press\x07 pass.", "next": here})
    assert bell.status_code == 422
    assert "Contains a character that cannot be shown." in text_of(bell.text)
    assert await status_of(desk.ids["bob"]) == "pending"

    response = await post_form(
        client, f"{path}/reject", {"reason": "Press accreditation goes through the UN,\r\nsorry."}
    )
    assert (response.status_code, response.headers["location"]) == (303, path)
    assert await status_of(desk.ids["bob"]) == "rejected"
    [message] = await outbox_messages("registration-rejected")
    assert "Press accreditation goes through the UN,\nsorry." in body_text(message)
    text = text_of((await client.get(path)).text)
    assert "The registration of Bob Pending is rejected; we emailed them the reason." in text
    assert "Registration rejected" in text  # the history


async def test_reject_confirmed_gives_the_seat_to_the_first_waiting(client, make_user, login):
    desk = await desk_meeting()
    await signed_in(client, make_user, login)
    await client.get(DESK)
    await post_form(
        client, f"/admin/registrations/{desk.ids['carla']}/reject", {"reason": "Duplicate."}
    )
    assert await status_of(desk.ids["carla"]) == "rejected"
    assert await status_of(desk.ids["dan"]) == "confirmed"
    assert [
        m["To"].addresses[0].addr_spec for m in await outbox_messages("registration-promoted")
    ] == ["dan@example.org"]


async def test_promote_needs_a_free_seat_or_the_override(client, make_user, login):
    desk = await desk_meeting()
    await signed_in(client, make_user, login)
    path = f"/admin/registrations/{desk.ids['dan']}"
    page = await client.get(path)
    assert "Every seat is taken" in text_of(page.text)
    refused = await post_form(client, f"{path}/promote")
    assert refused.status_code == 303
    assert await status_of(desk.ids["dan"]) == "waitlisted"
    assert "The meeting is full: there is no free seat to promote anyone to." in await flashes(
        client, path
    )
    await post_form(client, f"{path}/promote", {"over_capacity": "yes"})
    assert await status_of(desk.ids["dan"]) == "confirmed"
    assert len(await outbox_messages("registration-promoted")) == 1
    audit = await AuditEntry.select(AuditEntry.summary).where(
        AuditEntry.action == "registration.promoted"
    )
    assert audit == [{"summary": "Dan Waiting confirmed beyond capacity (4 of 3 seats)"}]


async def test_cancel_asks_first_then_cancels_and_moves_the_list(client, make_user, login):
    desk = await desk_meeting()
    await signed_in(client, make_user, login)
    path = f"/admin/registrations/{desk.ids['jose']}"
    confirm = await client.get(f"{path}/cancel")
    assert confirm.status_code == 200
    text = text_of(confirm.text)
    assert "Cancel the registration of José Álvarez?" in text
    assert "Their seat goes at once to the first person on the waiting list" in text
    assert await status_of(desk.ids["jose"]) == "confirmed"  # the GET changed nothing
    response = await post_form(client, f"{path}/cancel", {"next": path})
    assert response.headers["location"] == path
    assert await status_of(desk.ids["jose"]) == "cancelled"
    assert await status_of(desk.ids["dan"]) == "confirmed"
    [cancelled] = await outbox_messages("registration-cancelled")
    assert cancelled["To"].addresses[0].addr_spec == "jose@example.org"
    # Ana was waiting for José's side-event place: she has it now.
    page = await client.get(f"/admin/registrations/{desk.ids['ana']}")
    assert "Side event — place" in text_of(page.text)
    again = await post_form(client, f"{path}/cancel")
    assert again.status_code == 303
    assert "This registration is already cancelled or turned down." in await flashes(client, path)


async def test_edit_details_saves_and_emails_what_changed(client, make_user, login):
    desk = await desk_meeting()
    await signed_in(client, make_user, login)
    path = f"/admin/registrations/{desk.ids['ana']}/edit"
    form = await client.get(path)
    assert 'value="Permanent Mission of the United States"' in form.text
    values = {
        "given_name": "Ana María",
        "family_name": "Person",
        "organization": "Permanent Mission of the United States",
        "position": "Counsellor",
        "country": "US",
        "language": "es",
        "accessibility_needs": "",
    }
    detail = f"/admin/registrations/{desk.ids['ana']}?back=%2Fadmin%2Fregistrations"
    bad = await post_form(client, path, values | {"given_name": "", "next": detail})
    assert bad.status_code == 422
    assert f'name="next" value="{html.escape(detail)}"' in bad.text
    assert "Enter your given name." in text_of(bad.text)
    response = await post_form(client, path, values)
    assert response.status_code == 303
    row = await Registration.select(
        Registration.given_name, Registration.position, Registration.language
    ).where(Registration.id == desk.ids["ana"])
    assert row == [{"given_name": "Ana María", "position": "Counsellor", "language": "es"}]
    assert len(await outbox_messages("registration-details-changed")) == 1
    audit = await AuditEntry.select(AuditEntry.summary).where(
        AuditEntry.action == "registration.details-changed"
    )
    assert audit == [{"summary": "given_name, position, language"}]


async def test_bulk_approve_gives_seats_in_order_of_registration(client, make_user, login):
    desk = await desk_meeting(capacity=5)  # José, Ana, Carla and Dan have four: one is free
    await signed_in(client, make_user, login)
    page = await client.get(f"{DESK}?status=pending")
    assert 'form="bulk-approve"' in page.text
    assert "Every seat is taken" not in page.text
    response = await client.post(
        f"{DESK}/approve",
        data={
            "ids": [str(desk.ids["bob"]), str(desk.ids["zoe"]), "abc", "0"],
            "next": f"{DESK}?status=pending",
            "_csrf_token": csrf(client),
        },
        follow_redirects=False,
    )
    assert response.status_code == 303
    # Zoë registered before Bob: she has the last seat, he waits.
    assert await status_of(desk.ids["zoe"]) == "confirmed"
    assert await status_of(desk.ids["bob"]) == "waitlisted"
    assert len(await outbox_messages("registration-approved")) == 2
    notices = await flashes(client, f"{DESK}?status=pending")
    assert notices == [
        "Confirmed and emailed: Zoë Müller.",
        "The meeting is full: approved onto the waiting list and emailed: Bob Pending.",
    ]


async def test_bulk_approve_with_nothing_chosen_says_so(client, make_user, login):
    await desk_meeting()
    await signed_in(client, make_user, login)
    await client.get(DESK)
    response = await post_form(client, f"{DESK}/approve")
    assert response.headers["location"] == DESK
    assert await flashes(client, DESK) == ["Choose at least one registration awaiting approval."]


async def test_action_without_csrf_token_is_refused(client, make_user, login):
    desk = await desk_meeting()
    await signed_in(client, make_user, login)
    response = await client.post(f"/admin/registrations/{desk.ids['zoe']}/approve")
    assert response.status_code == 403
    assert await status_of(desk.ids["zoe"]) == "pending"


async def test_registration_page_shows_history_and_emails(client, make_user, login):
    desk = await desk_meeting()
    await recipes.render_waiting()  # as the worker does, moments after each registration
    await signed_in(client, make_user, login)
    await client.get(DESK)
    await post_form(client, f"/admin/registrations/{desk.ids['zoe']}/reject", {"reason": "No."})
    page = await client.get(
        f"/admin/registrations/{desk.ids['zoe']}?back=/admin/registrations?status%3Dpending"
    )
    text = text_of(page.text)
    assert page.headers["cache-control"] == "no-store"
    assert 'href="/admin/registrations?status=pending">Back to the list' in page.text
    history = text.split("History")[1].split("Emails")[0]
    assert "Registration rejected" in history and "Registered" in history
    emails = text.split("Emails")[1]
    subjects = [
        row["subject"]
        for row in await OutboxMessage.select(OutboxMessage.subject)
        .where(OutboxMessage.registration == desk.ids["zoe"])
        .order_by(OutboxMessage.id, ascending=False)
    ]
    assert len(subjects) == 2
    assert emails.index(subjects[0]) < emails.index(subjects[1])
    # The decision forms are gone once rejected; editing stays.
    assert "Reason for rejecting" in text and "Edit details" in text
    assert 'name="reason"' not in page.text


async def test_registration_page_of_unknown_id_is_404(client, make_user, login):
    await signed_in(client, make_user, login)
    assert (await client.get("/admin/registrations/12345")).status_code == 404
    assert (await client.get("/admin/registrations/99999999999999")).status_code == 404


# CSV -----------------------------------------------------------------------------------------


def parse_csv(body: bytes, delimiter: str = ",") -> list[list[str]]:
    assert body.startswith(b"\xef\xbb\xbf")
    text = body.decode("utf-8-sig")
    return list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter))


async def test_csv_export_opens_with_accents_commas_and_no_formulas(client, make_user, login):
    desk = await desk_meeting()
    await Registration.update(
        {
            Registration.family_name: '=HYPERLINK("http://evil.example","x")',
            Registration.position: "+41 22 717 9111",
        }
    ).where(Registration.id == desk.ids["dan"])
    await signed_in(client, make_user, login)
    response = await client.get(f"{DESK}.csv?sort=name")
    assert response.status_code == 200
    assert response.headers["content-type"] == "text/csv; charset=utf-8"
    assert re.fullmatch(
        r'attachment; filename="desk-meeting-registrations-\d{4}-\d\d-\d\d\.csv"',
        response.headers["content-disposition"],
    )
    assert response.headers["cache-control"] == "no-store"
    body = response.content
    assert b"\r\n" in body and body.count(b"\n") == body.count(b"\r\n")
    rows = parse_csv(body)
    header = rows[0]
    assert header[:9] == [
        "ID", "Status", "Waiting list position", "Given name", "Family name", "Email",
        "Organization", "Position", "Category",
    ]  # fmt: skip
    by_email = {row[5]: dict(zip(header, row, strict=True)) for row in rows[1:]}
    assert len(by_email) == 6
    jose = by_email["jose@example.org"]
    assert (jose["Given name"], jose["Family name"]) == ("José", "Álvarez")
    assert jose["Organization"] == "Ministerio de Relaciones Exteriores, Chile"
    assert jose["Sessions"] == "Side event"
    assert jose["Country"] == "Chile"
    assert jose["Registered (America/New_York)"] == "2027-03-01 07:00"
    ana = by_email["ana@example.org"]
    assert ana["Sessions"] == "Side event (waiting list)"
    dan = by_email["dan@example.org"]
    assert dan["Family name"] == '\'=HYPERLINK("http://evil.example","x")'
    assert dan["Position"] == "'+41 22 717 9111"
    assert (dan["Status"], dan["Waiting list position"]) == ("Waiting list", "1")


async def test_csv_export_follows_the_filters_and_offers_semicolons(client, make_user, login):
    await desk_meeting()
    await signed_in(client, make_user, login)
    page = await client.get(f"{DESK}?status=pending")
    assert f'href="{DESK}.csv?status=pending"' in page.text
    assert f'href="{DESK}.csv?status=pending&amp;sep=semicolon"' in page.text
    response = await client.get(f"{DESK}.csv?status=pending&sep=semicolon")
    rows = parse_csv(response.content, delimiter=";")
    assert [row[4] for row in rows[1:]] == ["Pending", "Müller"]
    assert (await client.get(f"{DESK}.csv?sep=tab")).status_code == 422


async def test_desk_and_its_csv_in_french(client, make_user, login):
    desk = await desk_meeting()
    await signed_in(client, make_user, login)
    page = await client.get(f"{DESK}?lang=fr")
    text = text_of(page.text)
    assert "Places prises 3 Places restantes 0 Liste d'attente 1 En attente d'approbation 2" in text
    assert "1–6 sur 6" in text
    detail = text_of((await client.get(f"/admin/registrations/{desk.ids['dan']}?lang=fr")).text)
    assert "Numéro 1 sur la liste d'attente." in detail
    rows = parse_csv((await client.get(f"{DESK}.csv?lang=fr&status=waitlisted")).content)
    assert rows[0][:3] == ["ID", "Statut", "Position sur la liste d'attente"]
    assert rows[1][1:3] == ["Liste d'attente", "1"]


async def test_agenda_builder_links_to_the_meetings_desk(client, make_user, login):
    await desk_meeting()
    await signed_in(client, make_user, login)
    page = await client.get("/admin/meetings/desk-meeting")
    assert f'href="{DESK}">Registrations</a>' in page.text


async def test_desk_shows_who_has_arrived(client, make_user, login, api_token):
    desk = await desk_meeting()
    user = await signed_in(client, make_user, login)
    arrived = datetime(2027, 4, 20, 12, 45, tzinfo=UTC)
    await CheckIn.insert(
        CheckIn(
            registration=desk.ids["jose"],
            checked_in_at=arrived,
            checked_in_by=user["id"],
            desk="Main entrance",
        )
    )
    listed = text_of((await client.get(f"{DESK}?q=jose")).text)
    assert "Confirmed Checked in" in listed
    detail = text_of((await client.get(f"/admin/registrations/{desk.ids['jose']}")).text)
    assert f"Checked in Apr 20, 2027, 08:45 EDT · {user['email']} · Main entrance" in detail
    rows = parse_csv((await client.get(f"{DESK}.csv?q=jose")).content)
    assert dict(zip(rows[0], rows[1], strict=True))["Checked in (America/New_York)"] == (
        "2027-04-20 08:45"
    )
    _, token = await api_token("organizer")
    one = await client.get(
        f"/api/v1/registrations/{desk.ids['jose']}", headers={"Authorization": f"Bearer {token}"}
    )
    assert one.json()["checked_in_at"] == "2027-04-20T12:45:00Z"
    listed_api = await client.get(
        "/api/v1/meetings/desk-meeting/registrations",
        params={"q": "jose"},
        headers={"Authorization": f"Bearer {token}"},
    )
    assert listed_api.json()["items"][0]["checked_in_at"] == "2027-04-20T12:45:00Z"


# Email address, category, reinstating -------------------------------------------------------


async def audit_of(registration_id: int) -> list[tuple[str, str]]:
    rows = (
        await AuditEntry.select(AuditEntry.action, AuditEntry.actor)
        .where(AuditEntry.entity_id == registration_id)
        .order_by(AuditEntry.id)
    )
    return [(row["action"], row["actor"]) for row in rows]


async def outbox_after(registration_id: int, first_id: int) -> list[tuple[str, str]]:
    rows = (
        await OutboxMessage.select(OutboxMessage.kind, OutboxMessage.to_address)
        .where((OutboxMessage.registration == registration_id) & (OutboxMessage.id > first_id))
        .order_by(OutboxMessage.id)
    )
    return [(row["kind"], row["to_address"]) for row in rows]


async def last_outbox_id() -> int:
    rows = await OutboxMessage.select(OutboxMessage.id).order_by(OutboxMessage.id, ascending=False)
    return rows[0]["id"]


def edit_values(registration: dict, **changes: str) -> dict:
    """The edit form as the page fills it, with `changes` typed over it."""
    names = (
        "given_name",
        "family_name",
        "email",
        "organization",
        "position",
        "category",
        "country",
        "language",
        "accessibility_needs",
    )
    return {name: registration[name] for name in names} | changes


async def registration_row(registration_id: int) -> dict:
    return await Registration.select().where(Registration.id == registration_id).first()


async def test_edit_changes_the_address_and_the_category_and_tells_both_addresses(
    client, make_user, login
):
    desk = await desk_meeting()
    user = await signed_in(client, make_user, login)
    bob = await registration_row(desk.ids["bob"])
    path = f"/admin/registrations/{desk.ids['bob']}/edit"
    form = await client.get(path)
    assert 'type="email" id="field-email" name="email" value="bob@example.org"' in form.text
    assert '<option value="media" selected>Media</option>' in form.text
    assert "Needing approval at this meeting: Civil society, Media." in text_of(form.text)
    before = await last_outbox_id()

    response = await post_form(
        client, path, edit_values(bob, email="Bob.Pending@Example.org", category="academia")
    )

    detail = f"/admin/registrations/{desk.ids['bob']}"
    assert (response.status_code, response.headers["location"]) == (303, detail)
    row = await registration_row(desk.ids["bob"])
    # The meeting is full: no longer needing approval, Bob waits behind Dan.
    assert (row["email"], row["category"], row["status"]) == (
        "Bob.Pending@example.org",
        "academia",
        "waitlisted",
    )
    assert row["token"] != bob["token"]
    assert await outbox_after(desk.ids["bob"], before) == [
        ("registration-details-changed", "Bob.Pending@example.org"),
        ("registration-email-changed", "bob@example.org"),
        ("registration-waitlisted", "Bob.Pending@example.org"),
    ]
    assert (await audit_of(desk.ids["bob"]))[1:] == [
        ("registration.email-changed", user["email"]),
        ("registration.category-changed", user["email"]),
        ("registration.waitlisted", user["email"]),
    ]
    assert await flashes(client, detail) == [
        "The details of Bob Pending are saved; we emailed what changed to the new address, with "
        "a new link to their page, and told the old address.",
        "Their new category needs no approval, but the meeting is full: Bob Pending is on the "
        "waiting list (position 2); we emailed them.",
    ]
    history = text_of((await client.get(detail)).text).split("History")[1]
    assert "bob@example.org → Bob.Pending@example.org" in history
    assert "media → academia" in history


async def test_edit_address_of_another_registration_is_shown_beside_the_field(
    client, make_user, login
):
    desk = await desk_meeting()
    await signed_in(client, make_user, login)
    ana = await registration_row(desk.ids["ana"])
    path = f"/admin/registrations/{desk.ids['ana']}/edit"
    await client.get(path)
    before = await last_outbox_id()
    response = await post_form(
        client, path, edit_values(ana, email=" ZOE@example.org ", given_name="Ana María")
    )
    assert response.status_code == 409
    problem = (
        "Another registration for this meeting already has this address: "
        f"Zoë Müller (#{desk.ids['zoe']}, Awaiting approval)."
    )
    assert (
        f'<p class="field-error-message" id="email-error"><span class="visually-hidden">Error:'
        f"</span> {html.escape(problem)}</p>"
    ) in response.text
    assert 'name="email" value=" ZOE@example.org "' in response.text
    assert 'name="given_name" value="Ana María"' in response.text
    assert 'aria-describedby="email-hint email-error" aria-invalid="true"' in response.text
    assert await registration_row(desk.ids["ana"]) == ana
    assert await outbox_after(desk.ids["ana"], before) == []


async def test_edit_delegation_without_a_country_is_an_error_on_the_country(
    client, make_user, login
):
    desk = await desk_meeting()
    await signed_in(client, make_user, login)
    carla = await registration_row(desk.ids["carla"])
    path = f"/admin/registrations/{desk.ids['carla']}/edit"
    await client.get(path)
    response = await post_form(client, path, edit_values(carla, category="member-state"))
    assert response.status_code == 422
    text = text_of(response.text)
    assert (
        "Choose the country of your delegation: Member States and Observers must name it." in text
    )
    assert 'id="country-error"' in response.text
    assert '<option value="member-state" selected>Member State</option>' in response.text
    assert (await registration_row(desk.ids["carla"]))["category"] == "un-igo"


async def test_reinstate_a_cancelled_registration_after_registration_closed(
    client, make_user, login
):
    desk = await desk_meeting()
    user = await signed_in(client, make_user, login)
    await Meeting.update(
        {
            Meeting.registration_opens_at: datetime(2020, 1, 1, tzinfo=UTC),
            Meeting.registration_closes_at: datetime(2020, 2, 1, tzinfo=UTC),
        }
    ).where(Meeting.id == desk.meeting["id"])
    path = f"/admin/registrations/{desk.ids['jose']}"
    await client.get(path)
    await post_form(client, f"{path}/cancel")
    assert await status_of(desk.ids["dan"]) == "confirmed"  # José's seat went to Dan
    page = await client.get(path)
    assert (
        "Every seat is taken: reinstating puts José Álvarez at the end of the waiting list."
        in text_of(page.text)
    )
    assert f'action="{path}/reinstate"' in page.text
    before = await last_outbox_id()

    response = await post_form(client, f"{path}/reinstate", {"next": path})

    assert (response.status_code, response.headers["location"]) == (303, path)
    assert await status_of(desk.ids["jose"]) == "waitlisted"
    [(kind, to)] = await outbox_after(desk.ids["jose"], before)
    assert (kind, to) == ("registration-waitlisted", "jose@example.org")
    message = (await outbox_messages("registration-waitlisted"))[-1]
    assert message["To"].addresses[0].addr_spec == "jose@example.org"
    assert "at number 1." in body_text(message)
    assert (await audit_of(desk.ids["jose"]))[-1] == ("registration.reinstated", user["email"])
    assert await flashes(client, path) == [
        "The registration of José Álvarez is reinstated. The meeting is full: they are on the "
        "waiting list (position 1); we emailed them."
    ]
    # Reinstated, it can be decided again; reinstating twice is refused.
    again = await post_form(client, f"{path}/reinstate")
    assert again.status_code == 303
    assert await flashes(client, path) == [
        "Only a cancelled or rejected registration can be reinstated."
    ]


async def test_reconsider_a_rejected_registration(client, make_user, login):
    desk = await desk_meeting()
    await signed_in(client, make_user, login)
    path = f"/admin/registrations/{desk.ids['bob']}"
    await client.get(path)
    await post_form(client, f"{path}/reject", {"reason": "Press go through the UN."})
    page = text_of((await client.get(path)).text)
    assert "Reconsidering withdraws the rejection" in page and "Reinstate" not in page
    await post_form(client, f"{path}/reinstate")
    row = await registration_row(desk.ids["bob"])
    assert (row["status"], row["rejection_reason"]) == ("pending", "")
    [message] = await outbox_messages("registration-reconsidered")
    assert message["To"].addresses[0].addr_spec == "bob@example.org"
    assert await flashes(client, path) == [
        "The registration of Bob Pending is reconsidered: it awaits approval again; we emailed "
        "them."
    ]


async def test_admins_may_reinstate_and_edit_checkin_staff_may_not(client, make_user, login):
    desk = await desk_meeting()
    zoe = await registration_row(desk.ids["zoe"])
    await services.cancel(desk.ids["zoe"], by=PARTICIPANT, now=datetime.now(UTC))
    await signed_in(client, make_user, login, "checkin")
    await client.get("/admin/account")  # a page they may see, for a CSRF token
    path = f"/admin/registrations/{desk.ids['zoe']}"
    assert (await post_form(client, f"{path}/reinstate")).status_code == 403
    changed = edit_values(zoe, email="zoe@example.com")
    assert (await post_form(client, f"{path}/edit", changed)).status_code == 403
    assert await status_of(desk.ids["zoe"]) == "cancelled"
    client.cookies.clear()

    await signed_in(client, make_user, login, "admin")
    await client.get(path)
    refused = await client.post(f"{path}/reinstate", follow_redirects=False)  # no CSRF token
    assert refused.status_code == 403
    assert (await post_form(client, f"{path}/reinstate")).status_code == 303
    assert await status_of(desk.ids["zoe"]) == "pending"
    assert (await post_form(client, f"{path}/edit", changed)).status_code == 303
    assert (await registration_row(desk.ids["zoe"]))["email"] == "zoe@example.com"
