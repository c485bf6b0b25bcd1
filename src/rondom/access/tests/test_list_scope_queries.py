"""The list scope of one action on one category (`policy.allowed_children`, issue 17 "lists in one query") costs a
bounded number of queries per user, whatever the number of children: a leerplicht officer whose legal task covers
a whole municipality, and an ib'er whose school role covers a whole school, pay the same for 10 children as for
200. Which children it holds is proven against `decide` by tests/test_scope_property.py; here the answers are
checked too, so a scope that is cheap because it is empty fails. Two narrowings by consent that random worlds
reach rarely (a parent of a youth of 16 or older, a receiving school's transfer consent) are checked here by hand."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from rondom.access import policy
from rondom.access.models import TeamMembership
from rondom.accounts.models import User
from rondom.cases.selectors import readable_cases
from rondom.core.categories import Action, DataCategory
from rondom.registry.models import Child
from tests.factories import (
    ChildFactory,
    MembershipFactory,
    MunicipalityFactory,
    OrganisationFactory,
    SchoolFactory,
    consent_for,
)

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
#: (who, action, category): the lists the two users build most (cases, signals, the register).
ASKED = [
    ("leerplicht", Action.SEARCH, DataCategory.SUPPORT),
    ("leerplicht", Action.READ, DataCategory.ABSENCE),
    ("leerplicht", Action.UPDATE, DataCategory.ABSENCE),
    ("ib", Action.SEARCH, DataCategory.SUPPORT),
    ("ib", Action.READ, DataCategory.ABSENCE),
    ("ib", Action.READ, DataCategory.HEALTH),
]


@pytest.fixture(autouse=True)
def clock():  # type: ignore[no-untyped-def]
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


def world(n: int) -> dict[str, object]:
    """`n` pupils of one school in Zwolle; the leerplicht officer of Zwolle's gemeente, seated on the consent of
    three of them (support); the school's ib'er."""
    zwolle = MunicipalityFactory(name=f"Zwolle {n}")  # a municipality of its own: its gemeente is configured
    gemeente = OrganisationFactory(kind="municipality", municipality=zwolle)
    school = SchoolFactory(municipality=zwolle)
    children = Child.objects.bulk_create(ChildFactory.build(school=school, home_municipality=zwolle) for _ in range(n))
    leerplicht = MembershipFactory(role="leerplicht_officer", organisation=gemeente)
    seated = children[:3]
    for child in seated:
        consent = consent_for(child, "support_team", gemeente, ["support"])
        TeamMembership.objects.create(child=child, membership=leerplicht, consent=consent)
    ib = MembershipFactory(role="intern_begeleider", organisation=school)
    return {"leerplicht": leerplicht.user, "ib": ib.user, "children": children, "seated": seated}


def expected(who: str, action: str, category: str, w: dict[str, object]) -> set[int]:
    children, seated = w["children"], w["seated"]
    assert isinstance(children, list) and isinstance(seated, list)
    if who == "leerplicht" and category == DataCategory.SUPPORT:
        return {c.pk for c in seated}  # the legal task covers absence only; support on the seats' consent
    if who == "ib" and category == DataCategory.HEALTH:
        return set()
    return {c.pk for c in children}


def queries(user: User, action: str, category: str) -> tuple[int, set[int]]:
    fresh = User.objects.get(pk=user.pk)  # the roles are read once per user object: count them too
    with CaptureQueriesContext(connection) as captured:
        found = set(policy.allowed_children(fresh, action, category, now=NOW).values_list("pk", flat=True))
    return len(captured.captured_queries), found


def test_the_list_scope_costs_the_same_for_10_and_for_200_children() -> None:
    small, large = world(10), world(200)
    for who, action, category in ASKED:
        counts = []
        for w in (small, large):
            user = w[who]
            assert isinstance(user, User)
            count, found = queries(user, action, category)
            assert found == expected(who, action, category, w), (who, action, category)
            counts.append(count)
        assert counts[0] == counts[1], f"{who} {action} {category}: {counts[0]} queries for 10, {counts[1]} for 200"
        assert counts[1] <= 12, f"{who} {action} {category}: {counts[1]} queries"


def test_readable_cases_asks_no_query_per_child_in_scope() -> None:
    """A leerplicht officer covering the whole municipality: the cases list reads only the cases of the seated
    children, and its cost does not grow with the children of the municipality (it did: one `decide` per child)."""
    from rondom.cases.models import Case, SupportTeam

    counts = []
    for n in (10, 200):
        w = world(n)
        children = w["children"]
        assert isinstance(children, list)
        team = SupportTeam.objects.create(school=children[0].school)
        for child in children:
            Case.objects.create(child=child, team=team, question="Vraag", decision_due=NOW.date())
        user = User.objects.get(pk=w["leerplicht"].pk)  # type: ignore[attr-defined]
        with CaptureQueriesContext(connection) as captured:
            shown = readable_cases(user)
        assert {case.child_id for case, _d in shown} == {c.pk for c in w["seated"]}  # type: ignore[attr-defined]
        assert all(d.allowed for _c, d in shown)
        counts.append(len(captured.captured_queries))
    assert counts[0] == counts[1], f"readable_cases: {counts[0]} queries for 10 children, {counts[1]} for 200"


@pytest.mark.parametrize("born", [date(2100, 2, 28), date(2100, 3, 1), date(2099, 3, 1), date(2100, 2, 27)])
def test_the_age_boundary_of_the_list_scopes_is_child_age_on_also_on_a_leap_day_to_a_common_year(born: date) -> None:
    """`children_in_scope` compares birth dates with `_years_before` (12 years before 29 February 2112 is in 2100,
    not a leap year): born 28 February 2100 is 12 that day, born 1 March 2100 is 11, as `Child.age_on` says."""
    today = date(2112, 2, 29)
    assert (born <= policy._years_before(today, 12)) == (Child(date_of_birth=born).age_on(today) >= 12)


def _same_as_decide(user: User, children: list[Child]) -> dict[tuple[str, str], set[int]]:
    """`allowed_children` per (read, category), checked against `decide` on `children`; the allowed ids."""
    found = {}
    for category in DataCategory.values:
        listed = set(policy.allowed_children(user, Action.READ, category, now=NOW).values_list("pk", flat=True))
        for child in children:
            assert (child.pk in listed) == policy.decide(user, child, Action.READ, category, now=NOW).allowed
        found[(Action.READ, category)] = listed & {c.pk for c in children}
    return found


def test_a_parent_of_a_youth_of_16_reads_in_the_list_what_the_newest_inform_parents_consent_names() -> None:
    """From 16 the youth decides (rules.YOUTH_DECIDES_ALONE_AGE): the parent's list holds the child for the
    categories of the newest inform-parents consent in force, not of an older one; under 16 for every category."""
    from tests.factories import GuardianshipFactory, born_years_ago

    older = ChildFactory(date_of_birth=born_years_ago(17))
    younger = ChildFactory(date_of_birth=born_years_ago(14))
    parent = GuardianshipFactory(child=older).user
    GuardianshipFactory(child=younger, user=parent)
    consent_for(older, "inform_parents", None, ["health"])
    consent_for(older, "inform_parents", None, ["support"])  # the newest counts
    found = _same_as_decide(User.objects.get(pk=parent.pk), [older, younger])
    assert found[(Action.READ, DataCategory.SUPPORT)] == {older.pk, younger.pk}
    assert found[(Action.READ, DataCategory.IDENTITY)] == {older.pk, younger.pk}
    assert found[(Action.READ, DataCategory.HEALTH)] == {younger.pk}


def test_the_receiving_school_lists_a_child_for_what_the_transfer_consent_names_only() -> None:
    """A warm transfer offered to a school (a consent-restricted fact source, `consented`): its ib'er has the child
    in the list for basic details, and for support only when the family's transfer consent names support."""
    from rondom.transfers.models import Transfer

    receiving = SchoolFactory()
    ib = MembershipFactory(role="intern_begeleider", organisation=receiving).user
    named, not_named = ChildFactory(), ChildFactory()
    for child, categories in ((named, ["support"]), (not_named, ["absence"])):
        consent = consent_for(child, "transfer", receiving, categories)
        Transfer.objects.create(
            child=child,
            from_school=child.school,
            to_school=receiving,
            kind="move",
            moves_on=NOW.date(),
            previous_access_until=NOW.date(),
            consent=consent,
        )
    found = _same_as_decide(User.objects.get(pk=ib.pk), [named, not_named])
    assert found[(Action.READ, DataCategory.IDENTITY)] == {named.pk, not_named.pk}
    assert found[(Action.READ, DataCategory.SUPPORT)] == {named.pk}
