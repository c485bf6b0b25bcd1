"""Import schools from DUO's public school-location lists (open onderwijsdata, semicolon-separated CSV).

What the files look like (see docs of DUO's open onderwijsdata):

- recent files: ``INSTELLINGSCODE`` (BRIN4), ``VESTIGINGSCODE`` (BRIN6), ``VESTIGINGSNAAM``, ``GEMEENTENAAM``,
  ``ONDERWIJSSTRUCTUUR`` or ``SOORT PO`` ...;
- older files (``03-alle-vestigingen-bo-adres.csv``): ``BRIN NUMMER``, ``VESTIGINGSNUMMER`` ("00" or the full
  BRIN6), ``VESTIGINGSNAAM``, ``GEMEENTENAAM``;
- secondary-school files: ``INSTELLINGSNAAM VESTIGING``, ``GEMEENTENAAM VESTIGING``.

Headers are matched case-insensitively, without surrounding spaces, quotes or a BOM. The file is read as UTF-8
(with or without BOM) and otherwise as Windows-1252/latin-1. Rows are streamed with the csv module; only the
checked rows are kept, never the file.

Two steps, so nothing is lost: :func:`parse` checks every row and touches no database; :func:`import_schools`
writes only when every row is good, in one transaction, matching schools on BRIN + vestiging, so that importing
the same file twice changes nothing the second time. Errors name the row as a spreadsheet shows it (the header
is row 1), the column as the file spells it, and the reason in Dutch.
"""

from __future__ import annotations

import codecs
import csv
import io
import os
import re
import shutil
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from itertools import chain
from typing import IO, Any, cast

from django.db import transaction

from rondom.accounts.models import Organisation
from rondom.accounts.roles import OrganisationKind, SchoolType

from .models import Municipality

Source = str | os.PathLike[str] | IO[Any]
Progress = Callable[[int], None]

#: Our field -> the column names DUO has used for it, in order of preference (normalised: upper case, single
#: spaces). The first variant is the one named in messages.
COLUMNS: dict[str, tuple[str, ...]] = {
    "brin": ("INSTELLINGSCODE", "BRIN NUMMER", "BRINNUMMER", "BRIN"),
    "vestiging": ("VESTIGINGSCODE", "VESTIGINGSNUMMER", "VESTIGINGSNR", "VESTIGING"),
    "name": ("VESTIGINGSNAAM", "INSTELLINGSNAAM VESTIGING", "NAAM VESTIGING", "INSTELLINGSNAAM"),
    "municipality": ("GEMEENTENAAM", "GEMEENTENAAM VESTIGING", "GEMEENTE"),
    "municipality_code": ("GEMEENTENUMMER", "GEMEENTENUMMER VESTIGING", "GEMEENTECODE"),
    "structure": (
        "ONDERWIJSSTRUCTUUR",
        "ONDERWIJSSTRUCTUUR VESTIGING",
        "SOORT PO",
        "SOORT PRIMAIR ONDERWIJS",
        "SOORT ONDERWIJS",
        "ONDERWIJSSOORT",
        "ONDERWIJSTYPE",
        "TYPE PO",
    ),
}
REQUIRED: dict[str, str] = {  # field -> how a person calls it
    "brin": "BRIN-nummer",
    "vestiging": "vestigingsnummer",
    "name": "naam van de vestiging",
    "municipality": "gemeente",
}

#: What DUO writes about the kind of education, per part of a value such as "VWO/HAVO/VMBO".
TYPE_CODES: dict[str, str] = {
    "BAS": SchoolType.PO,
    "BO": SchoolType.PO,
    "PO": SchoolType.PO,
    "SBAS": SchoolType.SBO,
    "SBO": SchoolType.SBO,
    "SO": SchoolType.SO,
    "SPECIAAL": SchoolType.SO,  # "Speciaal en voortgezet speciaal onderwijs"
    "VSO": SchoolType.VSO,
    "PRO": SchoolType.PRO,
    "VO": SchoolType.VO,
    "VWO": SchoolType.VO,
    "HAVO": SchoolType.VO,
    "VMBO": SchoolType.VO,
    "MAVO": SchoolType.VO,
    "VBO": SchoolType.VO,
    "LWOO": SchoolType.VO,
    "MBO": SchoolType.MBO,
}
#: Written-out values, most specific first (a part containing the phrase gets its type).
TYPE_PHRASES: tuple[tuple[str, str], ...] = (
    ("VOORTGEZET SPECIAAL ONDERWIJS", SchoolType.VSO),
    ("SPECIAAL BASISONDERWIJS", SchoolType.SBO),
    ("SPECIAAL ONDERWIJS", SchoolType.SO),
    ("PRAKTIJKONDERWIJS", SchoolType.PRO),
    ("BASISONDERWIJS", SchoolType.PO),
    ("PRIMAIR ONDERWIJS", SchoolType.PO),
    ("VOORTGEZET ONDERWIJS", SchoolType.VO),
    ("BEROEPSONDERWIJS", SchoolType.MBO),
)
_TYPE_SPLIT = re.compile(r"\s*[/,;+&|]\s*|\s+EN\s+")

BRIN = re.compile(r"^[0-9]{2}[A-Z]{2}$")
VESTIGING = re.compile(r"^[0-9]{2}$")
NAME_MAX, MUNICIPALITY_MAX = 200, 100  # the model fields' max_length
BATCH = 500


@dataclass(frozen=True)
class RowError:
    row: int  # as in the file, the header being row 1
    column: str  # as the file spells it
    reason: str  # in Dutch

    def __str__(self) -> str:
        return f"Rij {self.row}, kolom {self.column}: {self.reason}"


@dataclass(frozen=True, slots=True)
class SchoolRow:
    row: int
    brin: str
    vestiging: str
    name: str
    municipality: str
    municipality_code: str  # CBS code "GM0193" when the file has it
    school_type: str

    @property
    def brin6(self) -> str:
        return f"{self.brin}{self.vestiging}"


@dataclass
class ParseResult:
    rows: list[SchoolRow] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)
    #: Our field -> the header as the file spells it.
    columns: dict[str, str] = field(default_factory=dict)
    encoding: str = ""

    @property
    def ok(self) -> bool:
        return not self.errors


@dataclass
class ImportReport:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    errors: list[RowError] = field(default_factory=list)
    #: Names of the municipalities that did not exist yet and were created.
    new_municipalities: list[str] = field(default_factory=list)
    dry_run: bool = False

    @property
    def ok(self) -> bool:
        return not self.errors


# --- reading -------------------------------------------------------------------------------------------------


def normalise_header(name: str) -> str:
    """``'"Brin_nummer" '`` -> ``'BRIN NUMMER'``."""
    cleaned = name.replace("\ufeff", "").strip().strip("\"'").replace("_", " ")
    return " ".join(cleaned.upper().split())


def _detect_encoding(raw: IO[bytes]) -> str:
    """UTF-8 (with or without BOM) first, then Windows-1252, then latin-1 (which reads anything)."""
    start = raw.tell()
    for encoding in ("utf-8-sig", "cp1252"):
        raw.seek(start)
        decoder = codecs.getincrementaldecoder(encoding)()
        try:
            while chunk := raw.read(1 << 16):
                decoder.decode(chunk)
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            continue
        finally:
            raw.seek(start)
        return encoding
    return "latin-1"


@contextmanager
def _text(source: Source) -> Iterator[tuple[IO[str], str]]:
    """The source as text, decoded while it is read; a caller's file object is left open."""
    if isinstance(source, str | os.PathLike):
        with open(source, "rb") as raw:
            encoding = _detect_encoding(raw)
            with io.TextIOWrapper(raw, encoding=encoding, newline="") as text:
                yield text, encoding
        return
    if isinstance(source.read(0), str):  # already text (e.g. io.StringIO)
        yield source, "text"
        return
    if source.seekable():
        encoding = _detect_encoding(source)
        text = io.TextIOWrapper(cast("io.BufferedReader", source), encoding=encoding, newline="")
        try:
            yield text, encoding
        finally:
            text.detach()
        return
    with tempfile.SpooledTemporaryFile(max_size=8 << 20) as spool:  # a pipe: keep a copy to read twice
        shutil.copyfileobj(source, spool)
        spool.seek(0)
        with _text(spool) as opened:
            yield opened


def _delimiter(header_line: str) -> str:
    """DUO uses semicolons; a file saved again by a spreadsheet may use tabs or commas."""
    for candidate in (";", "\t", ","):
        if candidate in header_line:
            return candidate
    return ";"


# --- checking ------------------------------------------------------------------------------------------------


_LOWER_WORDS = frozenset({"aan", "bij", "de", "den", "der", "en", "het", "in", "op", "over", "ten", "ter", "van"})


def _capitalise(part: str) -> str:
    lower = part.lower()
    if lower in ("'s", "'t"):
        return lower
    if lower.startswith("ij"):
        return "IJ" + lower[2:]
    return lower[:1].upper() + lower[1:]


def municipality_name(raw: str) -> str:
    """DUO writes municipalities in capitals: ``'S-HERTOGENBOSCH`` -> ``'s-Hertogenbosch``,
    ``CAPELLE AAN DEN IJSSEL`` -> ``Capelle aan den IJssel`` (likewise all lower case). Mixed case is kept."""
    name = " ".join(raw.split())
    if name not in (name.upper(), name.lower()):
        return name
    words: list[str] = []
    for index, word in enumerate(name.split(" ")):
        if word.startswith("("):  # BERGEN (NH)
            words.append(word.upper())
        elif index > 0 and word.lower() in _LOWER_WORDS:
            words.append(word.lower())
        else:
            words.append("-".join(_capitalise(part) for part in word.split("-")))
    return " ".join(words)


def school_type_of(value: str) -> tuple[str | None, bool]:
    """DUO's description of the education -> (our school type or None, whether the value was ambiguous).

    A combination within secondary education ("VWO/HAVO/VMBO", "VMBO/PRO") is vo; a combination across kinds
    (such as "(V)SO": so and vso) is ambiguous.
    """
    text = " ".join(value.upper().split())
    if not text:
        return None, False
    text = text.replace("(V)SO", "SO/VSO").replace("(VOORTGEZET) SPECIAAL", "SPECIAAL/VOORTGEZET SPECIAAL")
    found: set[str] = set()
    for part in filter(None, _TYPE_SPLIT.split(text)):
        first_word = re.split(r"[^0-9A-Z]+", part, maxsplit=1)[0]
        school_type = (
            TYPE_CODES.get(part)
            or next((t for phrase, t in TYPE_PHRASES if phrase in part), None)
            or TYPE_CODES.get(first_word)
        )
        if school_type is None:
            return None, False  # a part we do not know: do not guess from the rest
        found.add(school_type)
    if found <= {SchoolType.VO, SchoolType.PRO} and SchoolType.VO in found:
        return SchoolType.VO, False
    if len(found) == 1:
        return found.pop(), False
    return None, True


def _missing_columns_message(missing: list[str], header: list[str]) -> RowError:
    parts = [f"{REQUIRED[f]} (een van: {', '.join(COLUMNS[f])})" for f in missing]
    found = ", ".join(h for h in (normalise_header(h) for h in header) if h) or "geen"
    noun = "kolom" if len(missing) == 1 else "kolommen"
    return RowError(
        1,
        ", ".join(COLUMNS[f][0] for f in missing),
        f"Verplichte {noun} ontbreekt: {'; '.join(parts)}. Gevonden kolommen: {found}.",
    )


def parse(source: Source, *, school_type: str | None = None, progress: Progress | None = None) -> ParseResult:
    """Read and check every row of a DUO school list; no database reads or writes.

    ``school_type`` is used for rows whose type the file does not say (no type column, or a value we cannot
    map). ``progress`` is called with the number of rows read so far, once per row.
    """
    if school_type is not None and school_type not in SchoolType.values:
        raise ValueError(f"Unknown school type {school_type!r}; expected one of {', '.join(SchoolType.values)}.")
    result = ParseResult()
    with _text(source) as (text, encoding):
        result.encoding = encoding
        first_line = text.readline()
        reader = csv.reader(chain([first_line], text), delimiter=_delimiter(first_line), skipinitialspace=True)
        try:
            _check_rows(reader, result, school_type, progress)
        except csv.Error as exc:
            result.errors.append(RowError(reader.line_num, "-", f"Het bestand is geen leesbaar CSV-bestand ({exc})."))
    if result.errors:
        result.rows = []
    return result


def _check_rows(
    reader: Iterator[list[str]], result: ParseResult, default_type: str | None, progress: Progress | None
) -> None:
    header = next(reader, None)
    if not header or not any(h.strip() for h in header):
        result.errors.append(RowError(1, "-", "Het bestand is leeg: de eerste rij moet de kolomnamen bevatten."))
        return
    positions: dict[str, int] = {}
    for index, name in enumerate(header):
        positions.setdefault(normalise_header(name), index)
    found: dict[str, int] = {}
    for field_name, variants in COLUMNS.items():
        position = next((positions[v] for v in variants if v in positions), None)
        if position is not None:
            found[field_name] = position
    missing = [f for f in REQUIRED if f not in found]
    if missing:
        result.errors.append(_missing_columns_message(missing, header))
        return
    column = {f: normalise_header(header[i]) for f, i in found.items()}
    result.columns = column
    type_column = column.get("structure", COLUMNS["structure"][0])

    seen: dict[tuple[str, str], int] = {}
    for number, values in enumerate(reader, start=2):
        if progress is not None:
            progress(number - 1)
        if not any(v.strip() for v in values):
            continue  # an empty line

        def value(field_name: str, values: list[str] = values) -> str:
            index = found.get(field_name)
            return " ".join(values[index].split()) if index is not None and index < len(values) else ""

        errors: list[RowError] = []
        brin = value("brin").upper()
        if not BRIN.match(brin):
            reason = "BRIN-nummer moet twee cijfers en twee hoofdletters zijn (bijvoorbeeld 12AB)"
            errors.append(RowError(number, column["brin"], f"{reason}, niet '{brin}'." if brin else f"{reason}."))

        vestiging = value("vestiging").upper()
        vestiging_error = ""
        if len(vestiging) == 6:  # the full BRIN6, as in VESTIGINGSCODE
            if BRIN.match(brin) and vestiging[:4] != brin:
                vestiging_error = f"Vestigingscode {vestiging} hoort niet bij BRIN-nummer {brin}."
            vestiging = vestiging[4:]
        elif vestiging.isdigit() and len(vestiging) == 1:  # "0": the leading zero lost in a spreadsheet
            vestiging = f"0{vestiging}"
        if not vestiging_error and not VESTIGING.match(vestiging):
            vestiging_error = (
                "Vestigingsnummer moet twee cijfers zijn (bijvoorbeeld 00) of de volledige vestigingscode "
                "(bijvoorbeeld 12AB00)."
            )
        if vestiging_error:
            errors.append(RowError(number, column["vestiging"], vestiging_error))

        name = value("name")
        if not name:
            errors.append(RowError(number, column["name"], "Naam van de vestiging ontbreekt."))
        elif len(name) > NAME_MAX:
            errors.append(RowError(number, column["name"], f"Naam is langer dan {NAME_MAX} tekens."))

        municipality = municipality_name(value("municipality"))
        if not municipality:
            errors.append(RowError(number, column["municipality"], "Gemeente ontbreekt."))
        elif len(municipality) > MUNICIPALITY_MAX:
            reason = f"Naam van de gemeente is langer dan {MUNICIPALITY_MAX} tekens."
            errors.append(RowError(number, column["municipality"], reason))

        structure = value("structure")
        kind, ambiguous = school_type_of(structure)
        kind = kind or default_type
        if kind is None:
            if ambiguous:
                reason = f"Schooltype is niet eenduidig ('{structure}'); geef het schooltype op (--school-type)."
            elif structure:
                reason = f"Schooltype '{structure}' is onbekend; geef het schooltype op (--school-type)."
            elif "structure" in found:
                reason = "Schooltype ontbreekt; geef het schooltype op (--school-type)."
            else:
                reason = "Het bestand noemt geen schooltype; geef het schooltype op (--school-type)."
            errors.append(RowError(number, type_column, reason))

        key = (brin, vestiging)
        if key in seen:
            reason = f"Vestiging {brin}{vestiging} staat ook al in rij {seen[key]}."
            errors.append(RowError(number, column["vestiging"], reason))
        elif BRIN.match(brin) and not vestiging_error:
            seen[key] = number

        if errors:
            result.errors.extend(errors)
        elif not result.errors:  # once a row is bad nothing will be written: stop keeping rows
            code = value("municipality_code")
            result.rows.append(
                SchoolRow(
                    row=number,
                    brin=brin,
                    vestiging=vestiging,
                    name=name,
                    municipality=municipality,
                    municipality_code=f"GM{int(code):04d}" if code.isdigit() and len(code) <= 4 else "",
                    school_type=kind or "",
                )
            )


# --- writing -------------------------------------------------------------------------------------------------


def import_schools(
    source: Source,
    *,
    school_type: str | None = None,
    dry_run: bool = False,
    progress: Progress | None = None,
) -> ImportReport:
    """Check every row, then write every school in one transaction, or nothing at all.

    Schools are matched on BRIN + vestiging; a changed name, municipality or school type is updated. Missing
    municipalities are created by name. With ``dry_run`` the counts are computed and everything is rolled back.
    """
    parsed = parse(source, school_type=school_type, progress=progress)
    report = ImportReport(errors=list(parsed.errors), dry_run=dry_run)
    if parsed.errors:
        return report
    with transaction.atomic():
        existing = {
            (o.brin, o.vestiging): o
            for o in Organisation.objects.exclude(brin="").only(
                "id", "name", "kind", "brin", "vestiging", "school_type", "municipality_id"
            )
        }
        report.errors = [
            RowError(
                row.row,
                parsed.columns["brin"],
                f"BRIN {row.brin} vestiging {row.vestiging} hoort in Rondom bij '{other.name}', dat geen school is.",
            )
            for row in parsed.rows
            if (other := existing.get((row.brin, row.vestiging))) is not None and other.kind != OrganisationKind.SCHOOL
        ]
        if report.errors:
            return report

        municipalities = {m.name.casefold(): m for m in Municipality.objects.all()}
        to_create: list[Organisation] = []
        to_update: list[Organisation] = []
        for row in parsed.rows:
            municipality = municipalities.get(row.municipality.casefold())
            if municipality is None:
                municipality = Municipality.objects.create(name=row.municipality, cbs_code=row.municipality_code)
                municipalities[row.municipality.casefold()] = municipality
                report.new_municipalities.append(municipality.name)
            school = existing.get((row.brin, row.vestiging))
            if school is None:
                to_create.append(
                    Organisation(
                        kind=OrganisationKind.SCHOOL,
                        name=row.name,
                        brin=row.brin,
                        vestiging=row.vestiging,
                        school_type=row.school_type,
                        municipality=municipality,
                    )
                )
            elif (school.name, school.school_type, school.municipality_id) != (
                row.name,
                row.school_type,
                municipality.pk,
            ):
                school.name, school.school_type, school.municipality = row.name, row.school_type, municipality
                to_update.append(school)
            else:
                report.unchanged += 1
        Organisation.objects.bulk_create(to_create, batch_size=BATCH)
        Organisation.objects.bulk_update(to_update, ["name", "school_type", "municipality"], batch_size=BATCH)
        report.created, report.updated = len(to_create), len(to_update)
        if dry_run:
            transaction.set_rollback(True)
    return report
