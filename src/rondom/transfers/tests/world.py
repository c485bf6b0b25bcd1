"""A po school with a pupil in groep 8 and its ib'er, a vo school with its ib'er and zorgcoördinator: the world of
the transfer tests and of the transfer rows in tests/test_authorization_matrix.py."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from django.utils import timezone

from rondom.accounts.models import Organisation, User
from rondom.registry.models import Child
from rondom.transfers import services
from rondom.transfers.models import Transfer
from tests.factories import (
    ChildFactory,
    GuardianshipFactory,
    MembershipFactory,
    MunicipalityFactory,
    SchoolFactory,
    UserFactory,
    born_years_ago,
    consent_for,
)


@dataclass
class World:
    po: Organisation
    vo: Organisation
    child: Child
    po_ib: User
    vo_ib: User
    vo_zc: User
    parent: User


def build(age: int = 11) -> World:
    zwolle = MunicipalityFactory(name="Zwolle")
    po = SchoolFactory(name="De Esch", brin="12AB", school_type="po", municipality=zwolle)
    vo = SchoolFactory(name="Thomas a Kempis College", brin="34CD", school_type="vo", municipality=zwolle)
    child = ChildFactory(school=po, group="8", home_municipality=zwolle, date_of_birth=born_years_ago(age))
    parent = UserFactory()
    GuardianshipFactory(child=child, user=parent)
    po_ib = MembershipFactory(organisation=po, role="intern_begeleider").user
    vo_ib = MembershipFactory(organisation=vo, role="intern_begeleider").user
    vo_zc = MembershipFactory(organisation=vo, role="zorgcoordinator").user
    return World(po, vo, child, po_ib, vo_ib, vo_zc, parent)


def offer(world: World, *, today: date | None = None, until_days: int = 40) -> Transfer:
    today = today or timezone.localdate()
    moves_on = today + timedelta(days=14)
    return services.offer_transfer(
        world.po_ib,
        world.child,
        to_school=world.vo,
        kind="po_vo",
        moves_on=moves_on,
        previous_access_until=min(moves_on + timedelta(days=until_days - 14), _last_day(moves_on)),
        message="Zij heeft baat bij een vaste mentor.",
        help_ids=[],
        professional_ids=[],
        today=today,
    )


def _last_day(day: date) -> date:
    from rondom.core.schoolyear import SchoolYear

    return SchoolYear.of(day).last_day


def consent(world: World) -> None:
    consent_for(world.child, "transfer", world.vo, ["identity", "support"])
