"""The demo loads its pupils through the roster import from generated EDEXML (issue 15, acceptance): every school
pupil has the key of the school's system and a group; the demo teacher teaches one group at De Esch, named in the
file by her e-mail address, with the named children of De Esch in it and other pupils of De Esch in other groups;
importing the same export again changes nothing."""

from __future__ import annotations

from datetime import date, datetime

import pytest

from rondom.accounts.models import Organisation
from rondom.demo import data, population, rosters
from rondom.registry.models import Child, GroupTeacher, PupilKey, SchoolGroup
from rondom.roster.edexml import parse_edexml
from rondom.roster.edexml_writer import write_edexml
from rondom.roster.services import apply_roster_as_system

pytestmark = pytest.mark.django_db
TODAY = date(2026, 11, 27)
NAMED_AT_ESCH = {("Noor", "Hendriks"), ("Daan", "Bakker"), ("Emma", "Meijer")}


def _teachers_group() -> SchoolGroup:
    link = GroupTeacher.objects.select_related("group", "membership__user").get(ended_on=None)
    assert link.membership.user.username == "leerkracht" and link.group.school.name == rosters.ESCH
    return link.group


def test_the_demo_pupils_come_in_through_the_roster_import_and_the_teacher_has_one_group() -> None:
    data.load(TODAY)
    report = population.generate(scale=0.02, progress=False, today=TODAY)
    pupils = Child.objects.filter(school__school_type__in=["po", "vo", "sbo", "so", "vso", "pro"])
    assert report.counts["through_roster_import"] > 0
    assert not pupils.filter(school_group=None).exists()  # everyone in a group of the school's file
    assert not pupils.exclude(pk__in=PupilKey.objects.values("child")).exists()  # everyone with the system's key
    assert SchoolGroup.objects.filter(school__school_type="vo", name__regex=r"^[1-6][A-Z]$").exists()  # klassen

    group = _teachers_group()
    assert group.name == rosters.TEACHERS_GROUP
    members = set(Child.objects.filter(school_group=group).values_list("given_name", "family_name"))
    assert members >= NAMED_AT_ESCH and len(members) <= rosters.GROUP_SIZE
    esch = group.school
    assert Child.objects.filter(school=esch).exclude(school_group=group).exists()  # others in other groups

    # The same export of a school again (the pupils as Rondom now has them): nothing added or ended.
    other = Organisation.objects.filter(kind="school", school_type="po").exclude(pk=esch.pk).order_by("pk").first()
    assert other is not None
    again = rosters.build_roster(other, [], today=TODAY, kept=rosters.known_pupils(other, TODAY))
    document = write_edexml(again, created=datetime(2026, 11, 27, 7, 0))
    repeat = apply_roster_as_system(other, parse_edexml(document), today=TODAY, dry_run=True)
    assert (repeat.added, repeat.ended) == ([], [])


def test_the_small_demo_also_gives_the_teacher_her_group() -> None:
    data.load(TODAY)
    rosters.import_login_schools(TODAY)
    group = _teachers_group()
    members = set(Child.objects.filter(school_group=group).values_list("given_name", "family_name"))
    assert members == NAMED_AT_ESCH
    assert rosters.import_login_schools(TODAY) == {}  # idempotent: a school with groups is left alone
    assert not Child.objects.exclude(left_school_on=None).exists()


def test_the_sample_roster_of_de_esch_imports_as_no_change(settings, tmp_path) -> None:  # type: ignore[no-untyped-def]
    """`make run` prints a sample EDEXML of De Esch for the functioneel beheerder to try (README): it is the school as
    Rondom holds it, so its dry run adds, changes and ends nobody, and the teacher keeps her group."""
    settings.VAR_DIR = tmp_path
    data.load(TODAY)
    population.generate(scale=0.02, progress=False, today=TODAY)
    path = rosters.write_sample(TODAY)
    assert path is not None and path.exists()
    esch = Organisation.objects.get(name=rosters.ESCH)
    report = apply_roster_as_system(esch, parse_edexml(path.read_bytes()), today=TODAY, dry_run=True)
    assert (report.added, report.changed, report.ended) == ([], [], [])
    assert report.unchanged == Child.objects.filter(school=esch).count() > 3
    assert report.teachers_unlinked == 0 and report.groups_ended == 0
