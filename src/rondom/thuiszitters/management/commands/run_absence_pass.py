"""Run the worker's periodic pass now: absence protocols, then the escalation ladder.

`--date` runs it as of another day: to catch up after the worker was away, or to rehearse what a ladder does
when its deadlines pass (the end-to-end test uses it; it is equivalent to the worker running on that day)."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from rondom.thuiszitters.services import escalate_due, evaluate_and_register


class Command(BaseCommand):
    help = "Apply the absence protocols and move overdue thuiszitter cases up the escalation ladder."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--date", help="as of this day (YYYY-MM-DD); default today")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            day = date.fromisoformat(options["date"]) if options["date"] else None
        except ValueError as exc:
            raise CommandError("--date must be YYYY-MM-DD") from exc
        signals = evaluate_and_register(day)
        steps = escalate_due(day)
        self.stdout.write(f"{len(signals)} new absence signals, {len(steps)} escalations")
