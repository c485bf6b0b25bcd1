from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from rondom.schoolcalendar.importer import HolidayFileError, load


class Command(BaseCommand):
    help = (
        "Load school holidays per region from a CSV or XLSX file (school_year;region;name;first_day;last_day), "
        "e.g. the next school year as published by the Rijksoverheid. All rows or none."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("file", type=Path)

    def handle(self, *args: Any, **options: Any) -> None:
        path: Path = options["file"]
        try:
            raw = path.read_bytes()
        except OSError as exc:
            raise CommandError(f"{path}: {exc.strerror}") from exc
        try:
            report = load(raw)
        except HolidayFileError as exc:
            raise CommandError("\n".join(exc.errors)) from exc
        years = ", ".join(f"{y}-{y + 1}" for y in sorted(report.school_years))
        self.stdout.write(f"School holidays of {years}: {report.created} added, {report.updated} updated.")
