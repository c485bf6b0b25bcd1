"""One rule for "consent in force" and one for "consent fits this recipient" (issue 13, "one rule, one place").

consent.models.ACTIVE_RULE is turned into a Python test, an ORM filter and the SQL fragment of the access policy's
one-statement read. Here the three are asked about the same consents on the edge days and must answer alike.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from django.db import connection

from rondom.access.models import AccessGrant, TeamMembership
from rondom.cases.models import HelpRequest
from rondom.consent.models import Consent, active_q, active_sql
from tests.factories import ChildFactory, MembershipFactory, OrganisationFactory, consent_for

pytestmark = pytest.mark.django_db

DAY = date(2027, 3, 10)
BEFORE, AFTER = DAY - timedelta(days=1), DAY + timedelta(days=1)
WITHDRAWN = datetime(2027, 3, 1, 12, tzinfo=UTC)

#: (valid_from, valid_until, withdrawn_at) -> in force on DAY?
EDGES = [
    ((DAY, None, None), True),  # starts today
    ((AFTER, None, None), False),  # starts tomorrow
    ((BEFORE, DAY, None), True),  # ends today (the last day counts)
    ((BEFORE, BEFORE, None), False),  # ended yesterday
    ((DAY, DAY, None), True),  # one day only: today
    ((BEFORE, AFTER, None), True),
    ((BEFORE, None, WITHDRAWN), False),  # withdrawn
    ((DAY, DAY, WITHDRAWN), False),  # withdrawn on an otherwise active day
]


def _make(child, valid_from, valid_until, withdrawn_at) -> Consent:  # type: ignore[no-untyped-def]
    return Consent.objects.create(
        child=child,
        purpose="support_team",
        categories=["support"],
        valid_from=valid_from,
        valid_until=valid_until,
        withdrawn_at=withdrawn_at,
    )


def _sql_active(on: date) -> set[int]:
    fragment, days = active_sql("c")
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT c.id FROM consent_consent c WHERE {fragment}",
            [connection.ops.adapt_datefield_value(on)] * days,
        )
        return {row[0] for row in cursor.fetchall()}


def test_python_orm_and_sql_forms_of_the_active_rule_agree_on_the_edge_days() -> None:
    child = ChildFactory()
    made = {_make(child, *fields).pk: expected for fields, expected in EDGES}
    expected = {pk for pk, active in made.items() if active}
    assert expected and expected != set(made)  # both answers occur
    assert set(Consent.objects.active(DAY).values_list("pk", flat=True)) == expected
    assert set(Consent.objects.filter(active_q(DAY)).values_list("pk", flat=True)) == expected
    assert _sql_active(DAY) == expected
    assert {c.pk for c in Consent.objects.all() if c.is_active(DAY)} == expected


def test_the_sql_fragment_names_only_columns_and_placeholders() -> None:
    fragment, days = active_sql("c")
    assert fragment == (
        "c.withdrawn_at IS NULL AND c.valid_from <= %s AND (c.valid_until IS NULL OR c.valid_until >= %s)"
    )
    assert days == 2


def test_consent_backed_models_follow_the_rule_across_the_relation() -> None:
    child = ChildFactory()
    provider = OrganisationFactory(kind="provider")
    member = MembershipFactory(organisation=provider, role="provider_contact")
    seats, grants = {}, {}
    for fields, active in EDGES:
        consent = _make(child, *fields)
        seats[TeamMembership.objects.create(child=child, membership=member, consent=consent).pk] = active
        grants[
            AccessGrant.objects.create(
                child=child, grantee=member, consent=consent, valid_from=WITHDRAWN, valid_until=WITHDRAWN
            ).pk
        ] = active
    staff_seat = TeamMembership.objects.create(child=child, membership=member, consent=None)
    on = set(TeamMembership.objects.on_active_consent(DAY).values_list("pk", flat=True))
    assert on == {pk for pk, active in seats.items() if active}
    assert staff_seat.pk not in on and not staff_seat.consent_active(DAY)
    assert set(AccessGrant.objects.on_active_consent(DAY).values_list("pk", flat=True)) == {
        pk for pk, active in grants.items() if active
    }
    for grant in AccessGrant.objects.select_related("consent"):
        assert grant.consent_active(DAY) == grants[grant.pk]
    assert HelpRequest.objects.on_active_consent(DAY).count() == 0


def test_a_consent_fits_only_its_child_purpose_and_recipient_while_it_is_active() -> None:
    child, other_child = ChildFactory(), ChildFactory()
    provider, other = OrganisationFactory(kind="provider"), OrganisationFactory(kind="provider")
    consent = consent_for(child, "provider", provider, ["youth_care"])
    today = consent.valid_from
    assert consent.fits(child, "provider", provider, on=today)
    assert consent.fits(child.pk, ("provider", "wijkteam"), provider.pk, on=today)
    assert not consent.fits(other_child, "provider", provider, on=today)
    assert not consent.fits(child, "support_team", provider, on=today)
    assert not consent.fits(child, "provider", other, on=today)
    assert not consent.fits(child, "provider", provider, on=today - timedelta(days=1))
    assert list(Consent.objects.fitting(child, ["provider"], provider, on=today)) == [consent]
    assert list(Consent.objects.fitting(child, "provider", on=today)) == [consent]
    assert not Consent.objects.fitting(child, "provider", other, on=today).exists()
