"""Reading tables as people and spreadsheets make them: one reader for every import (DUO school lists, absence).

What it understands, on the way in:

- **XLSX** (recognised by its content, a ZIP with an OOXML workbook): the first sheet, read with openpyxl in
  read-only mode, so rows stream and memory stays flat. Cells keep their type (numbers, dates); use
  :func:`cell_text` for text and :func:`parse_date` for dates.
- **CSV / text** in these encodings, decided from the bytes, never guessed from a few letters:
  a BOM first (UTF-8, UTF-16 LE/BE: Excel's "Unicode text" export, which is tab-separated); UTF-16 without a BOM
  when every other byte of the start is NUL; otherwise UTF-8 when the whole file decodes as UTF-8; otherwise
  Windows-1252 (what Excel on Windows writes as "CSV"); otherwise latin-1, which reads any byte.
- Excel's ``sep=;`` first line (a hint Excel writes and reads; the line is not part of the table).
- The delimiter: ``;`` (Dutch Excel), ``,`` or tab, whichever the header line holds most.
- Dates where a date is expected (:func:`parse_date`): date cells, Excel serial numbers (45992 is 2025-12-01,
  counted as Excel does, `openpyxl.utils.datetime.from_excel`), and the Dutch ways to write one (31-12-2026,
  31/12/2026, 31.12.2026, 2026-12-31, 31 december 2026, 31 dec. 2026), with ASCII digits only.

Rows are lists of cells, header first. Text cells are ``str``; XLSX cells may be ``int``, ``float``, ``datetime``
or ``bool`` (empty cells are ``""``).
"""

from __future__ import annotations

import codecs
import csv
import io
import os
import re
import shutil
import tempfile
import zipfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime
from itertools import chain
from typing import IO, Any, cast

from django.utils.translation import gettext as _

Source = str | os.PathLike[str] | IO[bytes] | IO[str]

PROBE = 1 << 16
ZIP_MAGIC = b"PK\x03\x04"
DELIMITERS = (";", "\t", ",")
_CODEC_NAMES = {"utf-8-sig": "utf-8", "utf-16-le": "utf-16", "utf-16-be": "utf-16"}
_SEP_LINE = re.compile(r'^"?sep=(.)"?[,;\t]*$', re.IGNORECASE)


class UnreadableFile(Exception):
    """The file cannot be read as a table at all (binary, damaged); ``reason`` is a translated message."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass
class Table:
    """An opened table: its rows (header first), how it was read, and how far reading has come (0..1)."""

    rows: Iterator[list[Any]]
    encoding: str  # "utf-8", "utf-16", "cp1252", "latin-1", "xlsx"
    delimiter: str  # "" for XLSX
    fraction: Callable[[], float]


# --- encodings ------------------------------------------------------------------------------------------------


def detect_encoding(raw: IO[bytes]) -> str:
    """The Python codec that reads this seekable binary file; the position is left where it was.

    Order: BOM (``utf-8-sig``, ``utf-16``), UTF-16 without BOM (NUL bytes in every other place of the start),
    UTF-8 when the whole file decodes, ``cp1252``, ``latin-1``. Raises nothing: latin-1 reads any byte.
    """
    start = raw.tell()
    head = raw.read(PROBE)
    raw.seek(start)
    if head.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    sample = head[:4096]
    if len(sample) >= 4:
        even, odd = sample[0::2], sample[1::2]
        if odd.count(0) > 0.4 * len(odd) and even.count(0) == 0:
            return "utf-16-le"
        if even.count(0) > 0.4 * len(even) and odd.count(0) == 0:
            return "utf-16-be"
    for encoding in ("utf-8", "cp1252"):
        decoder = codecs.getincrementaldecoder(encoding)()
        try:
            while chunk := raw.read(PROBE):
                decoder.decode(chunk)
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            continue
        finally:
            raw.seek(start)
        return encoding
    return "latin-1"


def sniff_delimiter(line: str) -> str:
    """The delimiter a header line uses: the one of ``;``, tab and ``,`` it holds most (``;`` when none)."""
    counts = {d: line.count(d) for d in DELIMITERS}
    best = max(DELIMITERS, key=lambda d: counts[d])
    return best if counts[best] else ";"


def _is_xlsx(head: bytes, raw: IO[bytes]) -> bool:
    if not head.startswith(ZIP_MAGIC):
        return False
    start = raw.tell()
    try:
        with zipfile.ZipFile(raw) as archive:
            return "xl/workbook.xml" in archive.namelist()
    except (zipfile.BadZipFile, OSError):
        return False
    finally:
        raw.seek(start)


# --- opening --------------------------------------------------------------------------------------------------


@contextmanager
def open_table(source: Source, *, skip_initial_space: bool = False) -> Iterator[Table]:
    """Open a CSV/text or XLSX file (a path or a binary file object; a pipe is spooled) as a :class:`Table`.

    The rows are read while they are iterated. Raises :class:`UnreadableFile` for a file that is neither text nor
    a workbook (binary data, a damaged workbook); while iterating, rows raise it for damaged quoting or characters
    that cannot be decoded. ``skip_initial_space`` reads ``a; "b"`` as two cells ``a`` and ``b``. A caller's file
    object is left open.
    """
    if isinstance(source, str | os.PathLike):
        with open(source, "rb") as opened, open_table(opened, skip_initial_space=skip_initial_space) as table:
            yield table
        return
    if isinstance(source.read(0), str):  # already text (e.g. io.StringIO)
        text_source = cast("IO[str]", source)
        yield _csv_table(text_source, text_source, text_source.tell(), 1, "text", skip_initial_space)
        return
    raw = cast("IO[bytes]", source)
    if not raw.seekable():
        with tempfile.SpooledTemporaryFile(max_size=8 << 20) as spool:
            shutil.copyfileobj(raw, spool)
            spool.seek(0)
            with open_table(cast("IO[bytes]", spool), skip_initial_space=skip_initial_space) as table:
                yield table
        return
    start = raw.tell()
    head = raw.read(PROBE)
    raw.seek(start)
    if _is_xlsx(head, raw):
        with _xlsx_table(raw) as table:
            yield table
        return
    if head.startswith(ZIP_MAGIC):
        raise UnreadableFile(_("This is not a CSV file (it holds binary data). Export it as CSV or XLSX."))
    encoding = detect_encoding(raw)
    if b"\x00" in head and not encoding.startswith("utf-16"):
        raise UnreadableFile(_("This is not a CSV file (it holds binary data). Export it as CSV or XLSX."))
    raw.seek(0, io.SEEK_END)
    size = max(raw.tell() - start, 1)
    raw.seek(start)
    text = io.TextIOWrapper(cast("io.BufferedReader", raw), encoding=encoding, newline="")
    try:
        yield _csv_table(text, raw, start, size, _CODEC_NAMES.get(encoding, encoding), skip_initial_space)
    finally:
        text.detach()


def _csv_table(text: IO[str], raw: IO[Any], start: int, size: int, encoding: str, skip_initial_space: bool) -> Table:
    try:
        first = text.readline()
    except UnicodeDecodeError:
        raise UnreadableFile(_("The file's characters cannot be read; save it as UTF-8 CSV.")) from None
    first = first.lstrip("\ufeff")
    sep = _SEP_LINE.match(first.rstrip("\r\n").strip(" "))
    if sep:  # Excel's "sep=;" hint names the delimiter; the line is not part of the table
        delimiter = sep.group(1)
        lines: Iterator[str] = iter(text)
    else:
        delimiter = sniff_delimiter(first)
        lines = chain((first,), text)  # chain never closes the caller's file

    def rows() -> Iterator[list[Any]]:
        reader = csv.reader(lines, delimiter=delimiter, skipinitialspace=skip_initial_space)
        try:
            yield from reader
        except UnicodeDecodeError:
            raise UnreadableFile(_("The file's characters cannot be read; save it as UTF-8 CSV.")) from None
        except csv.Error:
            raise UnreadableFile(_("The CSV file is damaged (unclosed quotes).")) from None

    def fraction() -> float:
        try:
            return min(max(raw.tell() - start, 0) / size, 1.0)
        except (ValueError, OSError):
            return 1.0

    return Table(rows=rows(), encoding=encoding, delimiter=delimiter, fraction=fraction)


@contextmanager
def _xlsx_table(raw: IO[bytes]) -> Iterator[Table]:
    from openpyxl import load_workbook

    try:
        workbook = load_workbook(raw, read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError, TypeError):
        raise UnreadableFile(_("The Excel file cannot be opened; it may be damaged.")) from None
    try:
        sheet = workbook.worksheets[0]
        total = max(sheet.max_row or 1, 1)
        state = {"row": 0}

        def rows() -> Iterator[list[Any]]:
            for values in sheet.iter_rows(values_only=True):
                state["row"] += 1
                yield ["" if v is None else v for v in values]

        yield Table(rows=rows(), encoding="xlsx", delimiter="", fraction=lambda: min(state["row"] / total, 1.0))
    finally:
        workbook.close()


# --- cells ----------------------------------------------------------------------------------------------------


def cell_text(value: Any) -> str:
    """A cell as text with single spaces: ``796.0`` (a number cell) -> ``"796"``, ``None`` -> ``""``."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return " ".join(str(value).split())


def is_ascii_digits(text: str) -> bool:
    """Only the digits 0-9 (``str.isdigit`` also accepts ``'³'``, ``'٣'``, ``'３'``, ``'३'``)."""
    return text.isascii() and text.isdigit()


MONTHS = {
    "januari": 1,
    "jan": 1,
    "februari": 2,
    "feb": 2,
    "maart": 3,
    "mrt": 3,
    "mar": 3,
    "april": 4,
    "apr": 4,
    "mei": 5,
    "juni": 6,
    "jun": 6,
    "juli": 7,
    "jul": 7,
    "augustus": 8,
    "aug": 8,
    "september": 9,
    "sep": 9,
    "sept": 9,
    "oktober": 10,
    "okt": 10,
    "oct": 10,
    "november": 11,
    "nov": 11,
    "december": 12,
    "dec": 12,
}
_DMY = re.compile(r"([0-9]{1,2})[-/.]([0-9]{1,2})[-/.]([0-9]{4})")
_YMD = re.compile(r"([0-9]{4})-([0-9]{1,2})-([0-9]{1,2})")
_D_MONTH_Y = re.compile(r"([0-9]{1,2})[ -]([a-z]+)\.?[ -]([0-9]{4})")
_TIME = re.compile(r"(?:[ T](?:0?0:00(?::00(?:\.0+)?)?))?")
_SERIAL = re.compile(r"[0-9]{5}(?:\.0+)?")
#: Excel serial numbers accepted as dates: 1927-05-18 .. 2173-10-14, so a BSN or an hour count is never one.
SERIAL_MIN, SERIAL_MAX = 10_000, 99_999


def parse_date(value: Any, formats: tuple[str, ...] = ()) -> date | None:
    """A cell where a date is expected -> the date, or None when it is not one (the caller says why, in Dutch).

    Accepted: ``date``/``datetime`` cells; Excel serial numbers 10000..99999 (int, float or text, 45992 ->
    2025-12-01, Excel's 1900 date system via openpyxl); text in ``formats`` (strptime formats) and the Dutch
    forms day-month-year with ``-``, ``/`` or ``.``, ISO ``2026-12-31``, ``31 december 2026``/``31 dec 2026``;
    a time of midnight after it is allowed. Only ASCII digits: ``strptime`` alone would accept ``'١٦-11-2026'``.
    """
    from openpyxl.utils.datetime import from_excel

    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool):
        if float(value).is_integer() and SERIAL_MIN <= value <= SERIAL_MAX:
            return from_excel(int(value)).date()  # type: ignore[no-any-return]
        return None
    text = " ".join(str(value).split()).lower()
    if not text or not text.isascii():
        return None
    if _SERIAL.fullmatch(text):
        return parse_date(int(float(text)))
    for fmt in formats:
        try:
            return datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    for pattern, order in ((_DMY, "dmy"), (_YMD, "ymd")):
        found = re.fullmatch(pattern.pattern + _TIME.pattern, text)
        if found:
            parts = dict(zip(order, (int(g) for g in found.groups()), strict=True))
            return _date(parts["y"], parts["m"], parts["d"])
    found = re.fullmatch(_D_MONTH_Y.pattern + _TIME.pattern, text)
    if found and found.group(2) in MONTHS:
        return _date(int(found.group(3)), MONTHS[found.group(2)], int(found.group(1)))
    return None


def _date(year: int, month: int, day: int) -> date | None:
    try:
        return date(year, month, day)
    except ValueError:
        return None
