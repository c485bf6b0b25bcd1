"""Record that a school year's figures were reported: from then on its rollup rows stay as published, and later
corrections are recorded as restatements (docs/monitoring.md)."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from rondom.accounts.models import User
from rondom.core.schoolyear import SchoolYear
from rondom.monitoring import rollup


class Command(BaseCommand):
    help = "Freeze a reported school year (e.g. 2025-2026): its published monitoring figures never change again."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("year", help="the school year, e.g. 2025-2026")
        parser.add_argument("--user", required=True, help="username of who published the figures (publish_figures)")
        parser.add_argument("--note", required=True, help="where the figures were reported, e.g. the council letter")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            year = SchoolYear.parse(options["year"])
        except ValueError as error:
            raise CommandError(str(error)) from error
        # Who published the figures: a person holding the task right to (access.tasks `publish_figures`), as on the
        # dashboard — the command is not a way around it.
        user = User.objects.filter(username=options["user"], is_active=True).first()
        if user is None:
            raise CommandError(f"unknown or inactive user: {options['user']}")
        if not rollup.may_publish(user):
            who = options["user"]
            raise CommandError(f"{who} may not publish the monitoring's figures (task right publish_figures)")
        if not options["note"].strip():
            raise CommandError("--note is required: where the figures were reported, e.g. the council letter")
        try:
            frozen = rollup.freeze(year, user, today=timezone.localdate(), note=options["note"])
        except ValidationError as error:
            raise CommandError(" ".join(error.messages)) from error
        self.stdout.write(f"school year {year} frozen since {frozen.frozen_at:%Y-%m-%d %H:%M}")
