"""Import a school's roster (EDEXML 2.1 or a mapped CSV/XLSX) or its parents list from the command line, with a
progress bar; the same service, checks and report as the web upload (rondom.roster.services)."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

from django.core.exceptions import PermissionDenied
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone
from tqdm import tqdm

from rondom.accounts.models import Organisation, User
from rondom.core.schoolyear import SchoolYear
from rondom.roster import services
from rondom.roster.edexml import parse_edexml
from rondom.roster.mapped import read_parents, read_pupils
from rondom.roster.models import RosterMapping
from rondom.roster.types import RosterRefused, RosterReport


class Command(BaseCommand):
    help = (
        "Import a school's roster (EDEXML 2.1, or CSV/XLSX with --mapping) or, with --parents, its parents list. "
        "A file with any bad row is refused whole (exit code 1, a report per row)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path)
        parser.add_argument("--school", required=True, help="BRIN+vestiging (e.g. 12AB00) or the school's id")
        parser.add_argument("--mapping", help="the name of the school's saved roster mapping (CSV/XLSX files)")
        parser.add_argument("--parents", action="store_true", help="the file is a parents list (needs --mapping)")
        parser.add_argument("--dry-run", action="store_true", help="show what would change; write nothing")
        parser.add_argument("--partial", action="store_true", help="not a full export: nobody is marked as left")
        parser.add_argument("--user", help="username of the school's functioneel beheerder (default: the system)")
        parser.add_argument("--today", help="the day the import counts as, YYYY-MM-DD (default: today)")
        parser.add_argument("--school-year", help="school year of a CSV/XLSX roster, e.g. 2026-2027")
        parser.add_argument("--no-progress", action="store_true")

    def handle(self, *args: Any, **options: Any) -> None:
        path: Path = options["file"]
        if not path.is_file():
            raise CommandError(f"{path}: bestand niet gevonden")
        school = _school(str(options["school"]))
        try:
            today = date.fromisoformat(options["today"]) if options["today"] else timezone.localdate()
        except ValueError as exc:
            raise CommandError("--today: schrijf de datum als JJJJ-MM-DD") from exc
        user = None
        if options["user"]:
            user = User.objects.filter(username=options["user"]).first()
            if user is None:
                raise CommandError(f"onbekende gebruiker: {options['user']}")
        mapping = None
        if options["mapping"]:
            mapping = RosterMapping.objects.filter(school=school, name=options["mapping"]).first()
            if mapping is None:
                raise CommandError(f"geen kolomindeling '{options['mapping']}' voor {school}")
        if options["parents"] and mapping is None:
            raise CommandError("--parents heeft een kolomindeling nodig (--mapping)")

        bar = tqdm(total=0, unit="rij", disable=options["no_progress"], desc="rooster")

        def progress(done: int, total: int) -> None:
            bar.total = total
            bar.n = done
            bar.refresh()

        try:
            if options["parents"]:
                assert mapping is not None
                parents = read_parents(path, mapping)
                if user is None:
                    report = services.apply_parents_as_system(
                        school, parents, today=today, dry_run=options["dry_run"], progress=progress
                    )
                else:
                    report = services.apply_parents(
                        user, school, parents, today=today, dry_run=options["dry_run"], progress=progress
                    )
            else:
                if mapping is not None:
                    year = options["school_year"] or str(SchoolYear.of(today))
                    roster = read_pupils(path, mapping, school=school, school_year=year)
                else:
                    roster = parse_edexml(path)
                roster.full = not options["partial"]
                if user is None:
                    report = services.apply_roster_as_system(
                        school, roster, today=today, dry_run=options["dry_run"], progress=progress
                    )
                else:
                    report = services.apply_roster(
                        user, school, roster, today=today, dry_run=options["dry_run"], progress=progress
                    )
        except RosterRefused as refused:
            bar.close()
            for error in refused.errors:
                where = f"rij {error.row}" if error.row else "bestand"
                self.stderr.write(f"{where}, veld {error.field or '-'}: {error.message}")
            raise CommandError(f"geweigerd: {len(refused.errors)} fout(en); er is niets ingelezen") from None
        except PermissionDenied as exc:
            bar.close()
            raise CommandError(str(exc) or "geen toestemming") from None
        bar.close()
        self.stdout.write(_summary(report))


def _school(ref: str) -> Organisation:
    schools = Organisation.objects.filter(kind="school")
    if ref.isascii() and ref.isdigit():
        school = schools.filter(pk=int(ref)).first()
    else:
        school = schools.filter(brin=ref[:4].upper(), vestiging=ref[4:6] or "00").first()
    if school is None:
        raise CommandError(f"onbekende school: {ref}")
    return school


def _summary(report: RosterReport) -> str:
    head = "Proefimport (er is niets opgeslagen): " if report.dry_run else ""
    lines = [
        head + f"{len(report.added)} nieuw, {len(report.changed)} gewijzigd, {len(report.ended)} vertrokken, "
        f"{report.unchanged} ongewijzigd; groepen: {report.groups_added} nieuw, {report.groups_changed} gewijzigd, "
        f"{report.groups_ended} beëindigd; leerkrachten: {report.teachers_linked} gekoppeld, "
        f"{report.teachers_unlinked} ontkoppeld; ouders: {report.parents_added} nieuw, "
        f"{report.parents_changed} gewijzigd"
    ]
    lines += [f"leerkracht {name}: geen account gevonden" for name in report.teachers_unmatched]
    return "\n".join(lines)
