"""The checks every roster gets before anything is written, whatever its source (EDEXML, mapped CSV/XLSX, the
demo's generator): pure functions over `rondom.roster.types`, no database.

Each check returns `RowError`s (row, the Dutch field name as the source names it, a Dutch reason) and never the
row's personal data. Readers run them after parsing, so that one refusal lists every error of the file;
`services.apply_roster` runs them again (a Roster may come from code) together with the checks that need the
school and the day.
"""

from __future__ import annotations

import re
from datetime import date

from django.utils.translation import gettext as _

from rondom.records.services import bsn_refused_message
from rondom.registry.bsn import bsn_error, normalise_bsn
from rondom.registry.models import Guardianship
from rondom.spreadsheets import is_ascii_digits

from .types import Roster, RosterParent, RowError

#: The Dutch names of a roster's fields as the school's systems (EDEXML 2.1) name them; a mapped file passes its
#: own column names instead.
FIELD_NAMES: dict[str, str] = {
    "key": "key",
    "given_name": "roepnaam",
    "family_name": "achternaam",
    "voorvoegsel": "voorvoegsel",
    "date_of_birth": "geboortedatum",
    "group_key": "groep",
    "group_name": "naam",
    "bsn": "bsn",
    "onderwijsnummer": "onderwijsnummer",
    "email": "emailadres",
    "school_year": "schooljaar",
    "brin": "brincode",
    "vestiging": "dependancecode",
    "relation": "relatie",
    "has_authority": "gezag",
    "phone": "telefoon",
    "pupil_key": "leerling",
    "jaargroep": "jaargroep",
    "eck_id": "eckid",
}

SCHOOL_YEAR_RE = re.compile(r"\A([0-9]{4})-([0-9]{4})\Z")
KEY_MAX = 64
NAME_MAX = 100
GROUP_NAME_MAX = 40
#: registry.SchoolGroup.jaargroep, registry.PupilKey.eck_id (the voorvoegsel is part of Child.family_name, NAME_MAX).
JAARGROEP_MAX = 8
ECK_ID_MAX = 256
#: A parent's account (django.contrib.auth User): first_name and last_name 150, email 254.
PARENT_NAME_MAX = 150
EMAIL_MAX = 254
EMAIL_RE = re.compile(r"\A[^@\s]+@[^@\s]+\.[^@\s]+\Z")


def school_year_error(value: str) -> str | None:
    """Why `value` is not a school year like '2026-2027' (two ASCII years, the second one after the first)."""
    match = SCHOOL_YEAR_RE.match(value or "")
    if not match or int(match.group(2)) != int(match.group(1)) + 1:
        return _("The school year must be written as two consecutive years, e.g. 2026-2027.")
    return None


def onderwijsnummer_error(value: str) -> str | None:
    """Why `value` is not an onderwijsnummer: DUO gives nine digits (ASCII 0-9 only; spaces, dots and hyphens
    between them are allowed as for a BSN)."""
    digits = normalise_bsn(value)
    if not (is_ascii_digits(digits) and len(digits) == 9):
        return _("The onderwijsnummer must be 9 digits (0-9).")
    return None


def onderwijsnummer_refused_message() -> str:
    """The one answer to an onderwijsnummer that may not be used here (it is that of a child now at another school):
    it does not say why, so that a roster never tells which numbers are known elsewhere (AVG art. 5(1)(f))."""
    return _(
        "This onderwijsnummer cannot be used. Check the 9 digits; if the number is right, ask your functional "
        "administrator."
    )


def pupil_bsn_error(value: str) -> str | None:
    """Why `value` is not a BSN for a roster row: other characters than 0-9 get their own reason (it tells nothing
    about any child); a number that fails the elfproef gets the neutral answer of every refused BSN
    (records.services.bsn_refused_message), the same as a BSN of a child now at another school, so that a (dry)
    run never tells which BSNs are known elsewhere (issue 15 review, finding 2)."""
    error = bsn_error(value)
    if error is None:
        return None
    return error if not is_ascii_digits(normalise_bsn(value)) else bsn_refused_message()


def _too_long(row: int, field: str, value: str, limit: int) -> RowError | None:
    if len(value) > limit:
        return RowError(row, field, _("The value is longer than %(max)s characters.") % {"max": limit})
    return None


def check_roster(roster: Roster, names: dict[str, str] | None = None) -> list[RowError]:
    """Every error of `roster` that needs no database: the school year; per group a key (unique) and a name; per
    pupil a key (unique), roepnaam, achternaam, a known group, a valid BSN (elfproef on ASCII digits, Logius) or
    onderwijsnummer, each unique in the file; per teacher a key (unique) and known groups. `names` maps a field
    (keys of FIELD_NAMES) to the name the file uses for it. Returns the errors in row order."""
    n = {**FIELD_NAMES, **(names or {})}
    errors: list[RowError] = []
    if not roster.brin:
        errors.append(RowError(0, n["brin"], _("The file does not name the school (BRIN).")))
    error = school_year_error(roster.school_year)
    if error:
        errors.append(RowError(0, n["school_year"], error))

    group_keys: set[str] = set()
    for number, group in enumerate(roster.groups, start=1):
        row = getattr(group, "row", 0) or 0
        if not group.key:
            errors.append(RowError(row, n["key"], _("Group %(number)s has no key.") % {"number": number}))
        elif len(group.key) > KEY_MAX:
            errors.append(RowError(row, n["key"], _("The key is longer than %(max)s characters.") % {"max": KEY_MAX}))
        elif group.key in group_keys:
            errors.append(RowError(row, n["key"], _("This group key occurs more than once in the file.")))
        group_keys.add(group.key)
        if len(group.jaargroep.strip()) > JAARGROEP_MAX:
            errors.append(
                RowError(
                    row, n["jaargroep"], _("The year group is longer than %(max)s characters.") % {"max": JAARGROEP_MAX}
                )
            )
        if not group.name.strip():
            errors.append(RowError(row, n["group_name"], _("The group has no name.")))
        elif len(group.name) > GROUP_NAME_MAX:
            errors.append(
                RowError(
                    row, n["group_name"], _("The name is longer than %(max)s characters.") % {"max": GROUP_NAME_MAX}
                )
            )

    keys: set[str] = set()
    bsns: set[str] = set()
    numbers: set[str] = set()
    for pupil in roster.pupils:
        row = pupil.row
        if not pupil.key.strip():
            errors.append(RowError(row, n["key"], _("The pupil has no key (pupil number).")))
        elif len(pupil.key) > KEY_MAX:
            errors.append(RowError(row, n["key"], _("The key is longer than %(max)s characters.") % {"max": KEY_MAX}))
        elif pupil.key in keys:
            errors.append(RowError(row, n["key"], _("This pupil key occurs more than once in the file.")))
        keys.add(pupil.key)
        for field, value in (("given_name", pupil.given_name), ("family_name", pupil.full_family_name)):
            if not value.strip():
                errors.append(RowError(row, n[field], _("This field is required.")))
            elif len(value) > NAME_MAX:
                errors.append(
                    RowError(row, n[field], _("The name is longer than %(max)s characters.") % {"max": NAME_MAX})
                )
        if not isinstance(pupil.date_of_birth, date):
            errors.append(RowError(row, n["date_of_birth"], _("This is not a date.")))
        if pupil.group_key and pupil.group_key not in group_keys:
            errors.append(RowError(row, n["group_key"], _("This group is not in the file.")))
        error_row = _too_long(row, n["eck_id"], pupil.eck_id, ECK_ID_MAX)
        if error_row:
            errors.append(error_row)
        if pupil.bsn:
            error = pupil_bsn_error(pupil.bsn)
            if error:
                errors.append(RowError(row, n["bsn"], error))
            else:
                normal = normalise_bsn(pupil.bsn)
                if normal in bsns:
                    errors.append(RowError(row, n["bsn"], _("This BSN occurs more than once in the file.")))
                bsns.add(normal)
        if pupil.onderwijsnummer:
            error = onderwijsnummer_error(pupil.onderwijsnummer)
            if error:
                errors.append(RowError(row, n["onderwijsnummer"], error))
            else:
                normal = normalise_bsn(pupil.onderwijsnummer)
                if normal in numbers:
                    errors.append(
                        RowError(
                            row, n["onderwijsnummer"], _("This onderwijsnummer occurs more than once in the file.")
                        )
                    )
                numbers.add(normal)

    teacher_keys: set[str] = set()
    for teacher in roster.teachers:
        row = teacher.row
        if teacher.key in teacher_keys:
            errors.append(RowError(row, n["key"], _("This teacher key occurs more than once in the file.")))
        if teacher.key:
            teacher_keys.add(teacher.key)
        if teacher.email and not EMAIL_RE.match(teacher.email.strip()):
            errors.append(RowError(row, n["email"], _("This is not an e-mail address.")))
        if any(k not in group_keys for k in teacher.group_keys):
            errors.append(RowError(row, n["group_key"], _("This group is not in the file.")))
    return sorted(errors, key=lambda e: e.row)


def check_parents(parents: list[RosterParent], names: dict[str, str] | None = None) -> list[RowError]:
    """Every error of a parents list that needs no database: a pupil key, a name, a known relation, an e-mail
    address that is one. Returns the errors in row order."""
    n = {**FIELD_NAMES, **(names or {})}
    errors: list[RowError] = []
    for parent in parents:
        row = parent.row
        if not parent.pupil_key.strip():
            errors.append(RowError(row, n["pupil_key"], _("This field is required.")))
        for field, value, limit in (
            ("pupil_key", parent.pupil_key.strip(), KEY_MAX),
            ("given_name", parent.given_name.strip(), PARENT_NAME_MAX),
            ("family_name", parent.family_name.strip(), PARENT_NAME_MAX),
            ("email", parent.email.strip(), EMAIL_MAX),
        ):
            error_row = _too_long(row, n[field], value, limit)
            if error_row:
                errors.append(error_row)
        if not parent.family_name.strip():
            errors.append(RowError(row, n["family_name"], _("This field is required.")))
        if parent.relation not in Guardianship.Relation.values:
            errors.append(RowError(row, n["relation"], _("Unknown relation.")))
        if parent.email and not EMAIL_RE.match(parent.email.strip()):
            errors.append(RowError(row, n["email"], _("This is not an e-mail address.")))
    return sorted(errors, key=lambda e: e.row)
