"""Every table on a page can be downloaded as CSV (semicolon-separated, UTF-8 with BOM so Excel opens it in Dutch
settings) or XLSX. One function for all of them, so every download looks and behaves the same.

This module is the ONLY place in the product that writes CSV or XLSX (a test greps the source and fails on a
`csv.writer` or an openpyxl `Workbook` anywhere else), so that no export can forget the formula-injection guard:

- **CSV/XLSX formula injection** (OWASP, "CSV Injection"): a spreadsheet program evaluates a cell that starts with
  `=`, `+`, `-`, `@`, a tab (0x09) or a carriage return (0x0D) as a formula, so free text such as a provider
  rating's explanation `=HYPERLINK(...)` would become a live link or worse. `neutralise` gives such a *text* cell a
  leading single quote (`'`); numbers (int, float, Decimal) stay numbers, negative ones included, and a text that
  is exactly a plain machine number (`-262.00`) is data, not a formula, and is left as it is.
- **XLSX**: every text cell is written as a string cell (openpyxl would otherwise store a string that starts
  with `=` as a formula). A text cell that starts with a trigger character keeps its literal text and gets Excel's
  own "quote prefix" flag — exactly what Excel stores when a person types `'=...` — so the sheet shows the text as
  written and editing the cell does not turn it into a formula either.
- **Machine values**: numbers in CSV are written with a decimal point (never Dutch formatting, never an exponent).
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Sequence
from decimal import Decimal
from typing import Any

from django.http import HttpResponse

FORMATS = ("csv", "xlsx")
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

#: The first characters with which a spreadsheet program starts a formula or a DDE command (OWASP CSV Injection).
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
#: A text that is only a plain number with a decimal point (e.g. a JSON-stored amount "-262.00") is not a formula.
_PLAIN_NUMBER = re.compile(r"[+-]?[0-9]+(\.[0-9]+)?")


def is_formula_like(text: str) -> bool:
    """True when a spreadsheet program would read `text` as a formula or command (see the module docstring)."""
    return text.startswith(FORMULA_TRIGGERS) and _PLAIN_NUMBER.fullmatch(text) is None


def neutralise(value: Any) -> Any:
    """One cell as it goes out to a CSV: None → "", numbers stay numbers (Decimal as plain decimal-point text),
    every other value as its text, with a leading `'` when it would start a formula.

    Example: `neutralise("=SUM(1+1)") == "'=SUM(1+1)"`, `neutralise(-3) == -3`, `neutralise("-3.50") == "-3.50"`."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, (int, float)):
        return value
    text = str(value)
    return "'" + text if is_formula_like(text) else text


def _xlsx_value(value: Any) -> Any:
    """One cell as it goes into an XLSX: numbers as numbers, everything else as text (never a formula), without
    the control characters XML cannot hold and at most the 32,767 characters a cell can hold."""
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    if value is None:
        return None
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, (int, float)):
        return value
    return ILLEGAL_CHARACTERS_RE.sub("", str(value))[:32767]


def _csv_bytes(header: Sequence[Any], rows: Iterable[Sequence[Any]]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";")
    writer.writerow([neutralise(v) for v in header])
    writer.writerows([[neutralise(v) for v in row] for row in rows])
    return "\ufeff" + out.getvalue()


def _xlsx_bytes(title: str, header: Sequence[Any], rows: Iterable[Sequence[Any]]) -> bytes:
    from openpyxl import Workbook
    from openpyxl.cell.cell import TYPE_STRING

    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = title[:31]
    for r, row in enumerate([header, *rows], start=1):
        for c, raw in enumerate(row, start=1):
            value = _xlsx_value(raw)
            if value is None:
                continue
            cell = sheet.cell(row=r, column=c)
            if isinstance(value, str):
                # Assigning a str lets openpyxl guess a formula from a leading "="; set the value and type directly.
                cell._value = value
                cell.data_type = TYPE_STRING
                if is_formula_like(value):
                    cell.quotePrefix = True
            else:
                cell.value = value
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def table_response(filename: str, header: Sequence[Any], rows: Iterable[Sequence[Any]], kind: str) -> HttpResponse:
    """A download of one table. `filename` without extension and without personal data; `kind` is "csv" or
    "xlsx"; `header` one label per column, `rows` the cells (str, numbers, Decimal, date, None or lazy text).

    Raises ValueError for another kind. Every cell passes the formula-injection guard of this module."""
    if kind not in FORMATS:
        raise ValueError(kind)
    if kind == "csv":
        response = HttpResponse(_csv_bytes(header, rows), content_type="text/csv; charset=utf-8")
    else:
        response = HttpResponse(_xlsx_bytes(filename, header, rows), content_type=XLSX)
    response["Content-Disposition"] = f'attachment; filename="{filename}.{kind}"'
    return response
