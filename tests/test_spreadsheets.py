"""The one spreadsheet reader of every import: encodings, Excel's sep= line, delimiters, XLSX, dates as cells."""

from __future__ import annotations

import io
from datetime import date, datetime

import pytest
from openpyxl import Workbook

from rondom import spreadsheets
from rondom.spreadsheets import UnreadableFile, cell_text, is_ascii_digits, open_table, parse_date

TABLE = [["BSN", "Naam"], ["100000071", "Çelik – Ş"]]


def _read(raw: bytes) -> tuple[list[list[object]], str, str]:
    with open_table(io.BytesIO(raw)) as table:
        return list(table.rows), table.encoding, table.delimiter


@pytest.mark.parametrize(
    ("raw", "encoding"),
    [
        ("BSN;Naam\r\n100000071;Çelik – Ş\r\n".encode(), "utf-8"),
        ("\ufeffBSN;Naam\n100000071;Çelik – Ş\n".encode(), "utf-8"),
        ("BSN\tNaam\r\n100000071\tÇelik – Ş\r\n".encode("utf-16"), "utf-16"),  # Excel's "Unicode text", with BOM
        ("\ufeffBSN\tNaam\r\n100000071\tÇelik – Ş\r\n".encode("utf-16-be"), "utf-16"),
        ("BSN\tNaam\r\n100000071\tÇelik – Ş\r\n".encode("utf-16-le"), "utf-16"),  # without a BOM
    ],
    ids=["utf-8", "utf-8 bom", "utf-16 le bom", "utf-16 be bom", "utf-16 le no bom"],
)
def test_unicode_encodings_are_read_from_their_bytes(raw: bytes, encoding: str) -> None:
    rows, found, _delimiter = _read(raw)
    assert rows == TABLE and found == encoding


def test_cp1252_is_read_when_the_file_is_not_utf8() -> None:
    rows, encoding, _delimiter = _read("BSN;Naam\r\n100000071;Café ’t Hoekje\r\n".encode("cp1252"))
    assert rows == [["BSN", "Naam"], ["100000071", "Café ’t Hoekje"]] and encoding == "cp1252"


def test_a_byte_that_cp1252_lacks_falls_back_to_latin1() -> None:
    rows, encoding, _delimiter = _read(b"BSN;Naam\n1;\x81x\n")
    assert encoding == "latin-1" and rows[1] == ["1", "\x81x"]


@pytest.mark.parametrize(
    ("first", "delimiter"), [("sep=;", ";"), ("sep=,", ","), ('"sep=;"', ";"), ("SEP=\t", "\t"), ("sep=|", "|")]
)
def test_excels_sep_line_names_the_delimiter_and_is_not_a_row(first: str, delimiter: str) -> None:
    body = "\n".join(delimiter.join(r) for r in TABLE)
    rows, _encoding, found = _read(f"{first}\n{body}\n".encode())
    assert rows == TABLE and found == delimiter


@pytest.mark.parametrize(("delimiter"), [";", ",", "\t"])
def test_the_delimiter_is_sniffed_from_the_header(delimiter: str) -> None:
    rows, _encoding, found = _read(("\n".join(delimiter.join(r) for r in TABLE) + "\n").encode())
    assert rows == TABLE and found == delimiter


def test_an_xlsx_is_read_by_its_content_with_typed_cells() -> None:
    book = Workbook()
    book.active.append(["BSN", "Datum", "Uur"])
    book.active.append([100000071, datetime(2026, 11, 16), 3.0])
    buffer = io.BytesIO()
    book.save(buffer)

    rows, encoding, _delimiter = _read(buffer.getvalue())

    assert encoding == "xlsx"
    assert rows == [["BSN", "Datum", "Uur"], [100000071, datetime(2026, 11, 16), 3]]


@pytest.mark.parametrize("raw", [b"\x89PNG\r\n\x1a\n\x00\x00", b"PK\x03\x04not really a workbook\x00"])
def test_binary_data_is_refused(raw: bytes) -> None:
    with pytest.raises(UnreadableFile):
        _read(raw)


def test_unclosed_quotes_are_refused_while_reading() -> None:
    with pytest.raises(UnreadableFile), open_table(io.BytesIO(b'a;b\n"x;y\n' + b"z" * 200_000)) as table:
        list(table.rows)


def test_a_pipe_is_spooled_and_read() -> None:
    class Pipe(io.RawIOBase):
        def __init__(self, data: bytes) -> None:
            self.data = io.BytesIO(data)

        def readable(self) -> bool:
            return True

        def readinto(self, buffer) -> int:  # type: ignore[no-untyped-def,override]
            chunk = self.data.read(len(buffer))
            buffer[: len(chunk)] = chunk
            return len(chunk)

    with open_table(io.BufferedReader(Pipe(b"sep=;\na;b\n1;2\n"))) as table:
        assert list(table.rows) == [["a", "b"], ["1", "2"]]


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (45992, date(2025, 12, 1)),
        (45992.0, date(2025, 12, 1)),
        ("45992", date(2025, 12, 1)),
        (46342, date(2026, 11, 16)),
        (datetime(2026, 11, 16, 0, 0), date(2026, 11, 16)),
        (date(2026, 11, 16), date(2026, 11, 16)),
        ("16-11-2026", date(2026, 11, 16)),
        ("6-1-2026", date(2026, 1, 6)),
        ("16/11/2026", date(2026, 11, 16)),
        ("16.11.2026", date(2026, 11, 16)),
        ("2026-11-16", date(2026, 11, 16)),
        ("16 november 2026", date(2026, 11, 16)),
        ("1 MRT 2026", date(2026, 3, 1)),
        ("16 okt. 2026", date(2026, 10, 16)),
        ("16-11-2026 00:00:00", date(2026, 11, 16)),
    ],
)
def test_dates_as_cells_serial_numbers_and_dutch_text(value: object, expected: date) -> None:
    assert parse_date(value) == expected


@pytest.mark.parametrize(
    "value",
    [
        "",
        "31-02-2026",
        "16-11-26",  # a two-digit year is not guessed
        "11/16/2026",  # American month first: no 16th month
        "16-11-2026 08:30",  # a moment, not a date
        "\u0661\u0666-11-2026",  # Arabic-Indic digits: strptime would read them
        "\uff11\uff16-11-2026",  # fullwidth
        "16-11-\u0968\u0966\u0968\u0966",  # Devanagari year
        100000071,  # a BSN in a date column is no serial date
        3,  # nor an hour
        True,
        "16 brumaire 2026",
    ],
)
def test_what_is_not_a_date_is_none(value: object) -> None:
    assert parse_date(value) is None


def test_the_mapping_format_is_tried_first() -> None:
    assert parse_date("20261116", ("%Y%m%d",)) == date(2026, 11, 16)


@pytest.mark.parametrize(
    ("text", "digits"),
    [("123", True), ("", False), ("12\u00b3", False), ("\u0661\u0662", False), ("\uff11", False), ("\u0967", False)],
)
def test_only_ascii_digits_are_digits(text: str, digits: bool) -> None:
    assert is_ascii_digits(text) is digits


@pytest.mark.parametrize(
    ("value", "text"), [(796.0, "796"), (796, "796"), (None, ""), ("  De  Esch ", "De Esch"), (2.5, "2.5")]
)
def test_cell_text(value: object, text: str) -> None:
    assert cell_text(value) == text


def test_serial_dates_outside_the_plausible_range_are_not_dates() -> None:
    assert parse_date(spreadsheets.SERIAL_MIN - 1) is None
    assert parse_date(spreadsheets.SERIAL_MAX + 1) is None
