"""The CSV writer: what spreadsheet programs need to open the file as the organizers expect."""

from __future__ import annotations

import csv
import io

import pytest

from idmevents.registrations.export import BOM, defuse, spreadsheet_csv


def read_back(data: bytes, delimiter: str = ",") -> list[list[str]]:
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline=""), delimiter=delimiter))


def test_spreadsheet_csv_starts_with_bom_and_ends_lines_with_crlf():
    data = spreadsheet_csv(["Name"], [["Ana"], ["Bo"]])
    assert data == b"\xef\xbb\xbfName\r\nAna\r\nBo\r\n"
    assert data.decode("utf-8").startswith(BOM)


def test_spreadsheet_csv_keeps_accents_commas_quotes_and_line_breaks():
    rows = [
        ["José Álvarez", "Ministerio de Relaciones Exteriores, Chile"],
        ['Zoë "Zo" Müller', "Line one\nLine two"],
        ["Nguyễn Thị Minh Khai", "北京大学"],
    ]
    data = spreadsheet_csv(["Name", "Organization"], rows)
    assert read_back(data) == [["Name", "Organization"], *rows]
    # Quoted only where needed, quotes doubled.
    assert '"Ministerio de Relaciones Exteriores, Chile"' in data.decode("utf-8")
    assert '"Zoë ""Zo"" Müller"' in data.decode("utf-8")
    assert "\r\nNguyễn Thị Minh Khai,北京大学\r\n" in data.decode("utf-8")


@pytest.mark.parametrize(
    "typed",
    [
        "=1+1",
        '=HYPERLINK("http://evil.example","click")',
        "+41 22 717 9111",
        "-2+3",
        "@SUM(A1:A2)",
        "\t=1+1",
        "\r=1+1",
        "  =1+1",
        "\uff1d1+1",  # a full-width equals sign
    ],
)
def test_spreadsheet_csv_defuses_what_could_be_a_formula(typed):
    [_, row] = read_back(spreadsheet_csv(["Family name"], [[typed]]))
    assert row == ["'" + typed]


@pytest.mark.parametrize("text", ["Ana", "O'Brien", "Saint-Denis", "a=b", "100 %", ""])
def test_defuse_leaves_ordinary_text_alone(text):
    assert defuse(text) == text


def test_spreadsheet_csv_writes_numbers_and_blanks_as_they_are():
    [_, row] = read_back(spreadsheet_csv(["a", "b", "c", "d"], [[12, -3, None, 1.5]]))
    assert row == ["12", "-3", "", "1.5"]


def test_spreadsheet_csv_with_semicolons():
    data = spreadsheet_csv(
        ["Name", "Organization"], [["Zoë", "Voices; Rights, e.V."]], delimiter=";"
    )
    assert read_back(data, delimiter=";") == [
        ["Name", "Organization"],
        ["Zoë", "Voices; Rights, e.V."],
    ]
    assert data.decode("utf-8-sig") == 'Name;Organization\r\nZoë;"Voices; Rights, e.V."\r\n'


def test_spreadsheet_csv_refuses_other_delimiters():
    with pytest.raises(ValueError):
        spreadsheet_csv(["a"], [], delimiter="\t")
