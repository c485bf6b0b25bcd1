from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from rondom.retention.services import apply_retention


class Command(BaseCommand):
    help = "Delete or anonymise what is past its retention period. Without --apply this is a dry run."

    def add_arguments(self, parser: Any) -> None:
        mode = parser.add_mutually_exclusive_group()
        mode.add_argument("--dry-run", action="store_true", help="count only (the default)")
        mode.add_argument("--apply", action="store_true", help="delete and anonymise, in one transaction")

    def handle(self, *args: Any, **options: Any) -> None:
        report = apply_retention(dry_run=not options["apply"])
        self.stdout.write("Retention " + ("dry run" if report.dry_run else "applied") + ":")
        for line in report.lines():
            self.stdout.write("  " + line)
