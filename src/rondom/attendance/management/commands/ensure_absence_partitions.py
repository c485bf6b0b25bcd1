"""Create the absence table's partitions for the coming school years (PostgreSQL; attendance.partitions)."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connection
from django.utils import timezone

from rondom.attendance.partitions import ensure_partitions, is_partitioned


class Command(BaseCommand):
    help = (
        "Make sure the absence table has a partition for the current school year and the next --years ones, and "
        "move rows out of the DEFAULT partition into new partitions. Idempotent; nothing on SQLite."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--years", type=int, default=1, help="school years ahead of the current one (default 1)")
        parser.add_argument(
            "--today", type=date.fromisoformat, help="the day to count from (YYYY-MM-DD; default today)"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["years"] < 0:
            raise CommandError("--years must be 0 or more")
        if not is_partitioned(connection):
            self.stdout.write(
                "The absence table is not partitioned here (SQLite, or before migration 0008): nothing to do."
            )
            return
        outcome = ensure_partitions(options["today"] or timezone.localdate(), years_ahead=options["years"])
        if not outcome.created:
            self.stdout.write("Every partition is there: nothing created.")
        for name in outcome.created:
            self.stdout.write(f"created {name}")
        if outcome.moved:
            self.stdout.write(f"moved {outcome.moved} rows out of the DEFAULT partition")
