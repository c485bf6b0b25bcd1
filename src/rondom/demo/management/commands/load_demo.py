from __future__ import annotations

import math
import random
from datetime import date
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.db import connection
from django.utils import timezone, translation

from rondom.attendance.partitions import ensure_partitions
from rondom.core.roles import Role
from rondom.demo import absence, casework, data, feedback, funding, history, population, rosters, swv, transfers
from rondom.demo import opp as demo_opp
from rondom.monitoring.rollup import refresh_monthly_facts

#: The largest --scale: Zwolle and 49 towns, 1.5 million youths (the generator's invented town names run out there;
#: a national-scale database, ~130x, is extrapolated in docs/scale.md rather than generated).
MAX_SCALE = 1 + len(population.TOWN_NAMES)


def towns_of(scale: float) -> list[tuple[int, float]]:
    """The towns besides Zwolle that `--scale` asks for, as (number, size as a fraction of Zwolle): 2.5 -> [(1, 1.0),
    (2, 0.5)]; 1 -> []. `scale` must be validated (1 <= scale <= MAX_SCALE)."""
    extra = scale - 1
    whole = math.floor(extra + 1e-9)
    towns = [(n, 1.0) for n in range(1, whole + 1)]
    if extra - whole > 1e-9:
        towns.append((whole + 1, extra - whole))
    return towns


def validate_scale(scale: float, town_size: float) -> None:
    """CommandError (English, as the rest of this developer command) unless 1 <= scale <= MAX_SCALE and
    0 < town_size <= 1, both finite."""
    if not math.isfinite(scale) or not 1 <= scale <= MAX_SCALE:
        raise CommandError(
            f"--scale must be a number from 1 (Zwolle alone) to {MAX_SCALE} (Zwolle and {MAX_SCALE - 1} Zwolle-like "
            f"towns), not {scale:g}"
        )
    if not math.isfinite(town_size) or not 0 < town_size <= 1:
        raise CommandError(f"--town-size must be more than 0 and at most 1 (a fraction of Zwolle), not {town_size:g}")


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
            "--scale",
            type=float,
            default=1.0,
            help=(
                "N x Zwolle, as a province: Zwolle plus N-1 Zwolle-like municipalities with their own schools and "
                "youths, served by the demo's one leerplicht bureau and samenwerkingsverband (1 to "
                f"{MAX_SCALE}; a fraction makes the last town smaller; 10 takes a few minutes). Use a fresh database: "
                "casework, plans and history are generated once, for the towns that exist then"
            ),
        )
        parser.add_argument(
            "--town-size",
            type=float,
            default=1.0,
            help="the size of Zwolle and of every town as a fraction of the real one (tests, development; default 1)",
        )
        parser.add_argument(
            "--history-years",
            type=int,
            default=5,
            help="school years of history with --history (1 to 5; default 5)",
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
        scale, town_size = options["scale"], options["town_size"]
        validate_scale(scale, town_size)
        if options["small"] and (scale != 1 or town_size != 1):
            raise CommandError("--small builds only the logins and a few children; leave out --scale and --town-size")
        if not 1 <= options["history_years"] <= 5:
            raise CommandError(f"--history-years must be 1 to 5, not {options['history_years']}")
        progress = not options["no_progress"]
        logins = data.load(today)
        if not options["small"]:
            self.stdout.write("Building a synthetic Zwolle (once; under a minute) ...")
            report = population.generate(scale=town_size, progress=progress, today=today)
            if report.counts:
                self.stdout.write(f"  {report.counts} in {report.seconds:.1f} s")
            towns = towns_of(scale)
            for number, fraction in towns:
                town = population.Town.numbered(number)
                self.stdout.write(f"Town {number} of {len(towns)}: {town.name} ({fraction * town_size:g} x Zwolle) ...")
                report = population.generate_town(number, scale=fraction * town_size, progress=progress, today=today)
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
            years = options["history_years"]
            self.stdout.write(f"{years} school years of monitoring history (once) ...")
            past = history.generate(random.Random(2026), today, years=years, progress=progress)
            if past.counts:
                self.stdout.write(f"  {past.counts} in {past.seconds:.1f} s")
        # Past school years written before their partition existed sit in the DEFAULT partition on PostgreSQL: give
        # each its own, as the weekly task does in production (attendance.partitions, docs/production.md).
        ensure_partitions(today)
        refresh_monthly_facts()  # the monitoring reads its rollup; the worker refreshes it hourly after this
        if connection.vendor == "postgresql":
            # The planner's statistics for the tables just filled (autovacuum would take a while): without them it
            # estimates a handful of children per municipality and a whole-scope search at 3x Zwolle took 1 s, not
            # 80 ms (docs/scale.md).
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE")
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
