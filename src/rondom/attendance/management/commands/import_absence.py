"""Import an absence export from the command line, with a progress bar; the same checks as the web upload."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from tqdm import tqdm

from rondom import rollups
from rondom.accounts.models import Organisation, User
from rondom.attendance.importer import import_file, save_outcome
from rondom.attendance.models import AbsenceImport, ColumnMapping, ThresholdSignal
from rondom.attendance.services import evaluate
from rondom.attendance.signals import threshold_signals_raised


class Command(BaseCommand):
    help = "Import an absence file (CSV/XLSX) for one school; a file with any bad row is refused whole."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path)
        parser.add_argument("--school", required=True, help="the school's id, or BRIN+vestiging (e.g. 12AB00)")
        parser.add_argument("--mapping", required=True, help="the name of a saved column mapping")
        parser.add_argument("--user", required=True, help="username of the functioneel beheerder importing it")
        parser.add_argument("--no-progress", action="store_true")
        parser.add_argument("--no-evaluate", action="store_true", help="do not apply the absence protocols afterwards")

    def handle(self, *args: Any, **options: Any) -> None:
        path: Path = options["file"]
        if not path.is_file():
            raise CommandError(f"{path}: no such file")
        school_ref = str(options["school"])
        schools = Organisation.objects.filter(kind="school")
        school = (
            schools.filter(pk=int(school_ref)).first()
            if school_ref.isascii() and school_ref.isdigit()
            else schools.filter(brin=school_ref[:4].upper(), vestiging=school_ref[4:6] or "00").first()
        )
        if school is None:
            raise CommandError(f"unknown school: {school_ref}")
        user = User.objects.filter(username=options["user"]).first()
        if user is None:
            raise CommandError(f"unknown user: {options['user']}")
        mapping = ColumnMapping.objects.filter(name=options["mapping"]).first()
        if mapping is None:
            raise CommandError(f"unknown mapping: {options['mapping']}")
        record = AbsenceImport.objects.create(
            school=school, mapping=mapping, file_name=path.name, file_size=path.stat().st_size, uploaded_by=user
        )
        bar = tqdm(total=100, unit="%", disable=options["no_progress"], desc="verzuim")

        def progress(rows: int, fraction: float) -> None:
            bar.n = int(fraction * 100)
            bar.set_postfix(rows=rows)
            bar.refresh()

        try:
            report = import_file(
                path,
                file_name=path.name,
                school_id=school.pk,
                mapping=mapping,
                user=user,
                record=record,
                progress=progress,
            )
        except PermissionError as exc:
            record.delete()
            raise CommandError(f"{user.username} may not import absence for {school}") from exc
        finally:
            bar.close()
        save_outcome(record, report)
        if not report.ok:
            for error in report.errors:
                self.stderr.write(f"rij {error['row']}, kolom {error['column'] or '-'}: {error['reason']}")
            raise CommandError(f"refused: {report.error_count} bad rows; nothing was imported")
        self.stdout.write(
            f"{report.rows} rows: {report.inserted} new, {report.updated} changed, {report.unchanged} unchanged "
            f"({report.pupils} pupils)" + (f"; {report.skipped} rows skipped (not absence)" if report.skipped else "")
        )
        if report.inserted + report.updated:
            rollups.queue().drain()  # the school-months this file touched (queued by the import)
        if not options["no_evaluate"]:
            signals = evaluate(school_ids=[school.pk])
            threshold_signals_raised.send(sender=ThresholdSignal, signals=signals, today=None)  # thuiszitters registers
            self.stdout.write(f"{len(signals)} new absence signals")
