from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from rondom.audit.services import verify_chain


class Command(BaseCommand):
    help = "Check the hash chain of the access log and report the first broken link."

    def handle(self, *args: Any, **options: Any) -> None:
        report = verify_chain()
        if report.ok:
            self.stdout.write(f"OK: {report.checked} rows, chain intact.")
            return
        raise CommandError(
            f"BROKEN at row {report.broken_at}: {report.problem} ({report.checked} rows intact before it)."
        )
