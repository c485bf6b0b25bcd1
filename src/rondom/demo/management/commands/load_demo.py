from __future__ import annotations

import random
from datetime import date
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone, translation

from rondom.core.roles import Role
from rondom.demo import absence, casework, data, feedback, funding, history, population, rosters, swv, transfers
from rondom.demo import opp as demo_opp
from rondom.monitoring.rollup import refresh_monthly_facts


class Command(BaseCommand):
    help = "Load the demo data (idempotent) and print the demo logins."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--small", action="store_true", help="only the logins and a few children")
        parser.add_argument("--no-progress", action="store_true", help="no progress bar")
        parser.add_argument(
            "--history",
            action="store_true",
            help="also five school years of monitoring history (about 0.75 million absence rows; a minute or so)",
        )

        parser.add_argument(
            "--today",
            help="the day the demo is built for (YYYY-MM-DD; default: today); every generated date is relative to it",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        # One "today" for every generator, so that no part of the demo lies in the future of another part.
        try:
            today = date.fromisoformat(options["today"]) if options["today"] else timezone.localdate()
        except ValueError as exc:
            raise CommandError(f"--today: {exc}") from exc
        logins = data.load(today)
        if not options["small"]:
            self.stdout.write("Building a synthetic Zwolle (once; under a minute) ...")
            report = population.generate(progress=not options["no_progress"], today=today)
            if report.counts:
                self.stdout.write(f"  {report.counts} in {report.seconds:.1f} s")
        # The pupils of the demo logins' schools through the roster import (with --small too: groups and the
        # teacher's group exist either way).
        rosters.import_login_schools(today)
        casework.generate(random.Random(2026), today=today)
        opp_counts = demo_opp.generate(random.Random(2026), today)
        if opp_counts.counts:
            self.stdout.write(f"  opp: {opp_counts.counts}")
        swv_counts = swv.generate(today)  # the samenwerkingsverband's queue (loket, orthopedagoog)
        if swv_counts:
            self.stdout.write(f"  samenwerkingsverband: {swv_counts}")
        transfers.generate(today)  # a child of De Esch offered to Thomas a Kempis, waiting for `zorgco` (issue 16)
        absence_counts = absence.generate(random.Random(2026), today)
        if absence_counts:
            self.stdout.write(f"  absence: {absence_counts}")
        feedback_counts = feedback.generate(random.Random(2026), today)
        if feedback_counts:
            self.stdout.write(f"  feedback: {feedback_counts}")
        funding_counts = funding.generate(random.Random(2026))
        if any(funding_counts.values()):
            self.stdout.write(f"  funding: {funding_counts}")
        if options["history"]:
            self.stdout.write("Five school years of monitoring history (once) ...")
            past = history.generate(random.Random(2026), today, progress=not options["no_progress"])
            if past.counts:
                self.stdout.write(f"  {past.counts} in {past.seconds:.1f} s")
        refresh_monthly_facts()  # the monitoring reads its rollup; the worker refreshes it hourly after this
        self.stdout.write(f"A sample absence export to import as 'beheer': {absence.sample_file()}")
        roster_sample = rosters.write_sample(today)
        if roster_sample is not None:
            self.stdout.write(
                f"De Esch's pupils as EDEXML, to import as 'beheer' (Leerlingen inlezen): {roster_sample}"
            )
        self.stdout.write(f"Demo logins (password for all: {data.DEMO_PASSWORD}):")
        for login in logins:
            second = (
                "2FA: make otp USER=" + login.username
                if login.organisation
                else "portal /portaal/inloggen/, e-mail code: make otp USER=" + login.username
            )
            with translation.override("nl"):  # the role as the Dutch interface names it, never its code
                role = str(Role(login.role).label)
            self.stdout.write(f"  {login.username:<11} {role:<28} {second}")
        self.stdout.write("  Authenticator apps: make otp USER=<login> also prints the secret to scan or type in.")
