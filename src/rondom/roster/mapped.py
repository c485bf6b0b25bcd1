"""Reading a mapped roster spreadsheet (CSV/XLSX) into a `Roster` (pupils and groups) or `RosterParent`s, for
school systems that only give spreadsheets. The file is read by the shared reader (rondom.spreadsheets: encodings,
BOMs, Excel's ``sep=;`` line, XLSX); a `RosterMapping` says which column holds which field. Headers are matched
without case and spaces ("Geboorte datum" finds "geboortedatum").

Groups are made from the group column: one group per distinct name, its key the name. Row numbers in errors are
the file's lines (the header is line 1). Every error of the file is reported at once (RosterRefused).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import date
from typing import Any

from django.utils.translation import gettext as _

from rondom import spreadsheets
from rondom.accounts.models import Organisation
from rondom.registry.models import Guardianship

from .checks import JAARGROEP_MAX, check_parents, check_roster
from .models import RosterMapping
from .types import Roster, RosterGroup, RosterParent, RosterPupil, RosterRefused, RosterTeacher, RowError

PUPIL_FIELDS = (
    "key",
    "given_name",
    "voorvoegsel",
    "family_name",
    "date_of_birth",
    "group",
    "bsn",
    "onderwijsnummer",
    "teacher_email",
)
PUPIL_REQUIRED = ("key", "given_name", "family_name", "date_of_birth")
PARENT_FIELDS = (
    "pupil_key",
    "given_name",
    "voorvoegsel",
    "family_name",
    "relation",
    "has_authority",
    "email",
    "phone",
)
PARENT_REQUIRED = ("pupil_key", "family_name")
#: A date of birth that could not be read (the row is refused; the reader goes on to find every error).
_NO_DATE = date.min

R = Guardianship.Relation
#: The words Dutch school systems use for a parent's relation, lower case; a mapping's relation_values come first.
DEFAULT_RELATIONS: dict[str, str] = {
    "ouder": R.PARENT,
    "moeder": R.PARENT,
    "vader": R.PARENT,
    "ouder/verzorger": R.PARENT,
    "voogd": R.GUARDIAN,
    "gezinsvoogd": R.GUARDIAN,
    "pleegouder": R.FOSTER_PARENT,
    "pleegmoeder": R.FOSTER_PARENT,
    "pleegvader": R.FOSTER_PARENT,
    "stiefouder": R.STEP_PARENT,
    "stiefmoeder": R.STEP_PARENT,
    "stiefvader": R.STEP_PARENT,
    "verzorger": R.OTHER,
    "overig": R.OTHER,
    "anders": R.OTHER,
    **{value: value for value in R.values},
}
YES = frozenset({"ja", "j", "yes", "y", "1", "true", "waar", "x"})
NO = frozenset({"nee", "n", "no", "0", "false", "onwaar", ""})
_EMAILS = re.compile(r"[,;\s]+")


def _norm(header: Any) -> str:
    return "".join(spreadsheets.cell_text(header).split()).lower()


def _open(source: Any, mapping: RosterMapping, fields: tuple[str, ...], required: tuple[str, ...]) -> Iterator[Any]:
    """Yield (positions, rows) after checking the header; raises RosterRefused for an unreadable file or missing
    columns."""
    try:
        with spreadsheets.open_table(source) as table:
            header = next(table.rows, None)
            if header is None:
                raise RosterRefused([RowError(0, "", _("The file is empty."))])
            index = {_norm(h): i for i, h in reversed(list(enumerate(header)))}
            positions: dict[str, int] = {}
            missing: list[RowError] = []
            columns = mapping.columns or {}
            for name in required:
                if not columns.get(name):
                    missing.append(RowError(1, name, _("The mapping names no column for this field.")))
            for name in fields:
                column = columns.get(name)
                if not column:
                    continue
                if _norm(column) in index:
                    positions[name] = index[_norm(column)]
                else:
                    missing.append(RowError(1, column, _("The file has no column with this name.")))
            if missing:
                raise RosterRefused(missing)
            yield positions, table.rows
    except spreadsheets.UnreadableFile as error:
        raise RosterRefused([RowError(0, "", error.reason)]) from None


def _cells(row: list[Any], positions: dict[str, int]) -> dict[str, Any]:
    return {name: (row[i] if i < len(row) else "") for name, i in positions.items()}


def read_pupils(source: Any, mapping: RosterMapping, *, school: Organisation, school_year: str) -> Roster:
    """Read a pupils spreadsheet (a path or a binary file) with `mapping` (kind pupils) into a full `Roster` of
    `school` (its BRIN and vestiging) for `school_year` ('2026-2027'). A teacher_email column links the e-mail
    addresses in it to the pupil's group (a teacher per address, key = the address).

    Raises RosterRefused with every error: unreadable file, missing columns, a row without key, names or a valid
    date of birth, a BSN failing the elfproef (ASCII digits only), duplicate keys (checks.check_roster), each with
    the file's line number and the mapping's column name."""
    columns = mapping.columns or {}
    names = {
        "key": columns.get("key", "key"),
        "given_name": columns.get("given_name", "roepnaam"),
        "family_name": columns.get("family_name", "achternaam"),
        "voorvoegsel": columns.get("voorvoegsel", "voorvoegsel"),
        "date_of_birth": columns.get("date_of_birth", "geboortedatum"),
        "group_key": columns.get("group", "groep"),
        "group_name": columns.get("group", "groep"),
        "bsn": columns.get("bsn", "bsn"),
        "onderwijsnummer": columns.get("onderwijsnummer", "onderwijsnummer"),
        "email": columns.get("teacher_email", "emailadres"),
    }
    roster = Roster(brin=school.brin, vestiging=school.vestiging, school_year=school_year)
    errors: list[RowError] = []
    groups: dict[str, RosterGroup] = {}
    teachers: dict[str, list[str]] = {}
    formats = (mapping.date_format,)
    try:
        for positions, rows in _open(source, mapping, PUPIL_FIELDS, PUPIL_REQUIRED):
            for number, row in enumerate(rows, start=2):
                if not any(spreadsheets.cell_text(c) for c in row):
                    continue
                cells = _cells(row, positions)
                text = {k: spreadsheets.cell_text(v) for k, v in cells.items()}
                born = spreadsheets.parse_date(cells["date_of_birth"], formats)
                if born is None:
                    message = (
                        _("This field is required.")
                        if not text["date_of_birth"]
                        else _("This is not a date; write it as %(example)s.")
                        % {"example": mapping.get_date_format_display()}
                    )
                    errors.append(RowError(number, names["date_of_birth"], message))
                group = text.get("group", "")
                if group and group not in groups:
                    groups[group] = RosterGroup(key=group, name=group, jaargroep=_jaargroep(group), row=number)
                for email in _EMAILS.split(text.get("teacher_email", "")):
                    if email and group:
                        teachers.setdefault(email.lower(), [])
                        if group not in teachers[email.lower()]:
                            teachers[email.lower()].append(group)
                roster.pupils.append(
                    RosterPupil(
                        key=text["key"],
                        given_name=text["given_name"],
                        family_name=text["family_name"],
                        voorvoegsel=text.get("voorvoegsel", ""),
                        date_of_birth=born or _NO_DATE,
                        group_key=group,
                        bsn=text.get("bsn", ""),
                        onderwijsnummer=text.get("onderwijsnummer", ""),
                        row=number,
                    )
                )
    except spreadsheets.UnreadableFile as error:
        errors.append(RowError(0, "", error.reason))
    roster.groups = list(groups.values())
    roster.teachers = [
        RosterTeacher(key=email, given_name="", family_name="", email=email, group_keys=tuple(keys))
        for email, keys in teachers.items()
    ]
    errors += check_roster(roster, names)
    if errors:
        raise RosterRefused(sorted(dict.fromkeys(errors), key=lambda e: e.row))
    return roster


def _jaargroep(name: str) -> str:
    """'7B' -> '7', 'groep 8' -> '8', 'H2a' -> '2': the first run of ASCII digits of the group's name, if any; blank
    when that run is longer than SchoolGroup.jaargroep holds (checks.JAARGROEP_MAX: no year group has 9 digits)."""
    found = re.search(r"[0-9]+", name)
    return found.group(0) if found and len(found.group(0)) <= JAARGROEP_MAX else ""


def read_parents(source: Any, mapping: RosterMapping) -> list[RosterParent]:
    """Read a parents spreadsheet (a path or a binary file) with `mapping` (kind parents) into `RosterParent`s.

    The relation is looked up (without case) in the mapping's relation_values, then in DEFAULT_RELATIONS;
    has_authority (gezag) reads ja/nee, j/n, yes/no, 1/0, waar/onwaar or x/blank; voorvoegsel and achternaam
    make the family name. Raises RosterRefused with every error (row, the mapping's column name, Dutch reason)."""
    columns = mapping.columns or {}
    names = {
        "pupil_key": columns.get("pupil_key", "leerling"),
        "family_name": columns.get("family_name", "achternaam"),
        "relation": columns.get("relation", "relatie"),
        "email": columns.get("email", "emailadres"),
        "has_authority": columns.get("has_authority", "gezag"),
    }
    relations = {**DEFAULT_RELATIONS, **{str(k).strip().lower(): v for k, v in (mapping.relation_values or {}).items()}}
    parents: list[RosterParent] = []
    errors: list[RowError] = []
    try:
        for positions, rows in _open(source, mapping, PARENT_FIELDS, PARENT_REQUIRED):
            for number, row in enumerate(rows, start=2):
                if not any(spreadsheets.cell_text(c) for c in row):
                    continue
                text = {k: spreadsheets.cell_text(v) for k, v in _cells(row, positions).items()}
                word = text.get("relation", "").lower()
                relation = relations.get(word, "") if "relation" in positions else R.PARENT
                if "relation" in positions and not relation:
                    errors.append(
                        RowError(
                            number,
                            names["relation"],
                            _("Unknown relation; add it to the mapping or use one of: %(words)s.")
                            % {"words": ", ".join(sorted(k for k in DEFAULT_RELATIONS if k not in R.values))},
                        )
                    )
                    relation = R.OTHER
                gezag = text.get("has_authority", "ja").lower()
                if gezag not in YES and gezag not in NO:
                    errors.append(RowError(number, names["has_authority"], _("Write ja or nee.")))
                family = " ".join(x for x in (text.get("voorvoegsel", ""), text["family_name"]) if x)
                parents.append(
                    RosterParent(
                        pupil_key=text["pupil_key"],
                        given_name=text.get("given_name", ""),
                        family_name=family,
                        relation=relation,
                        has_authority=gezag in YES,
                        email=text.get("email", ""),
                        phone=text.get("phone", ""),
                        row=number,
                    )
                )
    except spreadsheets.UnreadableFile as error:
        errors.append(RowError(0, "", error.reason))
    errors += check_parents(parents, names)
    if errors:
        raise RosterRefused(sorted(dict.fromkeys(errors), key=lambda e: e.row))
    return parents
