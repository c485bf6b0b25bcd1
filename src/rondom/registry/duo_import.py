"""Import schools from DUO's public school-location lists (open onderwijsdata, semicolon-separated CSV).

Tolerant of the known column-name variants of recent and older files, of a BOM, quoted headers and values,
Windows line endings and latin-1 encoding. All-or-nothing: every row is checked first; a file with a bad row
writes nothing and reports every bad row (row, column, reason in Dutch). Idempotent: schools are matched on
BRIN + vestiging; importing the same file again changes nothing.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

from django.db import transaction

from rondom.accounts.models import Organisation
from rondom.accounts.roles import OrganisationKind, SchoolType

from .models import Municipality

#: Our field -> the column names DUO has used for it (compared case-insensitively, without quotes/spaces).
COLUMNS: dict[str, tuple[str, ...]] = {
    "brin": ("INSTELLINGSCODE", "BRIN NUMMER", "BRINNUMMER", "BRIN"),
    "vestiging": ("VESTIGINGSCODE", "VESTIGINGSNUMMER", "VESTIGING"),
    "name": ("VESTIGINGSNAAM", "INSTELLINGSNAAM VESTIGING", "NAAM VESTIGING", "INSTELLINGSNAAM"),
    "municipality": ("GEMEENTENAAM", "GEMEENTENAAM VESTIGING", "GEMEENTE"),
    "structure": ("ONDERWIJSSTRUCTUUR", "SOORT PO", "SOORT ONDERWIJS", "ONDERWIJSTYPE"),
}
REQUIRED = ("brin", "name", "municipality")

#: What DUO writes about the kind of education -> our school type. The first match wins.
STRUCTURE_TYPES: tuple[tuple[str, str], ...] = (
    (r"\bVSO\b|VOORTGEZET SPECIAAL", SchoolType.VSO),
    (r"\bSBAS\b|\bSBO\b|SPECIAAL BASIS", SchoolType.SBO),
    (r"\bSO\b|SPECIAAL ONDERWIJS", SchoolType.SO),
    (r"\bPRO\b|PRAKTIJKONDERWIJS", SchoolType.PRO),
    (r"\bMBO\b|BEROEPSONDERWIJS", SchoolType.MBO),
    (r"\bBAS\b|BASISONDERWIJS|\bBO\b", SchoolType.PO),
    (r"VWO|HAVO|VMBO|MAVO|\bVO\b|VOORTGEZET", SchoolType.VO),
)
BRIN = re.compile(r"^[0-9]{2}[A-Z]{2}$")


@dataclass(frozen=True)
class RowError:
    row: int  # as in the file, the header being row 1
    column: str
    reason: str

    def __str__(self) -> str:
        return f"rij {self.row}, kolom {self.column}: {self.reason}"


@dataclass(frozen=True)
class SchoolRow:
    row: int
    brin: str
    vestiging: str
    name: str
    municipality: str
    school_type: str


@dataclass
class ImportReport:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    errors: list[RowError] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors


def _normalise(name: str) -> str:
    return " ".join(name.replace('"', "").replace("\ufeff", "").strip().upper().replace("_", " ").split())


def _open(source: str | Path | IO[bytes]) -> io.StringIO:
    raw = Path(source).read_bytes() if isinstance(source, str | Path) else source.read()
    for encoding in ("utf-8-sig", "cp1252", "latin-1"):
        try:
            return io.StringIO(raw.decode(encoding), newline="")
        except UnicodeDecodeError:
            continue
    raise ValueError("unreadable")  # latin-1 decodes anything: not reached


def _school_type(structure: str, default: str | None) -> str | None:
    value = structure.upper()
    for pattern, school_type in STRUCTURE_TYPES:
        if value and re.search(pattern, value):
            return school_type
    return default


def parse(
    source: str | Path | IO[bytes], *, school_type: str | None = None, progress: Callable[[int], None] | None = None
) -> tuple[list[SchoolRow], list[RowError]]:
    """Read and check every row; no database writes."""
    reader = csv.reader(_open(source), delimiter=";", quotechar='"')
    header = next(reader, None)
    if not header:
        return [], [RowError(1, "-", "Het bestand is leeg.")]
    positions = {_normalise(h): i for i, h in enumerate(header)}
    found: dict[str, int] = {}
    for field_name, variants in COLUMNS.items():
        for variant in variants:
            if variant in positions:
                found[field_name] = positions[variant]
                break
    missing = [f for f in REQUIRED if f not in found]
    if missing:
        names = "; ".join(f"{f}: {' of '.join(COLUMNS[f])}" for f in missing)
        return [], [RowError(1, ", ".join(missing), f"Verplichte kolom ontbreekt ({names}).")]
    if school_type is not None and school_type not in SchoolType.values:
        return [], [RowError(1, "-", f"Onbekend schooltype '{school_type}'.")]

    rows: list[SchoolRow] = []
    errors: list[RowError] = []
    seen: dict[tuple[str, str], int] = {}
    for number, values in enumerate(reader, start=2):
        if progress and number % 500 == 0:
            progress(number)
        if not any(v.strip() for v in values):
            continue

        def value(field_name: str, values: list[str] = values) -> str:
            index = found.get(field_name)
            return values[index].strip() if index is not None and index < len(values) else ""

        brin, vestiging = value("brin").upper(), value("vestiging").upper()
        column = header[found["brin"]].strip('"\ufeff ')
        if len(vestiging) == 6 and vestiging[:4] == brin:  # VESTIGINGSCODE / full BRIN6
            vestiging = vestiging[4:]
        vestiging = vestiging or "00"
        if not BRIN.match(brin):
            errors.append(RowError(number, column, "BRIN-nummer moet twee cijfers en twee hoofdletters zijn."))
        if not re.fullmatch(r"[0-9]{2}", vestiging):
            errors.append(RowError(number, "VESTIGING", "Vestigingsnummer moet uit twee cijfers bestaan."))
        if not value("name"):
            errors.append(RowError(number, header[found["name"]].strip('"\ufeff '), "Naam ontbreekt."))
        if not value("municipality"):
            errors.append(RowError(number, header[found["municipality"]].strip('"\ufeff '), "Gemeente ontbreekt."))
        kind = _school_type(value("structure"), school_type)
        if kind is None:
            errors.append(RowError(number, "ONDERWIJSSTRUCTUUR", "Schooltype onbekend: geef --school-type op."))
        key = (brin, vestiging)
        if key in seen:
            errors.append(RowError(number, column, f"Deze vestiging staat al in rij {seen[key]}."))
        seen.setdefault(key, number)
        if not errors or errors[-1].row != number:
            rows.append(SchoolRow(number, brin, vestiging, value("name"), value("municipality").title(), kind or ""))
    return rows, errors


def import_schools(
    source: str | Path | IO[bytes],
    *,
    school_type: str | None = None,
    dry_run: bool = False,
    progress: Callable[[int], None] | None = None,
) -> ImportReport:
    """Check everything, then write everything in one transaction (or nothing at all)."""
    rows, errors = parse(source, school_type=school_type, progress=progress)
    report = ImportReport(errors=errors)
    if errors:
        return report
    with transaction.atomic():
        municipalities = {m.name.lower(): m for m in Municipality.objects.all()}
        existing = {(o.brin, o.vestiging): o for o in Organisation.objects.filter(kind=OrganisationKind.SCHOOL)}
        for row in rows:
            municipality = municipalities.get(row.municipality.lower())
            if municipality is None:
                municipality = Municipality.objects.create(name=row.municipality)
                municipalities[row.municipality.lower()] = municipality
            school = existing.get((row.brin, row.vestiging))
            if school is None:
                Organisation.objects.create(
                    kind=OrganisationKind.SCHOOL,
                    name=row.name,
                    brin=row.brin,
                    vestiging=row.vestiging,
                    school_type=row.school_type,
                    municipality=municipality,
                )
                report.created += 1
            elif (school.name, school.school_type, school.municipality_id) != (
                row.name,
                row.school_type,
                municipality.pk,
            ):
                school.name, school.school_type, school.municipality = row.name, row.school_type, municipality
                school.save(update_fields=["name", "school_type", "municipality"])
                report.updated += 1
            else:
                report.unchanged += 1
        if dry_run:
            transaction.set_rollback(True)
    return report


def lines(errors: Iterable[RowError]) -> list[str]:
    return [str(e) for e in errors]
