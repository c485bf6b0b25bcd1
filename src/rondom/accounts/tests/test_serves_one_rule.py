"""One rule for "this organisation serves that municipality" (issue 13, "one rule, one place").

accounts.authority.served_municipalities is the rule (served list plus configured gemeente, never the organisation's
own municipality); serving_q is the same rule for the ORM; `own_when_none` is the one named fallback for gates that
are not a ground on a child (emergency button, werkplan, thuiszitter overview).
"""

from __future__ import annotations

import pytest

from rondom.access import emergency
from rondom.accounts.authority import served_municipalities, serves, serving_q
from rondom.accounts.models import Membership, MunicipalityOrganisation, Organisation
from rondom.notifications.services import serving_q as notifications_serving_q
from tests.factories import MembershipFactory, MunicipalityFactory, OrganisationFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():  # type: ignore[no-untyped-def]
    zwolle, kampen, deventer = (MunicipalityFactory(name=n) for n in ("Zwolle", "Kampen", "Deventer"))
    listed = OrganisationFactory(kind="ggd", municipality=zwolle)
    listed.serves_municipalities.set([kampen])
    gemeente = OrganisationFactory(kind="municipality", municipality=deventer, configured=False)
    MunicipalityOrganisation.objects.create(municipality=deventer, organisation=gemeente)
    unlinked = OrganisationFactory(kind="wijkteam", municipality=zwolle)
    homeless = OrganisationFactory(kind="wijkteam", municipality=None)
    return {
        "zwolle": zwolle,
        "kampen": kampen,
        "deventer": deventer,
        "listed": listed,
        "gemeente": gemeente,
        "unlinked": unlinked,
        "homeless": homeless,
    }


def test_an_organisation_serves_what_it_lists_and_what_it_is_the_gemeente_of_never_its_own_municipality(world) -> None:  # type: ignore[no-untyped-def]
    w = world
    ids = [w[k].pk for k in ("listed", "gemeente", "unlinked", "homeless")]
    assert served_municipalities(ids) == {w["listed"].pk: {w["kampen"].pk}, w["gemeente"].pk: {w["deventer"].pk}}
    assert not serves(w["listed"].pk, w["zwolle"].pk)
    assert serves(w["listed"].pk, w["kampen"].pk)
    assert not serves(w["unlinked"].pk, w["zwolle"].pk)
    assert not serves(w["listed"].pk, None)


def test_the_named_fallback_adds_the_own_municipality_only_to_organisations_serving_nothing(world) -> None:  # type: ignore[no-untyped-def]
    w = world
    ids = [w[k].pk for k in ("listed", "gemeente", "unlinked", "homeless")]
    assert served_municipalities(ids, own_when_none=True) == {
        w["listed"].pk: {w["kampen"].pk},
        w["gemeente"].pk: {w["deventer"].pk},
        w["unlinked"].pk: {w["zwolle"].pk},
    }
    assert serves(w["unlinked"].pk, w["zwolle"].pk, own_when_none=True)
    member = MembershipFactory(organisation=w["unlinked"], role="wijkteam_worker")
    assert emergency.served_municipalities(member) == {w["zwolle"].pk}


def test_the_orm_form_of_the_rule_agrees_with_the_python_form(world) -> None:  # type: ignore[no-untyped-def]
    w = world
    organisations = [w[k] for k in ("listed", "gemeente", "unlinked", "homeless")]
    for member in organisations:
        MembershipFactory(organisation=member, role="wijkteam_worker")
    served = served_municipalities(o.pk for o in organisations)
    for municipality in (w["zwolle"], w["kampen"], w["deventer"]):
        expected = {pk for pk, found in served.items() if municipality.pk in found}
        by_orm = set(Organisation.objects.filter(serving_q(municipality.pk)).values_list("pk", flat=True))
        assert by_orm == expected
        through_memberships = Membership.objects.filter(notifications_serving_q(municipality.pk)).distinct()
        assert {m.organisation_id for m in through_memberships} == expected
