"""Import schools from DUO's public school-location lists (open onderwijsdata: CSV or XLSX).

What the files look like (see docs of DUO's open onderwijsdata, and docs/cases.md):

- recent files: ``INSTELLINGSCODE`` (BRIN4), ``VESTIGINGSCODE`` (BRIN6), ``VESTIGINGSNAAM``, ``GEMEENTENUMMER``,
  ``GEMEENTENAAM``, ``ONDERWIJSSTRUCTUUR`` or ``SOORT PO`` ...;
- older files (``03-alle-vestigingen-bo-adres.csv``): ``BRIN NUMMER``, ``VESTIGINGSNUMMER`` ("00" or the full
  BRIN6), ``VESTIGINGSNAAM``, ``GEMEENTENUMMER`` (``796``), ``GEMEENTENAAM`` (``S HERTOGENBOSCH``);
- pupil counts per location: ``INSTELLINGSCODE``, ``VESTIGINGSCODE``, ``NAAM_VESTIGING``, ``SOORT_VESTIGING``
  (``BO``, ``SBO``, ``SO``, ``VSO``), ``GEMEENTECODE_VESTIGING``, ``GEMEENTENAAM_VESTIGING``;
- secondary-school files: ``INSTELLINGSNAAM VESTIGING``, ``GEMEENTENAAM VESTIGING``.

Every known column variant is in :data:`COLUMNS`, every known value of the kind of education in
:data:`SCHOOL_TYPE_VALUES`. Headers are matched case-insensitively, underscores as spaces, without surrounding
spaces, quotes or a BOM. The file is read by :mod:`rondom.spreadsheets` (UTF-8 with or without BOM, UTF-16
"Unicode text", Windows-1252, Excel's ``sep=`` line, XLSX); rows are streamed; only the checked rows are kept.

Identity is by code, never by name: a school is its BRIN + vestiging, a municipality its CBS code (``GM0796``;
the file's ``GEMEENTENUMMER``); names are labels, DUO's spellings (``S HERTOGENBOSCH``, ``'S-GRAVENHAGE``)
normalised for display. DUO's placeholder rows (``ONBEKEND``, municipality 9999) are skipped: never a school, a
municipality, or a new name for an existing one.

Two steps, so nothing is lost: :func:`parse` checks every row and touches no database; :func:`import_schools`
writes only when every row is good, in one transaction, so that importing the same file twice changes nothing
the second time. Errors name the row as a spreadsheet shows it (the header is row 1), the column as the file
spells it, and the reason in Dutch.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import IO, Any

from django.db import transaction

from rondom import spreadsheets
from rondom.accounts.models import Organisation
from rondom.core.roles import OrganisationKind, SchoolType

from .models import Municipality

Source = str | os.PathLike[str] | IO[Any]
Progress = Callable[[int], None]

#: Our field -> the column names DUO has used for it, in order of preference (normalised: upper case, single
#: spaces, underscores read as spaces: ``SOORT_VESTIGING`` is ``SOORT VESTIGING``). The first variant is the one
#: named in messages.
COLUMNS: dict[str, tuple[str, ...]] = {
    "brin": ("INSTELLINGSCODE", "BRIN NUMMER", "BRINNUMMER", "BRIN", "INSTELLINGSCODE VESTIGING"),
    "vestiging": ("VESTIGINGSCODE", "VESTIGINGSNUMMER", "VESTIGINGSNR", "VESTIGING", "BRIN VESTIGINGSNUMMER"),
    "name": (
        "VESTIGINGSNAAM",
        "INSTELLINGSNAAM VESTIGING",
        "NAAM VESTIGING",
        "VESTIGINGSNAAM VESTIGING",
        "INSTELLINGSNAAM",
    ),
    "municipality": ("GEMEENTENAAM", "GEMEENTENAAM VESTIGING", "GEMEENTE", "GEMEENTE VESTIGING", "NAAM GEMEENTE"),
    "municipality_code": (
        "GEMEENTENUMMER",
        "GEMEENTENUMMER VESTIGING",
        "GEMEENTECODE",
        "GEMEENTECODE VESTIGING",
        "CBS GEMEENTECODE",
        "CODE GEMEENTE",
    ),
    "structure": (
        "ONDERWIJSSTRUCTUUR",
        "ONDERWIJSSTRUCTUUR VESTIGING",
        "SOORT VESTIGING",
        "SOORT PO",
        "SOORT PRIMAIR ONDERWIJS",
        "SOORT ONDERWIJS",
        "SOORT ONDERWIJS VESTIGING",
        "ONDERWIJSSOORT",
        "ONDERWIJSSOORT VESTIGING",
        "ONDERWIJSTYPE",
        "ONDERWIJSTYPE VO",
        "TYPE PO",
        "TYPE VESTIGING",
    ),
}
REQUIRED: dict[str, str] = {  # field -> how a person calls it
    "brin": "BRIN-nummer",
    "vestiging": "vestigingsnummer",
    "name": "naam van de vestiging",
    "municipality": "gemeente",
}

#: Every value DUO writes about the kind of education, whole (``SO/VSO``, ``VBO/MAVO/PRO``) or as one part of a
#: combination, -> our school type. The one table of values: a value is looked up whole, else per part (split on
#: ``/ , ; + &`` and " en "), a part whole or by its first word (``VMBO-KB`` -> ``VMBO``, ``BRUGJAAR 1-2`` ->
#: ``BRUGJAAR``). Parts within secondary education (vo, pro) make vo; parts of different kinds otherwise are not
#: guessed. A combined location for special education (``SO/VSO``, ``(V)SO``) is recorded as so; the functioneel
#: beheerder can change a school's type afterwards.
SCHOOL_TYPE_VALUES: dict[str, str] = {
    # primary
    "BO": SchoolType.PO,
    "BAS": SchoolType.PO,
    "PO": SchoolType.PO,
    "BASISONDERWIJS": SchoolType.PO,
    "BASISSCHOOL": SchoolType.PO,
    "PRIMAIR ONDERWIJS": SchoolType.PO,
    "REGULIER BASISONDERWIJS": SchoolType.PO,
    # special primary
    "SBO": SchoolType.SBO,
    "SBAS": SchoolType.SBO,
    "SPECIAAL BASISONDERWIJS": SchoolType.SBO,
    # special
    "SO": SchoolType.SO,
    "SPECIAAL ONDERWIJS": SchoolType.SO,
    "SPECIAAL": SchoolType.SO,
    "SO/VSO": SchoolType.SO,
    "SO-VSO": SchoolType.SO,
    "(V)SO": SchoolType.SO,
    "SPECIAAL EN VOORTGEZET SPECIAAL ONDERWIJS": SchoolType.SO,
    "(VOORTGEZET) SPECIAAL ONDERWIJS": SchoolType.SO,
    "WEC": SchoolType.SO,  # wet op de expertisecentra
    # special secondary
    "VSO": SchoolType.VSO,
    "VOORTGEZET SPECIAAL ONDERWIJS": SchoolType.VSO,
    # practical
    "PRO": SchoolType.PRO,
    "PRAKTIJKONDERWIJS": SchoolType.PRO,
    # secondary
    "VO": SchoolType.VO,
    "VOORTGEZET ONDERWIJS": SchoolType.VO,
    "VWO": SchoolType.VO,
    "HAVO": SchoolType.VO,
    "HAVO/VWO": SchoolType.VO,
    "VMBO": SchoolType.VO,
    "MAVO": SchoolType.VO,
    "VBO": SchoolType.VO,
    "VBO/MAVO": SchoolType.VO,
    "VBO/MAVO/PRO": SchoolType.VO,
    "LWOO": SchoolType.VO,
    "BRUGJAAR": SchoolType.VO,
    "BRUGJAAR 1-2": SchoolType.VO,
    "GYMNASIUM": SchoolType.VO,
    "ATHENEUM": SchoolType.VO,
    "LYCEUM": SchoolType.VO,
    "ISK": SchoolType.VO,  # internationale schakelklas
    # vocational
    "MBO": SchoolType.MBO,
    "BEROEPSONDERWIJS": SchoolType.MBO,
    "MIDDELBAAR BEROEPSONDERWIJS": SchoolType.MBO,
}
_TYPE_SPLIT = re.compile(r"\s*[/,;+&|]\s*|\s+EN\s+")
_FIRST_WORD = re.compile(r"[^0-9A-Z]+")

#: DUO's placeholder rows (an unknown location, municipality 9999): not a school and not a municipality.
PLACEHOLDER_TEXTS = frozenset({"ONBEKEND", "NIET BEKEND", "ONBEKEND ONBEKEND", "N.V.T.", "NVT", "-", "?"})
PLACEHOLDER_MUNICIPALITY_CODES = frozenset({"GM9999", "GM0000"})

BRIN = re.compile(r"[0-9]{2}[A-Z]{2}")  # used with fullmatch: "$" would accept a trailing newline
VESTIGING = re.compile(r"[0-9]{2}")
MUNICIPALITY_CODE = re.compile(r"(?:GM)?([0-9]{1,4})")
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
    #: Rows of DUO's placeholders (``ONBEKEND``, municipality 9999): skipped, never a school or a municipality.
    placeholders: list[int] = field(default_factory=list)

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
    #: Rows of DUO's placeholders (``ONBEKEND``, municipality 9999) that were skipped.
    placeholders: list[int] = field(default_factory=list)
    dry_run: bool = False

    @property
    def ok(self) -> bool:
        return not self.errors


# --- reading -------------------------------------------------------------------------------------------------


def normalise_header(name: str) -> str:
    """``'"Brin_nummer" '`` -> ``'BRIN NUMMER'``."""
    cleaned = name.replace("\ufeff", "").strip().strip("\"'").replace("_", " ")
    return " ".join(cleaned.upper().split())


# --- checking ------------------------------------------------------------------------------------------------


_LOWER_WORDS = frozenset({"aan", "bij", "de", "den", "der", "en", "het", "in", "op", "over", "ten", "ter", "van"})
#: DUO's ways to write the article of 's-Hertogenbosch and 's-Gravenhage: "S HERTOGENBOSCH", "'S-GRAVENHAGE".
_ARTICLE = re.compile(r"^(?:'?(S|T)[ -]+|'(S|T)(?=[A-Z]))(?=\S)", re.IGNORECASE)


def _capitalise(part: str) -> str:
    lower = part.lower()
    if lower in ("'s", "'t"):
        return lower
    if lower.startswith("ij"):
        return "IJ" + lower[2:]
    return lower[:1].upper() + lower[1:]


def municipality_name(raw: str) -> str:
    """DUO's spelling of a municipality -> its usual display name (a label only: municipalities are identified by
    their CBS code). Capitals become the usual case: ``CAPELLE AAN DEN IJSSEL`` -> ``Capelle aan den IJssel``
    (likewise all lower case; mixed case is kept). The article is written as the municipality does, whatever DUO
    made of it: ``S HERTOGENBOSCH``, ``'S HERTOGENBOSCH`` and ``'S-HERTOGENBOSCH`` -> ``'s-Hertogenbosch``."""
    name = " ".join(raw.split())
    article = _ARTICLE.match(name)
    prefix = ""
    if article and len(name) > article.end() + 1:
        prefix = "'" + (article.group(1) or article.group(2)).lower() + "-"
        name = name[article.end() :]
    if name not in (name.upper(), name.lower()):
        return prefix + name
    words: list[str] = []
    for index, word in enumerate(name.split(" ")):
        if word.startswith("("):  # BERGEN (NH)
            words.append(word.upper())
        elif index > 0 and word.lower() in _LOWER_WORDS:
            words.append(word.lower())
        else:
            words.append("-".join(_capitalise(part) for part in word.split("-")))
    return prefix + " ".join(words)


def municipality_key(name: str) -> str:
    """What two spellings of one municipality's name share: ``'s-Hertogenbosch`` and ``S HERTOGENBOSCH`` ->
    ``shertogenbosch``. Used only to find a municipality that has no CBS code yet."""
    return "".join(ch for ch in name.casefold() if ch.isalnum())


def municipality_code(raw: str) -> str | None:
    """A CBS municipality code as DUO writes it (``796``, ``0796``, ``GM0796``) -> ``GM0796``; ``""`` for an
    empty cell; None when it is not a code (other characters, non-ASCII digits such as ``'٧٩٦'``)."""
    text = "".join(raw.split()).upper()
    if not text:
        return ""
    found = MUNICIPALITY_CODE.fullmatch(text) if text.isascii() else None
    return f"GM{int(found.group(1)):04d}" if found else None


def school_type_of(value: str) -> tuple[str | None, bool]:
    """DUO's description of the education -> (our school type or None, whether the value was ambiguous).

    Looked up in :data:`SCHOOL_TYPE_VALUES`: whole, else per part. A combination within secondary education
    ("VWO/HAVO/VMBO", "VMBO/PRO") is vo; a combination across other kinds ("BAS/VO") is ambiguous; a part that
    is not in the table makes the whole value unknown (None, False).
    """
    text = " ".join(value.upper().split())
    if not text:
        return None, False
    if text in SCHOOL_TYPE_VALUES:
        return SCHOOL_TYPE_VALUES[text], False
    found: set[str] = set()
    for part in filter(None, _TYPE_SPLIT.split(text)):
        school_type = SCHOOL_TYPE_VALUES.get(part) or SCHOOL_TYPE_VALUES.get(_FIRST_WORD.split(part, maxsplit=1)[0])
        if school_type is None:
            return None, False  # a part we do not know: do not guess from the rest
        found.add(school_type)
    if found <= {SchoolType.VO, SchoolType.PRO} and SchoolType.VO in found:
        return SchoolType.VO, False
    if len(found) == 1:
        return found.pop(), False
    return None, True


def is_placeholder(name: str, municipality: str, code: str | None) -> bool:
    """DUO's rows for an unknown location: name or municipality ``ONBEKEND`` (any case), or municipality 9999."""
    return (
        name.upper() in PLACEHOLDER_TEXTS
        or municipality.upper() in PLACEHOLDER_TEXTS
        or code in PLACEHOLDER_MUNICIPALITY_CODES
    )


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
    """Read and check every row of a DUO school list (CSV in any encoding Excel writes, or XLSX); no database reads
    or writes.

    ``school_type`` is the type of every row of a file *without* a type column; it never overrides what a row
    says (an unknown or empty value in a type column is that row's error). ``progress`` is called with the number
    of rows read so far, once per row. Raises ValueError for a ``school_type`` that is not one of ours.
    """
    if school_type is not None and school_type not in SchoolType.values:
        raise ValueError(f"Unknown school type {school_type!r}; expected one of {', '.join(SchoolType.values)}.")
    result = ParseResult()
    state = {"row": 1}
    try:
        with spreadsheets.open_table(source, skip_initial_space=True) as table:
            result.encoding = table.encoding
            _check_rows(_counted(table.rows, state), result, school_type, progress)
    except spreadsheets.UnreadableFile as exc:
        result.errors.append(RowError(state["row"], "-", f"Het bestand is niet leesbaar: {exc.reason}"))
    if result.errors:
        result.rows = []
    return result


def _counted(rows: Iterator[list[Any]], state: dict[str, int]) -> Iterator[list[str]]:
    for number, row in enumerate(rows, start=1):
        state["row"] = number
        yield [spreadsheets.cell_text(cell) for cell in row]


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
    missing = [f for f in REQUIRED if f not in found and not (f == "municipality" and "municipality_code" in found)]
    if missing:
        result.errors.append(_missing_columns_message(missing, header))
        return
    column = {f: normalise_header(header[i]) for f, i in found.items()}
    result.columns = column
    has_type_column = "structure" in found
    type_column = column.get("structure", COLUMNS["structure"][0])

    seen: dict[tuple[str, str], int] = {}
    codes: dict[str, tuple[str, int]] = {}  # municipality code -> (its display name, first row)
    for number, values in enumerate(reader, start=2):
        if progress is not None:
            progress(number - 1)
        if not any(v.strip() for v in values):
            continue  # an empty line

        def value(field_name: str, values: list[str] = values) -> str:
            index = found.get(field_name)
            return " ".join(values[index].split()) if index is not None and index < len(values) else ""

        name = value("name")
        raw_municipality = value("municipality")
        code = municipality_code(value("municipality_code"))
        if is_placeholder(name, raw_municipality, code):
            result.placeholders.append(number)
            continue

        errors: list[RowError] = []
        brin = value("brin").upper()
        if not BRIN.fullmatch(brin):
            reason = "BRIN-nummer moet twee cijfers (0-9) en twee hoofdletters zijn (bijvoorbeeld 12AB)"
            errors.append(RowError(number, column["brin"], f"{reason}, niet '{brin}'." if brin else f"{reason}."))

        vestiging = value("vestiging").upper()
        vestiging_error = ""
        if len(vestiging) == 6:  # the full BRIN6, as in VESTIGINGSCODE
            if BRIN.fullmatch(brin) and vestiging[:4] != brin:
                vestiging_error = f"Vestigingscode {vestiging} hoort niet bij BRIN-nummer {brin}."
            vestiging = vestiging[4:]
        elif spreadsheets.is_ascii_digits(vestiging) and len(vestiging) == 1:  # "0": the leading zero lost
            vestiging = f"0{vestiging}"
        if not vestiging_error and not VESTIGING.fullmatch(vestiging):
            vestiging_error = (
                "Vestigingsnummer moet twee cijfers (0-9) zijn (bijvoorbeeld 00) of de volledige vestigingscode "
                "(bijvoorbeeld 12AB00)."
            )
        if vestiging_error:
            errors.append(RowError(number, column["vestiging"], vestiging_error))

        if not name:
            errors.append(RowError(number, column["name"], "Naam van de vestiging ontbreekt."))
        elif len(name) > NAME_MAX:
            errors.append(RowError(number, column["name"], f"Naam is langer dan {NAME_MAX} tekens."))

        municipality = municipality_name(raw_municipality)
        code_column = column.get("municipality_code", COLUMNS["municipality_code"][0])
        if code is None:
            reason = (
                "Gemeentecode moet een CBS-code zijn: cijfers 0-9, eventueel met GM ervoor (bijvoorbeeld 0193 of "
                "GM0193)."
            )
            errors.append(RowError(number, code_column, reason))
        elif code and code in codes and municipality_key(codes[code][0]) != municipality_key(municipality):
            first_name, first_row = codes[code]
            reason = f"Gemeentecode {code} heet in rij {first_row} '{first_name}', hier '{municipality}'."
            errors.append(RowError(number, column.get("municipality", code_column), reason))
        elif code:
            codes.setdefault(code, (municipality, number))
        if not municipality and not code:
            errors.append(RowError(number, column.get("municipality", code_column), "Gemeente ontbreekt."))
        elif len(municipality) > MUNICIPALITY_MAX:
            reason = f"Naam van de gemeente is langer dan {MUNICIPALITY_MAX} tekens."
            errors.append(RowError(number, column.get("municipality", code_column), reason))

        kind: str | None
        if has_type_column:  # the row says it: the --school-type default never overrides it
            structure = value("structure")
            kind, ambiguous = school_type_of(structure)
            if kind is None:
                known = "; bekend zijn onder meer BO, SBO, SO, VSO, SO/VSO, VO, HAVO/VWO, VBO/MAVO/PRO, PRO en MBO"
                if ambiguous:
                    reason = f"Schooltype is niet eenduidig ('{structure}'){known}."
                elif structure:
                    reason = f"Schooltype '{structure}' is onbekend{known}."
                else:
                    reason = "Schooltype ontbreekt."
                errors.append(RowError(number, type_column, reason))
        else:
            kind = default_type
            if kind is None:
                reason = "Het bestand noemt geen schooltype; geef het schooltype op (--school-type)."
                errors.append(RowError(number, type_column, reason))

        key = (brin, vestiging)
        if key in seen:
            reason = f"Vestiging {brin}{vestiging} staat ook al in rij {seen[key]}."
            errors.append(RowError(number, column["vestiging"], reason))
        elif BRIN.fullmatch(brin) and not vestiging_error:
            seen[key] = number

        if errors:
            result.errors.extend(errors)
        elif not result.errors:  # once a row is bad nothing will be written: stop keeping rows
            result.rows.append(
                SchoolRow(
                    row=number,
                    brin=brin,
                    vestiging=vestiging,
                    name=name,
                    municipality=municipality,
                    municipality_code=code or "",
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

    Schools are matched on BRIN + vestiging; a changed name, municipality or school type is updated. Municipalities
    are matched on their CBS code (the name is a label and is never changed by an import); a municipality that has
    no code yet is found by its name in any of DUO's spellings and gets the code; a missing one is created with
    the display name (:func:`municipality_name`). DUO's placeholder rows are skipped (``report.placeholders``).
    With ``dry_run`` the counts are computed and everything is rolled back.
    """
    parsed = parse(source, school_type=school_type, progress=progress)
    report = ImportReport(errors=list(parsed.errors), dry_run=dry_run, placeholders=list(parsed.placeholders))
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

        to_create: list[Organisation] = []
        to_update: list[Organisation] = []
        finder = _Municipalities(
            parsed.columns.get("municipality") or parsed.columns.get("municipality_code") or COLUMNS["municipality"][0]
        )
        for row in parsed.rows:
            municipality = finder.find(row)
            if isinstance(municipality, RowError):
                report.errors.append(municipality)
                continue
            if municipality.pk is None:
                municipality.save()
                report.new_municipalities.append(municipality.name)
            elif municipality.pk in finder.coded:
                municipality.save(update_fields=["cbs_code"])
                finder.coded.discard(municipality.pk)
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
        if report.errors:
            transaction.set_rollback(True)
            report.new_municipalities = []
            return report
        Organisation.objects.bulk_create(to_create, batch_size=BATCH)
        Organisation.objects.bulk_update(to_update, ["name", "school_type", "municipality"], batch_size=BATCH)
        report.created, report.updated = len(to_create), len(to_update)
        if dry_run:
            transaction.set_rollback(True)
    return report


class _Municipalities:
    """Finding a row's municipality: by CBS code, else by name (any spelling) when the record has no code yet."""

    def __init__(self, column: str) -> None:
        self.column = column  # as the file spells it, for messages
        everything = list(Municipality.objects.all())
        self.by_code = {m.cbs_code: m for m in everything if m.cbs_code}
        self.by_key = {municipality_key(m.name): m for m in everything}
        self.coded: set[int] = set()  # existing municipalities that got their code from this file

    def find(self, row: SchoolRow) -> Municipality | RowError:
        """The municipality (unsaved when new; ``coded`` holds the pks whose code must be saved) or why not."""
        code, key = row.municipality_code, municipality_key(row.municipality)
        if code and code in self.by_code:
            return self.by_code[code]
        named = self.by_key.get(key)
        if named is not None:
            if code and named.cbs_code and named.cbs_code != code:
                return RowError(
                    row.row,
                    self.column,
                    f"Gemeente '{row.municipality}' heeft in dit bestand code {code}, maar in Rondom code "
                    f"{named.cbs_code}.",
                )
            if code and not named.cbs_code:
                named.cbs_code = code
                self.by_code[code] = named
                if named.pk is not None:
                    self.coded.add(named.pk)
            return named
        if not row.municipality:
            return RowError(
                row.row,
                self.column,
                f"Gemeente {code} staat nog niet in Rondom en het bestand noemt geen naam; voeg een kolom "
                "GEMEENTENAAM toe of maak de gemeente eerst aan.",
            )
        created = Municipality(name=row.municipality, cbs_code=code)
        self.by_key[key] = created
        if code:
            self.by_code[code] = created
        return created
