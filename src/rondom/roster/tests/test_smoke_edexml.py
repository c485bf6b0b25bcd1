from __future__ import annotations

import pytest

from rondom.registry.models import Child, GroupTeacher, PupilKey, SchoolGroup
from rondom.roster.edexml import parse_edexml
from rondom.roster.services import apply_roster

from .conftest import DATA, TODAY

pytestmark = pytest.mark.django_db


def test_edexml_file_applies(school, beheerder, teachers) -> None:
    roster = parse_edexml(DATA / "de-vlinder-2026.xml")
    assert (roster.brin, roster.vestiging, roster.school_year) == ("07VL", "00", "2026-2027")
    report = apply_roster(beheerder, school, roster, today=TODAY)
    assert len(report.added) == 3
    assert Child.objects.filter(school=school).count() == 3
    assert SchoolGroup.objects.filter(school=school).count() == 2
    assert GroupTeacher.objects.count() == 2
    assert PupilKey.objects.count() == 3
    assert report.teachers_unmatched == ["T3 Noor Smit"]
    fenna = Child.objects.get(given_name="Fenna")
    assert (fenna.family_name, fenna.group, fenna.bsn) == ("van der Vliet", "7B", "100000137")
    again = apply_roster(beheerder, school, parse_edexml(DATA / "de-vlinder-2026.xml"), today=TODAY)
    assert (again.added, again.changed, again.ended, again.unchanged) == ([], [], [], 3)
