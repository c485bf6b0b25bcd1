"""``manage.py import_duo_schools PATH [--school-type po] [--dry-run]``: read a DUO school list into Rondom."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from rondom.core.roles import SchoolType
from rondom.registry import duo

try:
    from tqdm import tqdm
except ImportError:  # pragma: no cover - tqdm is optional
    tqdm = None

PROGRESS_EVERY = 500


class Command(BaseCommand):
    help = (
        "Import schools from a DUO school-location list (CSV in any encoding Excel writes, or XLSX, from open "
        "onderwijsdata). Schools are matched on BRIN + vestiging, municipalities on their CBS code. "
        "All rows or none: a file with a bad row is refused and every bad row is listed. Importing the same "
        "file again changes nothing."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("path", help="the CSV or XLSX file, e.g. 03-alle-vestigingen-bo-adres.csv")
        parser.add_argument(
            "--school-type",
            choices=SchoolType.values,
            help="school type of every row of a file WITHOUT a type column (ONDERWIJSSTRUCTUUR, SOORT_VESTIGING, "
            "SOORT PO, ...); it never overrides what a row says: an unknown value is that row's error",
        )
        parser.add_argument("--dry-run", action="store_true", help="check and count, but save nothing")

    def handle(self, *args: Any, **options: Any) -> None:
        path = Path(options["path"])
        if not path.is_file():
            raise CommandError(f"Bestand niet gevonden: {path}")
        bar = tqdm(desc="Rijen gecontroleerd", unit=" rijen", file=sys.stderr, disable=None) if tqdm else None

        def progress(rows: int) -> None:
            if bar is not None:
                bar.update(1)
            elif rows % PROGRESS_EVERY == 0:
                self.stderr.write(f"{rows} rijen gecontroleerd ...")

        try:
            report = duo.import_schools(
                path, school_type=options["school_type"], dry_run=options["dry_run"], progress=progress
            )
        finally:
            if bar is not None:
                bar.close()

        if not report.ok:
            for error in report.errors:
                self.stderr.write(str(error))
            count = len(report.errors)
            raise CommandError(
                f"Het bestand is geweigerd: {count} {'fout' if count == 1 else 'fouten'} (zie hierboven). "
                "Er is niets ingelezen."
            )
        if report.dry_run:
            self.stdout.write("Proefrun: er is niets opgeslagen.")
        self.stdout.write(f"Nieuw: {report.created}, bijgewerkt: {report.updated}, ongewijzigd: {report.unchanged}.")
        if report.placeholders:
            rows = ", ".join(str(r) for r in report.placeholders)
            self.stdout.write(f"Overgeslagen (DUO-plaatshouder 'ONBEKEND' / gemeente 9999): rij {rows}.")
        if report.new_municipalities:
            self.stdout.write(f"Nieuwe gemeenten: {', '.join(report.new_municipalities)}.")
