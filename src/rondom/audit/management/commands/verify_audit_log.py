from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from rondom.audit.services import verify_administration_chain, verify_chain


class Command(BaseCommand):
    help = (
        "Check the hash chains of the access log and of the administration log (roles and organisations) and "
        "report the first broken link."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        report = verify_chain()
        if not report.ok:
            raise CommandError(
                f"BROKEN at row {report.broken_at}: {report.problem} ({report.checked} rows intact before it)."
            )
        self.stdout.write(f"OK: {report.checked} rows, chain intact.")
        admin = verify_administration_chain()
        if not admin.ok:
            raise CommandError(
                f"BROKEN in the administration log at row {admin.broken_at}: {admin.problem} "
                f"({admin.checked} rows intact before it)."
            )
        self.stdout.write(f"OK: administration log, {admin.checked} rows, chain intact.")
