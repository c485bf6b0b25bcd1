"""The roster as every source gives it (EDEXML 2.1, a mapped CSV/XLSX, the demo's generator), before it is applied.

A reader (``rondom.roster.edexml``, ``rondom.roster.mapped``) turns a file into a `Roster` or raises
`RosterRefused` with every row error it found; `rondom.roster.services.apply_roster` applies a `Roster` to one
school. Shapes only: nothing here reads the database.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date


@dataclass(frozen=True)
class RowError:
    """One refused row: where (1-based row or line number in the file; 0 = the file as a whole), which field (its
    Dutch name as the user knows it) and why (Dutch, one sentence). Never the row's personal data."""

    row: int
    field: str
    message: str


class RosterRefused(Exception):
    """A file that is not imported at all (all-or-nothing): every error found, in file order."""

    def __init__(self, errors: list[RowError]) -> None:
        super().__init__(f"{len(errors)} error(s)")
        self.errors = errors


@dataclass(frozen=True)
class RosterGroup:
    """EDEXML ``groep``: the source key, the name ('7B') and the jaargroep ('7'; blank when the file has none)."""

    key: str
    name: str
    jaargroep: str = ""
    row: int = 0


@dataclass(frozen=True)
class RosterPupil:
    """EDEXML ``leerling``: key, roepnaam, voorvoegsel, achternaam, geboortedatum, the key of the group, and
    optionally the BSN or onderwijsnummer (nine ASCII digits, elfproef) and the ECK iD. ``row`` is where it stood."""

    key: str
    given_name: str
    family_name: str
    date_of_birth: date
    group_key: str = ""
    voorvoegsel: str = ""
    bsn: str = ""
    onderwijsnummer: str = ""
    eck_id: str = ""
    row: int = 0

    @property
    def full_family_name(self) -> str:
        """'de Vries' from voorvoegsel 'de' and achternaam 'Vries' (how Child.family_name is kept)."""
        return f"{self.voorvoegsel} {self.family_name}".strip() if self.voorvoegsel else self.family_name


@dataclass(frozen=True)
class RosterTeacher:
    """EDEXML ``leerkracht``: key, name parts, e-mail (how the account is found) and the keys of the groups taught."""

    key: str
    given_name: str
    family_name: str
    email: str = ""
    voorvoegsel: str = ""
    group_keys: tuple[str, ...] = ()
    row: int = 0


@dataclass
class Roster:
    """One school's roster for one school year. ``full`` says the file holds every current pupil (a full export):
    only then is a pupil missing from it marked as having left."""

    brin: str
    vestiging: str
    school_year: str  # '2026-2027'
    groups: list[RosterGroup] = field(default_factory=list)
    pupils: list[RosterPupil] = field(default_factory=list)
    teachers: list[RosterTeacher] = field(default_factory=list)
    full: bool = True


@dataclass(frozen=True)
class RosterParent:
    """A parent or carer from the school's separate export: the pupil's key, name, relation (a
    `Guardianship.Relation` value), parental authority and contact (e-mail, phone)."""

    pupil_key: str
    given_name: str
    family_name: str
    relation: str
    has_authority: bool
    email: str = ""
    phone: str = ""
    row: int = 0


@dataclass
class RosterReport:
    """What an import did (or, in a dry run, would do): counts and the pupils per change, named as the school knows
    them (key and name, shown only to the school's functioneel beheerder on the report page)."""

    dry_run: bool = False
    added: list[str] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)
    ended: list[str] = field(default_factory=list)  # pupils marked as having left
    unchanged: int = 0
    groups_added: int = 0
    groups_ended: int = 0
    teachers_linked: int = 0
    #: Group links of teachers ended because the file no longer gives them (GroupTeacher.ended_on).
    teachers_unlinked: int = 0
    #: Teachers of the file for whom no account with a teacher role at this school was found by e-mail
    #: ("geen account gevonden"); accounts are made on the staff pages, never by the import.
    teachers_unmatched: list[str] = field(default_factory=list)
    groups_changed: int = 0
    parents_added: int = 0
    parents_changed: int = 0
