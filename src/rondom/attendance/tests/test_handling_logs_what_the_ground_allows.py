"""Handling an absence signal is logged as what the handler's ground allows (issue 13 point 1: it used to be an
`update` on any ground): the leerplichtambtenaar's legal task changes absence (`rw`), so an `update` row on
`legal_task`; a youth doctor's signal ground only reads absence, so a `read` row on that ground, never an update."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from rondom.access import policy
from rondom.access.categories import Action
from rondom.access.policy import NotAllowedOnBasis
from rondom.attendance.models import AbsenceProtocol, AbsenceRecord
from rondom.attendance.services import evaluate, handle_signal
from rondom.audit.models import AccessLogEntry
from tests.factories import ChildFactory, MembershipFactory, MunicipalityFactory, OrganisationFactory

pytestmark = pytest.mark.django_db
MONDAY = date(2026, 9, 7)


def _signal_for(protocol_part: str, child, days: int, kind: str):  # type: ignore[no-untyped-def]
    AbsenceProtocol.objects.exclude(name__icontains=protocol_part).update(active=False)
    for day in range(days):
        AbsenceRecord.objects.create(
            child=child, school=child.school, date=MONDAY + timedelta(days=day), kind=kind, minutes=300
        )
    [signal] = evaluate(MONDAY + timedelta(days=days + 1))
    return signal


def _rows(signal):  # type: ignore[no-untyped-def]
    return list(
        AccessLogEntry.objects.filter(object_type="absence_signal", object_id=str(signal.pk)).values_list(
            "action", "category", "ground", "ground_ref", "role"
        )
    )


def test_the_leerplicht_officer_handles_a_signal_as_an_update_on_the_legal_task() -> None:
    child = ChildFactory()
    leerplicht = OrganisationFactory(kind="leerplicht", name="Leerplicht Zwolle")
    leerplicht.serves_municipalities.add(child.home_municipality)
    officer = MembershipFactory(organisation=leerplicht, role="leerplicht_officer").user
    AbsenceProtocol.objects.exclude(name__icontains="16 uur").update(active=False)
    for week in range(4):
        AbsenceRecord.objects.create(
            child=child, school=child.school, date=MONDAY + timedelta(weeks=week), kind="unauthorised", minutes=300
        )
    [signal] = evaluate(MONDAY + timedelta(weeks=4))
    handle_signal(officer, signal, "Ouders uitgenodigd.")
    assert _rows(signal) == [("update", "absence", "legal_task", "rule:legal_task", "leerplicht_officer")]


def test_a_youth_doctor_on_the_signal_ground_handles_it_as_a_read_never_an_update() -> None:
    ggd = OrganisationFactory(kind="ggd", name="GGD IJsselland")
    zwolle = MunicipalityFactory()
    ggd.serves_municipalities.add(zwolle)
    doctor = MembershipFactory(organisation=ggd, role="youth_doctor").user
    child = ChildFactory(home_municipality=zwolle)
    signal = _signal_for("Ziekteverzuim", child, 20, "sick")
    decision = policy.decide(doctor, child, Action.READ, "absence")
    assert decision.allowed and decision.ground_ref == f"signal:{signal.pk}"
    with pytest.raises(NotAllowedOnBasis):
        decision.for_action(Action.UPDATE)  # what the service used to log by hand
    handle_signal(doctor, signal, "M@ZL-gesprek gepland.")
    assert _rows(signal) == [("read", "absence", "legal_task", f"signal:{signal.pk}", "youth_doctor")]
    assert not AccessLogEntry.objects.filter(user_id=doctor.pk, action="update").exists()
