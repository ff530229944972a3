"""The shared checks the agenda builder validates with: row ids, text and its line rules."""

from datetime import UTC, date, datetime

from idmevents import validation
from idmevents.meetings import builder


def test_row_ids_are_positive_32_bit_integers():
    assert [validation.is_row_id(v) for v in (1, validation.MAX_ID)] == [True, True]
    assert not any(
        validation.is_row_id(v) for v in (0, -1, validation.MAX_ID + 1, True, "1", 1.0, None)
    )
    # The builder's names are the same objects, for callers that still import them from there.
    assert (builder.MAX_ID, builder.is_row_id, builder.check_text) == (
        validation.MAX_ID,
        validation.is_row_id,
        validation.check_text,
    )


def check(value, limit=10, *, required=False, lines="any"):
    errors: dict[str, str] = {}
    values = {"field": value}
    validation.check_text(errors, values, "field", limit, required=required, lines=lines)
    return values["field"], errors.get("field")


def test_text_is_trimmed_and_by_default_may_hold_any_character():
    assert check("  Geneva \n") == ("Geneva", None)
    assert check(None) == ("", None)
    assert check("a\nb\x00c") == ("a\nb\x00c", None)
    assert check("", required=True)[1] == "Required."
    assert check("x" * 11)[1] == "At most 10 characters."
    assert check(3)[1] == "Must be text."


def test_single_line_text_refuses_any_line_break_or_control_character():
    for bad in ("a\nb", "a\rb", "a\u2028b", "a\x85b", "a\tb", "a\x00b"):
        assert check(bad, lines="single_line")[1] == validation.SINGLE_LINE_MESSAGE, repr(bad)
    assert check("  Palais des Nations  ", 40, lines="single_line") == (
        "Palais des Nations",
        None,
    )


def test_multi_line_text_keeps_line_breaks_and_tabs_only():
    # Stored with LF line ends, whatever the browser or client sent.
    assert check("a\r\nb\rc\n\td", lines="multi_line") == ("a\nb\nc\n\td", None)
    for bad in ("a\x00b", "a\x1bb", "a\x7fb", "a\x0bb"):
        assert check(bad, lines="multi_line")[1] == validation.MULTI_LINE_MESSAGE, repr(bad)


def test_days_and_instants():
    errors: dict[str, str] = {}
    values = {
        "day": datetime(2027, 4, 20, tzinfo=UTC),
        "ok": date(2027, 4, 20),
        "naive": datetime(2027, 4, 20, 10),
    }
    validation.check_day(errors, values, "day")
    validation.check_day(errors, values, "ok")
    validation.check_aware(errors, values, "naive")
    assert sorted(errors) == ["day", "naive"]
    assert validation.in_date_range(date(2027, 4, 20))
    assert not validation.in_date_range(date(207, 4, 20))
    assert not validation.in_date_range(date(2201, 1, 1))
    errors = {}
    far = {"day": date(9999, 12, 31), "at": datetime(1, 1, 1, 10, tzinfo=UTC)}
    validation.check_day(errors, far, "day")
    validation.check_aware(errors, far, "at")
    assert errors == {"day": validation.DATE_RANGE_MESSAGE, "at": validation.DATE_RANGE_MESSAGE}
