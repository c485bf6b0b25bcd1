"""A change of the thuiszitter register is logged on a ground that allows changing absence (issue 13 point 1: it
used to be logged on whatever ground let the user read): leerplicht on its legal task (`rw`), the intern
begeleider — whose school ground only reads absence — on the ladder's rule in the role that registers."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.core.exceptions import PermissionDenied

from rondom.audit.models import AccessLogEntry
from rondom.thuiszitters import services
from tests.factories import ChildFactory, MembershipFactory, OrganisationFactory

pytestmark = pytest.mark.django_db
START = date(2026, 9, 7)


def _register(user, child):  # type: ignore[no-untyped-def]
    return services.register(
        user, child, kind="relative", reason="waiting_care", started_on=START - timedelta(days=30), today=START
    )


def _row(child):  # type: ignore[no-untyped-def]
    return (
        AccessLogEntry.objects.filter(child_id=child.pk, object_type="thuiszitter", action="create")
        .values_list("ground", "ground_ref", "role", "organisation_id")
        .get()
    )


def test_the_intern_begeleider_registers_on_the_ladder_rule_not_on_the_reading_school_ground() -> None:
    child = ChildFactory()
    ib = MembershipFactory(organisation=child.school, role="intern_begeleider")
    _register(ib.user, child)
    assert _row(child) == ("escalation", "rule:escalation_ladder", "intern_begeleider", child.school_id)
    assert not AccessLogEntry.objects.filter(ground="school_role", action__in=["create", "update"]).exists()


def test_leerplicht_registers_on_its_legal_task() -> None:
    child = ChildFactory()
    leerplicht = OrganisationFactory(kind="leerplicht", name="Leerplicht")
    leerplicht.serves_municipalities.add(child.home_municipality)
    officer = MembershipFactory(organisation=leerplicht, role="leerplicht_officer")
    _register(officer.user, child)
    assert _row(child) == ("legal_task", "rule:legal_task", "leerplicht_officer", leerplicht.pk)


def test_a_registering_role_without_a_ground_on_the_child_is_refused_and_nothing_is_logged() -> None:
    child = ChildFactory()
    elsewhere = MembershipFactory(role="intern_begeleider")  # at another school
    with pytest.raises(PermissionDenied):
        _register(elsewhere.user, child)
    assert not AccessLogEntry.objects.filter(child_id=child.pk).exists()
