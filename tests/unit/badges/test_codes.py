"""Check-in codes: their shape, what normalizes to one, and which codes verify."""

import re

import pytest

from idmevents.badges import codes

KEY = "test-secret-key-not-for-production"


@pytest.fixture(autouse=True)
def clean_database():
    """Pure functions: no database to empty before each test."""


def test_code_is_twenty_characters_a_scanner_can_type():
    code = codes.make_code(codes.new_checkin_id(), 1, KEY)
    assert re.fullmatch(r"1[0-9ABCDEFGHJKMNPQRSTVWXYZ]{19}", code)


def test_code_verifies_for_its_meeting_and_key():
    code = codes.make_code("ABCDE1234", 7, KEY)
    assert codes.verify(code, 7, KEY) is True


def test_code_signed_with_another_key_is_refused():
    code = codes.make_code("ABCDE1234", 7, "another installation's key")
    assert codes.verify(code, 7, KEY) is False


def test_code_for_another_meeting_is_refused():
    code = codes.make_code("ABCDE1234", 8, KEY)
    assert codes.verify(code, 7, KEY) is False


@pytest.mark.parametrize("position", [1, 5, 9, 10, 15, 19])
def test_code_with_one_character_changed_is_refused(position):
    code = codes.make_code("ABCDE1234", 7, KEY)
    changed = "0" if code[position] != "0" else "1"
    tampered = code[:position] + changed + code[position + 1 :]
    assert codes.verify(tampered, 7, KEY) is False


def test_code_that_is_not_shaped_like_one_does_not_verify():
    assert codes.verify("1" + "A" * 18, 7, KEY) is False
    assert codes.verify("", 7, KEY) is False


def test_the_key_is_derived_for_check_in_codes_only():
    assert codes.derive_key(KEY) != KEY.encode()
    assert len(codes.derive_key(KEY)) == 32


@pytest.mark.parametrize(
    "typed",
    [
        "1ABCDEFGHJKMNPQRSTVW",
        "1abcdefghjkmnpqrstvw",
        "1ABCD-EFGHJ-KMNPQ-RSTVW",
        "  1ABCD EFGHJ KMNPQ RSTVW\n",
    ],
)
def test_normalize_accepts_a_code_as_scanned_or_typed(typed):
    assert codes.normalize(typed) == "1ABCDEFGHJKMNPQRSTVW"


def test_normalize_reads_letters_mistaken_for_digits_as_digits():
    assert codes.normalize("1OILABCDEFGHJKMNPQRS") == "1011ABCDEFGHJKMNPQRS"


@pytest.mark.parametrize(
    "typed",
    [
        "Lindqvist-Abrahamsson",  # 20 code letters once the hyphen goes, but a name
        "IABCDEFGHJKMNPQRSTVW",  # the version must be the digit itself
        "1ABCDEFGHJKMNPQRSTV",  # one short
        "1ABCDEFGHJKMNPQRSTVWX",  # one long
        "1ABCDEFGHJKMNPQRSTVU",  # U is not in the alphabet
        "Jürg Lauber",
        "",
    ],
)
def test_normalize_refuses_what_is_not_a_code(typed):
    assert codes.normalize(typed) is None


def test_display_groups_the_code_by_five():
    assert codes.display("1ABCDEFGHJKMNPQRSTVW") == "1ABCD-EFGHJ-KMNPQ-RSTVW"


def test_checkin_ids_are_random():
    ids = {codes.new_checkin_id() for _ in range(1000)}
    assert len(ids) == 1000
    assert all(re.fullmatch(r"[0-9ABCDEFGHJKMNPQRSTVWXYZ]{9}", value) for value in ids)
