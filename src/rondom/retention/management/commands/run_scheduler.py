from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from rondom.config import scheduler


class Command(BaseCommand):
    help = "Enqueue scheduled tasks (retention, reminders) for the worker when they are due."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--interval", type=float, default=60.0, help="seconds between checks")
        parser.add_argument("--once", action="store_true", help="check once and exit")

    def handle(self, *args: Any, **options: Any) -> None:
        scheduler.loop(options["interval"], once=options["once"])
