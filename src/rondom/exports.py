"""Every table on a page can be downloaded as CSV (semicolon-separated, UTF-8 with BOM so Excel opens it in Dutch
settings) or XLSX. One function for all of them, so every download looks and behaves the same."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from decimal import Decimal
from typing import Any

from django.http import HttpResponse

FORMATS = ("csv", "xlsx")
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _cell(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, Decimal):
        return float(value)
    return value if isinstance(value, (int, float, str)) else str(value)


def table_response(filename: str, header: Sequence[str], rows: Iterable[Sequence[Any]], kind: str) -> HttpResponse:
    """`filename` without extension and without personal data; `kind` is "csv" or "xlsx"."""
    if kind not in FORMATS:
        raise ValueError(kind)
    if kind == "csv":
        out = io.StringIO()
        writer = csv.writer(out, delimiter=";")
        writer.writerow(header)
        writer.writerows([["" if v is None else v for v in row] for row in rows])
        response = HttpResponse("\ufeff" + out.getvalue(), content_type="text/csv; charset=utf-8")
    else:
        from openpyxl import Workbook

        book = Workbook()
        sheet = book.active
        sheet.title = filename[:31]
        sheet.append(list(header))
        for row in rows:
            sheet.append([_cell(v) for v in row])
        buffer = io.BytesIO()
        book.save(buffer)
        response = HttpResponse(buffer.getvalue(), content_type=XLSX)
    response["Content-Disposition"] = f'attachment; filename="{filename}.{kind}"'
    return response
