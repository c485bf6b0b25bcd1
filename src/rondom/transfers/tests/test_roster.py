"""After acceptance a roster import of the old school does not pull the child back or mark it as having left."""

from __future__ import annotations

from datetime import date

import pytest
from django.utils import timezone

from rondom.core.schoolyear import SchoolYear
from rondom.registry.models import Child
from rondom.roster.services import apply_roster_as_system
from rondom.roster.types import Roster, RosterGroup, RosterPupil, RosterRefused
from rondom.transfers import services
from tests.factories import make_bsn

from . import world as w

pytestmark = pytest.mark.django_db


def _roster(*pupils: RosterPupil) -> Roster:
    return Roster(
        brin="12AB",
        vestiging="00",
        school_year=str(SchoolYear.of(timezone.localdate())),
        groups=[RosterGroup("G8", "Groep 8A", "8")],
        pupils=list(pupils),
    )


@pytest.mark.parametrize("still_listed", [False, True], ids=["left-out", "still-listed"])
def test_a_later_roster_import_of_the_old_school_leaves_the_moved_child_at_the_new_school(still_listed: bool) -> None:
    world = w.build()
    world.child.set_bsn(make_bsn(7))
    world.child.save()
    transfer = w.offer(world)
    w.consent(world)
    services.accept_transfer(world.vo_zc, transfer, version=1, today=timezone.localdate(), now=timezone.now())
    other = RosterPupil("L2", "Emma", "Meijer", date(2015, 1, 20), "G8")
    moved = RosterPupil(
        "L1", world.child.given_name, world.child.family_name, world.child.date_of_birth, "G8", bsn=make_bsn(7)
    )
    if still_listed:  # a row naming a child at another school is refused, and so the whole import: nothing changes
        with pytest.raises(RosterRefused):
            apply_roster_as_system(world.po, _roster(other, moved), today=timezone.localdate())
    else:
        apply_roster_as_system(world.po, _roster(other), today=timezone.localdate())
    child = Child.objects.get(pk=world.child.pk)
    assert child.school == world.vo
    assert child.left_school_on is None
