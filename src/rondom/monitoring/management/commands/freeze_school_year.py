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
        parser.add_argument("--user", help="username of who published the figures")
        parser.add_argument("--note", default="", help="where the figures were reported, e.g. the council letter")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            year = SchoolYear.parse(options["year"])
        except ValueError as error:
            raise CommandError(str(error)) from error
        user = None
        if options["user"]:
            user = User.objects.filter(username=options["user"]).first()
            if user is None:
                raise CommandError(f"unknown user: {options['user']}")
        try:
            frozen = rollup.freeze(year, user, today=timezone.localdate(), note=options["note"])
        except ValidationError as error:
            raise CommandError(" ".join(error.messages)) from error
        self.stdout.write(f"school year {year} frozen since {frozen.frozen_at:%Y-%m-%d %H:%M}")
