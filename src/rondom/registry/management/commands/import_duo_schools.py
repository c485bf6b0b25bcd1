from __future__ import annotations

import sys
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from rondom.registry import duo_import


class Command(BaseCommand):
    help = "Import schools from a DUO school-location list (CSV). All rows or none; idempotent."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("path")
        parser.add_argument("--school-type", help="po, sbo, so, vo, pro, vso or mbo, when the file does not say")
        parser.add_argument("--dry-run", action="store_true", help="check and count, write nothing")

    def handle(self, *args: Any, **options: Any) -> None:
        def progress(row: int) -> None:
            sys.stderr.write(f"\rrij {row} ...")
            sys.stderr.flush()

        report = duo_import.import_schools(
            options["path"], school_type=options["school_type"], dry_run=options["dry_run"], progress=progress
        )
        if not report.ok:
            raise CommandError(
                "Het bestand is geweigerd; er is niets ingelezen.\n" + "\n".join(duo_import.lines(report.errors))
            )
        verb = "zou" if options["dry_run"] else ""
        self.stdout.write(
            f"{verb} nieuw: {report.created}, bijgewerkt: {report.updated}, ongewijzigd: {report.unchanged}".strip()
        )
