"""PostgreSQL: a newcomer's registration decided and written in one statement, one round trip.

`registrations.services.register` calls `idmevents_register` for the common case (no session
choices) on PostgreSQL. The meeting row's lock is then held only inside the server, for the
microseconds the function runs, instead of across the round trips of a transaction driven from
Python: under a burst every other registration of the meeting waits on that lock, so its length
bounds how many registrations per second a meeting can take.

The function is a VOLATILE plpgsql function, so each statement in it sees what other transactions
committed before it ran: the counts read after the lock is taken are current (a single SQL
statement would count from a snapshot taken before it waited for the lock, and overbook).
Anything but the plain case it leaves to the Python path, which holds every rule, by answering an
outcome other than `created`:
- `gone`: no such meeting; `closed`: not open for registration now;
- `duplicate`: the email is already registered (the Python path emails its link again);
- `seats-free`: people are waiting while seats are free (the capacity was raised): the Python
  path gives them the seats first.
What it writes is what `_register_locked` writes: the registration, its announcement queued as a
recipe (`registrations.emails.announcement_recipe`), the audit entry. A test on PostgreSQL runs
both paths on the same input and compares the rows.

SQLite has no functions of this kind; there, the IMMEDIATE transaction serialises writers anyway.
"""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine.postgres import PostgresEngine
from piccolo.table import Table

ID = "2026-11-29T06:00:10:000000"
VERSION = "1.38.0"
DESCRIPTION = "PostgreSQL function idmevents_register: one round trip per registration"

# No braces anywhere below: Piccolo's raw() reads {} as a parameter.
FUNCTION = """
CREATE OR REPLACE FUNCTION idmevents_register(
    p_meeting integer, p_now timestamptz, p_values jsonb, p_message_id varchar
) RETURNS TABLE (
    outcome text, registration_id integer, status text, waitlist_seq integer,
    waitlist_position integer
)
LANGUAGE plpgsql VOLATILE AS $body$
DECLARE
    m meeting%ROWTYPE;
    v_status text;
    v_kind text;
    v_seq integer;
    v_position integer;
    v_confirmed integer;
    v_waiting integer;
    v_ranked integer;
    v_top integer;
    v_id integer;
BEGIN
    SELECT * INTO m FROM meeting WHERE id = p_meeting FOR UPDATE;
    IF NOT FOUND THEN
        RETURN QUERY SELECT 'gone'::text, NULL::integer, NULL::text, NULL::integer, NULL::integer;
        RETURN;
    END IF;
    IF m.status <> 'published'
        OR (m.registration_opens_at IS NOT NULL AND p_now < m.registration_opens_at)
        OR (m.registration_closes_at IS NOT NULL AND p_now >= m.registration_closes_at)
    THEN
        RETURN QUERY SELECT 'closed'::text, NULL::integer, NULL::text, NULL::integer, NULL::integer;
        RETURN;
    END IF;
    PERFORM 1 FROM registration r
        WHERE r.meeting = p_meeting AND r.email_key = p_values->>'email_key';
    IF FOUND THEN
        RETURN QUERY SELECT 'duplicate'::text, NULL::integer, NULL::text, NULL::integer, NULL::integer;
        RETURN;
    END IF;

    IF p_values->>'category' IN (SELECT json_array_elements_text(m.approval_categories)) THEN
        v_status := 'pending';
    ELSIF m.capacity IS NULL THEN
        v_status := 'confirmed';
    ELSE
        SELECT count(*) FILTER (WHERE r.status = 'confirmed'),
               count(*) FILTER (WHERE r.status = 'waitlisted'),
               count(*) FILTER (WHERE r.status = 'waitlisted' AND r.waitlist_seq IS NOT NULL),
               max(r.waitlist_seq)
            INTO v_confirmed, v_waiting, v_ranked, v_top
            FROM registration r WHERE r.meeting = p_meeting;
        IF v_waiting > 0 AND v_confirmed < m.capacity THEN
            RETURN QUERY SELECT 'seats-free'::text, NULL::integer, NULL::text, NULL::integer, NULL::integer;
            RETURN;
        END IF;
        IF v_confirmed < m.capacity THEN
            v_status := 'confirmed';
        ELSE
            v_status := 'waitlisted';
            v_seq := coalesce(v_top, 0) + 1;
            v_position := v_ranked + 1;
        END IF;
    END IF;

    INSERT INTO registration (
        meeting, token, feed_token, given_name, family_name, email, email_key, organization,
        position, category, country, language, accessibility_needs, status, waitlist_seq,
        rejection_reason, consented_at, created_at, updated_at, confirmed_at, cancelled_at,
        badge_printed_at, checkin_id
    ) VALUES (
        p_meeting, p_values->>'token', p_values->>'feed_token', p_values->>'given_name',
        p_values->>'family_name', p_values->>'email', p_values->>'email_key',
        p_values->>'organization', p_values->>'position', p_values->>'category',
        p_values->>'country', p_values->>'language', p_values->>'accessibility_needs',
        v_status, v_seq, '', p_now, p_now, p_now,
        CASE WHEN v_status = 'confirmed' THEN p_now END, NULL, NULL, NULL
    )
    ON CONFLICT DO NOTHING
    RETURNING id INTO v_id;
    IF v_id IS NULL THEN
        RETURN QUERY SELECT 'duplicate'::text, NULL::integer, NULL::text, NULL::integer, NULL::integer;
        RETURN;
    END IF;

    v_kind := CASE v_status
        WHEN 'pending' THEN 'received' WHEN 'confirmed' THEN 'confirmed' ELSE 'waitlisted' END;
    INSERT INTO outbox_message (
        message_id, kind, to_address, subject, raw, recipe, meeting, registration, status,
        attempts, next_attempt_at, claimed_until, last_error, created_at, sent_at
    ) VALUES (
        p_message_id, 'registration-' || v_kind, p_values->>'email', '', '',
        jsonb_build_object(
            'renderer', 'registration', 'email', v_kind, 'registration', v_id,
            'status', v_status, 'position', v_position,
            'invitation', CASE WHEN v_kind = 'confirmed' THEN 'REQUEST' END, 'sessions', false
        )::text,
        p_meeting, v_id, 'queued', 0, p_now, NULL, '', p_now, NULL
    );
    INSERT INTO audit_entry (
        at, "user", actor, action, entity_type, entity_id, meeting_slug, summary, data
    ) VALUES (
        p_now, NULL, 'participant', 'registration.created', 'registration', v_id,
        left(m.slug, 100),
        (p_values->>'given_name') || ' ' || (p_values->>'family_name') || ' registered: '
            || v_status,
        json_build_object()
    );
    RETURN QUERY SELECT 'created'::text, v_id, v_status, v_seq, v_position;
END
$body$
"""


class RawTable(Table):
    pass


def _on_postgres() -> bool:
    return isinstance(RawTable._meta.db, PostgresEngine)


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="idmevents", description=DESCRIPTION)

    async def create_function():
        if _on_postgres():
            await RawTable.raw(FUNCTION)

    async def drop_function():
        if _on_postgres():
            await RawTable.raw(
                "DROP FUNCTION IF EXISTS idmevents_register(integer, timestamptz, jsonb, varchar)"
            )

    manager.add_raw(create_function)
    manager.add_raw_backwards(drop_function)
    return manager
