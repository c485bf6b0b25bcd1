"""The demo's pupils come in through the roster import (issue 15: "the demo loads its pupils through the roster import
from generated EDEXML, so the demo itself proves it"). Per school the generator's pupils are put into groups (groepen
by age in primary and special primary education, klassen by leerjaar in secondary), written as the EDEXML 2.1 file a
school administration system exports (`rondom.roster.edexml_writer`), read back by the real reader
(`parse_edexml`) and applied by the real import as the system (`apply_roster_as_system`).

At De Esch the demo teacher (login ``leerkracht``, Lotte de Vries) teaches one group, ``Groep 5A``, named in the file's
``leerkracht`` element by her e-mail address; the named children of data.py at De Esch are in her group, the school's
other pupils in other groups. Deterministic (no random draws here; the order is the generator's) and free of the
wall clock (``today`` is passed in).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, time
from pathlib import Path

from django.conf import settings

from rondom.accounts.models import Organisation, User
from rondom.core.schoolyear import SchoolYear
from rondom.demo.data import ORGANISATIONS
from rondom.registry.models import Child, GroupTeacher, PupilKey, SchoolGroup
from rondom.roster.edexml import parse_edexml
from rondom.roster.edexml_writer import write_edexml
from rondom.roster.services import apply_roster_as_system
from rondom.roster.types import Roster, RosterGroup, RosterPupil, RosterReport, RosterTeacher

#: At most this many pupils in one group (a Dutch primary group is 23-28 on average).
GROUP_SIZE = 28
#: De Esch, the school of the demo logins ``ib``, ``leerkracht`` and ``beheer`` (data.ORGANISATIONS).
ESCH = "Basisschool De Esch"
#: The group the demo teacher teaches; the named children of De Esch are in it.
TEACHERS_GROUP = "Groep 5A"
TEACHER_LOGIN = "leerkracht"
#: Voorvoegsels split off a family name for EDEXML (achternaam 'Vries', voorvoegsel 'de'); longest first.
VOORVOEGSELS = ("van den", "van der", "van de", "van", "de", "den", "der", "te", "ten", "ter")


@dataclass(frozen=True)
class Pupil:
    """One pupil as the generator made it: the key the school's system gives him or her, the name as Rondom keeps it
    ('de Vries'), the date of birth, the age (for the group) and the BSN ('' when the file has none)."""

    key: str
    given_name: str
    family_name: str
    date_of_birth: date
    age: int
    bsn: str = ""


def split_name(family_name: str) -> tuple[str, str]:
    """'de Vries' -> ('de', 'Vries'); 'El Amrani' -> ('', 'El Amrani') (only Dutch voorvoegsels, lower case)."""
    for prefix in VOORVOEGSELS:
        if family_name.startswith(prefix + " "):
            return prefix, family_name[len(prefix) + 1 :]
    return "", family_name


def _jaargroep(school_type: str, age: int) -> tuple[str, str]:
    """(jaargroep, the group name's stem) for a pupil of `age` at a school of `school_type`: groep 1-8 in primary
    and special primary education, leerjaar 1-6 in secondary, VSO and praktijkonderwijs."""
    if school_type in ("po", "sbo", "so"):
        year = min(max(age - 3, 1), 8)
        return str(year), f"Groep {year}"
    year = min(max(age - 11, 1), 6)
    return str(year), str(year)


def build_roster(
    school: Organisation, pupils: list[Pupil], *, today: date, kept: dict[str, Pupil] | None = None
) -> Roster:
    """The school's roster: its pupils in groups of at most GROUP_SIZE per jaargroep (A, B, ...), in the order given.
    At De Esch the pupils in ``kept`` (the named children of data.py, by key) go into TEACHERS_GROUP, which the demo
    teacher teaches; ``kept`` pupils elsewhere keep a group of their jaargroep. Raises nothing."""
    kept = kept or {}
    by_year: dict[tuple[str, str], list[Pupil]] = defaultdict(list)
    for pupil in [*kept.values(), *pupils]:
        by_year[_jaargroep(school.school_type, pupil.age)].append(pupil)
    esch = school.name == ESCH
    if esch:  # the teacher's group: the named children first, then the other pupils of groep 5 it has room for
        by_year[("5", "Groep 5")] = [
            *kept.values(),
            *[p for p in by_year[("5", "Groep 5")] if p.key not in kept],
        ]
        for year, members in list(by_year.items()):
            if year != ("5", "Groep 5"):
                by_year[year] = [p for p in members if p.key not in kept]
    roster = Roster(brin=school.brin, vestiging=school.vestiging or "00", school_year=str(SchoolYear.of(today)))
    for (jaargroep, stem), members in sorted(by_year.items(), key=lambda item: (len(item[0][0]), item[0][0])):
        if not members:
            continue
        for start in range(0, len(members), GROUP_SIZE):
            letter = "ABCDEFGHJKLMNPQRSTUVWXYZ"[start // GROUP_SIZE]
            group = RosterGroup(key=f"{school.brin}-{jaargroep}{letter}", name=f"{stem}{letter}", jaargroep=jaargroep)
            roster.groups.append(group)
            for pupil in members[start : start + GROUP_SIZE]:
                voorvoegsel, achternaam = split_name(pupil.family_name)
                roster.pupils.append(
                    RosterPupil(
                        key=pupil.key,
                        given_name=pupil.given_name,
                        family_name=achternaam,
                        voorvoegsel=voorvoegsel,
                        date_of_birth=pupil.date_of_birth,
                        group_key=group.key,
                        bsn=pupil.bsn,
                    )
                )
    if esch:
        teacher = User.objects.filter(username=TEACHER_LOGIN).first()
        taught = [g.key for g in roster.groups if g.name == TEACHERS_GROUP]
        if teacher is not None and teacher.email and taught:
            voorvoegsel, achternaam = split_name(teacher.last_name)
            roster.teachers.append(
                RosterTeacher(
                    key=f"{school.brin}-LK1",
                    given_name=teacher.first_name,
                    family_name=achternaam,
                    voorvoegsel=voorvoegsel,
                    email=teacher.email,
                    group_keys=tuple(taught),
                )
            )
    return roster


def known_pupils(school: Organisation, today: date) -> dict[str, Pupil]:
    """The pupils Rondom already has at `school` (the named children of data.py), by the key the school's system
    gives them; a child without a key gets one ('<brin>-N<child id>'), as the school's system would have one. Used
    so that a full export of the school keeps them (matched, not added again and not marked as having left)."""
    children = list(Child.objects.filter(school=school, left_school_on__isnull=True).order_by("pk"))
    keys = dict(PupilKey.objects.filter(school=school, child__in=children).values_list("child_id", "key"))
    missing = [PupilKey(school=school, child=c, key=f"{school.brin}-N{c.pk}") for c in children if c.pk not in keys]
    PupilKey.objects.bulk_create(missing)
    keys.update({k.child_id: k.key for k in missing})
    return {
        keys[c.pk]: Pupil(
            key=keys[c.pk],
            given_name=c.given_name,
            family_name=c.family_name,
            date_of_birth=c.date_of_birth,
            age=_age(c.date_of_birth, today),
            bsn=c.bsn if c.bsn_index else "",
        )
        for c in children
    }


def _age(born: date, today: date) -> int:
    return today.year - born.year - ((today.month, today.day) < (born.month, born.day))


def import_school(school: Organisation, pupils: list[Pupil], *, today: date) -> tuple[RosterReport, dict[str, int]]:
    """Write the school's EDEXML, read it back and apply it as the system; returns the report and the child id per
    pupil key. The pupils Rondom already has at the school are kept in the file (`known_pupils`). Raises
    RosterRefused when the generated file does not pass the import's checks (a bug in the generator)."""
    kept = known_pupils(school, today)
    roster = build_roster(school, pupils, today=today, kept=kept)
    document = write_edexml(roster, created=datetime.combine(today, time(7, 0)), author="Rondom demo")
    report = apply_roster_as_system(school, parse_edexml(document), today=today)
    ids = dict(PupilKey.objects.filter(school=school).values_list("key", "child_id"))
    return report, ids


def import_login_schools(today: date) -> dict[str, RosterReport]:
    """The schools of the demo logins (De Esch, Thomas a Kempis) that have no groups yet get their roster with the
    pupils Rondom has (``load_demo --small``: no synthetic pupils, but the teacher still has her group). A school
    that already has groups is left alone (the full demo imported it with its synthetic pupils). Idempotent."""
    names = [name for _key, name, kind, *_rest in ORGANISATIONS if kind == "school"]
    done: dict[str, RosterReport] = {}
    for school in Organisation.objects.filter(name__in=names, kind="school").order_by("pk"):
        if not SchoolGroup.objects.filter(school=school).exists():
            done[school.name] = import_school(school, [], today=today)[0]
    return done


def sample_file() -> Path:
    """Where `load_demo` writes De Esch's roster as EDEXML for the functioneel beheerder to try (README)."""
    return Path(settings.VAR_DIR) / "demo" / "leerlingen-de-esch.xml"


def current_roster(school: Organisation, today: date) -> Roster:
    """The school's roster as Rondom holds it now (its current groups, its pupils with their keys and groups, the
    teachers of each group), in the shape the school's system exports: importing it again changes nothing. One
    query per part. Raises nothing."""
    year = str(SchoolYear.of(today))
    groups = list(SchoolGroup.objects.filter(school=school, school_year=year, ended_on__isnull=True).order_by("name"))
    keys = dict(PupilKey.objects.filter(school=school).values_list("child_id", "key"))
    roster = Roster(brin=school.brin, vestiging=school.vestiging or "00", school_year=year)
    roster.groups = [RosterGroup(key=g.key, name=g.name, jaargroep=g.jaargroep) for g in groups]
    by_pk = {g.pk: g.key for g in groups}
    for child in Child.objects.filter(school=school, left_school_on__isnull=True, school_group__in=groups).order_by(
        "pk"
    ):
        if child.pk not in keys:
            continue
        voorvoegsel, achternaam = split_name(child.family_name)
        roster.pupils.append(
            RosterPupil(
                key=keys[child.pk],
                given_name=child.given_name,
                family_name=achternaam,
                voorvoegsel=voorvoegsel,
                date_of_birth=child.date_of_birth,
                group_key=by_pk[child.school_group_id],  # type: ignore[index]
                bsn=child.bsn if child.bsn_index else "",
            )
        )
    taught: dict[int, list[str]] = defaultdict(list)
    users: dict[int, User] = {}
    for link in GroupTeacher.objects.filter(group__in=groups, ended_on__isnull=True).select_related("membership__user"):
        taught[link.membership.user_id].append(by_pk[link.group_id])
        users[link.membership.user_id] = link.membership.user
    for number, (user_id, group_keys) in enumerate(sorted(taught.items()), start=1):
        user = users[user_id]
        voorvoegsel, achternaam = split_name(user.last_name)
        roster.teachers.append(
            RosterTeacher(
                key=f"{school.brin}-LK{number}",
                given_name=user.first_name,
                family_name=achternaam,
                voorvoegsel=voorvoegsel,
                email=user.email,
                group_keys=tuple(sorted(group_keys)),
            )
        )
    return roster


def write_sample(today: date) -> Path | None:
    """Write De Esch's current roster as an EDEXML file at `sample_file` (None when the demo has no De Esch)."""
    school = Organisation.objects.filter(name=ESCH, kind="school").first()
    if school is None:
        return None
    path = sample_file()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(write_edexml(current_roster(school, today), created=datetime.combine(today, time(7, 0))))
    return path
