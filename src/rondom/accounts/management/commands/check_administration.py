"""``manage.py check_administration``: list current roles and organisations that today's administration rules would
refuse (accounts.review). Exit code 1 when there is anything to review, for a scheduled check with an alert."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from rondom.accounts.review import findings


class Command(BaseCommand):
    help = "List roles and organisations that today's administration rules would refuse (issue 12, finding 1)."

    def handle(self, *args: Any, **options: Any) -> None:
        found = findings()
        for finding in found:
            self.stdout.write(f"{finding.kind}\t{finding.subject}\t{finding.explanation}")
        if found:
            self.stdout.write(f"{len(found)} to review.")
            raise SystemExit(1)
        self.stdout.write("OK: nothing to review.")
