"""Rebuild the monitoring's rollups from the whole history: the repair after work that bypassed the hooks (bulk
changes, a restored backup). Frozen school years keep their published figures. Shows its progress per fact."""

from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from rondom.monitoring import rollup


class Command(BaseCommand):
    help = "Recompute the monthly rollups (absence and monitoring facts) from all raw rows; frozen years stay."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--no-progress", action="store_true")

    def handle(self, *args: Any, **options: Any) -> None:
        frozen = sorted(rollup.frozen_years())
        if frozen:
            self.stdout.write("frozen school years kept as published: " + ", ".join(f"{y}-{y + 1}" for y in frozen))
        steps = ["absence", *rollup.SOURCES]
        total = 0
        for number, step in enumerate(steps, start=1):
            started = time.perf_counter()
            rows = rollup.refresh_absence() if step == "absence" else rollup.refresh_monthly_facts([step])
            total += rows
            if not options["no_progress"]:
                seconds = time.perf_counter() - started
                self.stdout.write(f"[{number}/{len(steps)}] {step}: {rows} rows in {seconds:.2f} s")
        self.stdout.write(f"{total} rollup rows written")
