"""Absence protocols: each threshold kind fires exactly when it should (evaluated on fixed days), for the right role,
with a due date in working days, once; thresholds are data."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.core import mail

from rondom.access import policy
from rondom.attendance.models import AbsenceProtocol, AbsenceRecord, ThresholdSignal
from rondom.attendance.services import evaluate
from rondom.core.categories import Action
from rondom.notifications.models import Notification
from rondom.schoolcalendar.services import school_days
from rondom.thuiszitters.models import Thuiszitter
from rondom.thuiszitters.services import evaluate_and_register
from tests.factories import ChildFactory, MembershipFactory, MunicipalityFactory, OrganisationFactory, SchoolFactory

pytestmark = pytest.mark.django_db
MONDAY = date(2026, 10, 5)


def _absence(child, day: date, hours: float, kind: str = "unauthorised", hour: int = 0) -> None:  # type: ignore[no-untyped-def]
    AbsenceRecord.objects.create(
        child=child, school=child.school, date=day, lesson_hour=hour, kind=kind, minutes=int(hours * 60)
    )


def _only(name_part: str) -> AbsenceProtocol:
    """Keep one default protocol active, so a test sees only the signals of the kind it is about."""
    AbsenceProtocol.objects.exclude(name__icontains=name_part).update(active=False)
    return AbsenceProtocol.objects.get(name__icontains=name_part)


@pytest.fixture
def officer():  # type: ignore[no-untyped-def]
    leerplicht = OrganisationFactory(kind="leerplicht", name="Leerplicht Zwolle")
    leerplicht.serves_municipalities.add(MunicipalityFactory())
    return MembershipFactory(organisation=leerplicht, role="leerplicht_officer", user__email="lpa@example.org").user


def test_sixteen_unauthorised_hours_within_four_weeks_signal_leerplicht_on_the_day_they_are_reached(  # type: ignore[no-untyped-def]
    officer, django_capture_on_commit_callbacks
) -> None:
    protocol = _only("16 uur")
    child = ChildFactory()
    for week in range(3):
        _absence(child, MONDAY + timedelta(weeks=week), 5)  # 15 hours in three weeks
    assert evaluate(MONDAY + timedelta(weeks=3)) == []
    _absence(child, MONDAY + timedelta(weeks=3, days=1), 1)  # the 16th hour, on a Tuesday
    with django_capture_on_commit_callbacks(execute=True):  # the e-mail leaves when the signal is committed
        signals = evaluate(MONDAY + timedelta(weeks=3, days=2))
    assert [(s.child_id, s.crossed_on, s.period_start, s.value, s.role) for s in signals] == [
        (child.pk, date(2026, 10, 27), MONDAY, Decimal(16), "leerplicht_officer")
    ]
    assert signals[0].due_on == date(2026, 11, 3)  # five working days after Tuesday 27 October
    assert signals[0].protocol == protocol
    note = Notification.objects.get(recipient=officer)
    assert child.given_name not in note.title and "16 uur" in note.title
    assert len(mail.outbox) == 1 and child.given_name not in mail.outbox[0].body + mail.outbox[0].subject
    # Evaluating again, later or over the same days, finds nothing new.
    assert evaluate(MONDAY + timedelta(weeks=3, days=3)) == []
    assert ThresholdSignal.objects.count() == 1


def test_hours_spread_over_more_than_four_weeks_do_not_signal() -> None:
    _only("16 uur")
    child = ChildFactory()
    for n in range(5):
        _absence(child, MONDAY + timedelta(days=10 * n), 5)  # 25 hours over 41 days, never more than 15 in 28
    assert evaluate(MONDAY + timedelta(days=45)) == []


def test_after_a_signal_hours_count_afresh() -> None:
    _only("16 uur")
    child = ChildFactory()
    for day in range(4):
        _absence(child, MONDAY + timedelta(days=day), 4)  # 16 hours on Thursday
    assert len(evaluate(MONDAY + timedelta(days=4))) == 1
    _absence(child, MONDAY + timedelta(days=7), 4)  # 4 more: not yet a new signal
    assert evaluate(MONDAY + timedelta(days=8)) == []


def test_sick_leave_signals_the_youth_doctor_who_then_sees_the_absence_until_the_signal_is_handled() -> None:
    protocol = _only("Ziekteverzuim")
    ggd = OrganisationFactory(kind="ggd", name="GGD IJsselland")
    ggd.serves_municipalities.add(MunicipalityFactory())
    doctor = MembershipFactory(organisation=ggd, role="youth_doctor").user
    child = ChildFactory()
    assert not policy.decide(doctor, child, Action.READ, "absence").in_scope
    for day in range(19):
        _absence(child, MONDAY + timedelta(days=day), 5, kind="sick")  # 95 hours
    assert evaluate(MONDAY + timedelta(days=20)) == []
    _absence(child, MONDAY + timedelta(days=19), 5, kind="sick")
    [signal] = evaluate(MONDAY + timedelta(days=20))
    assert signal.role == "youth_doctor" and signal.crossed_on == MONDAY + timedelta(days=19)
    assert Notification.objects.filter(recipient=doctor).count() == 1
    decision = policy.decide(doctor, child, Action.READ, "absence")
    assert decision.allowed and decision.ground_ref == f"signal:{signal.pk}"
    assert not policy.decide(doctor, child, Action.READ, "support").allowed
    assert child in policy.children_in_scope(doctor)

    # Thresholds are data: the youth doctor's wish for an earlier signal is a change of one number.
    protocol.threshold = Decimal(60)
    protocol.save()
    other = ChildFactory()
    for day in range(12):
        _absence(other, MONDAY + timedelta(days=day), 5, kind="sick")
    assert [s.child_id for s in evaluate(MONDAY + timedelta(days=12))] == [other.pk]

    from rondom.attendance.services import handle_signal

    handle_signal(doctor, signal, "M@ZL-gesprek gepland met ouders en leerling.")
    assert not policy.decide(doctor, child, Action.READ, "absence").allowed


def test_a_youth_doctor_of_another_municipality_gets_no_ground() -> None:
    _only("Ziekteverzuim")
    ggd = OrganisationFactory(kind="ggd", name="GGD elders")
    ggd.serves_municipalities.add(MunicipalityFactory(name="Kampen"))
    doctor = MembershipFactory(organisation=ggd, role="youth_doctor").user
    child = ChildFactory()
    for day in range(20):
        _absence(child, MONDAY + timedelta(days=day), 5, kind="sick")
    assert len(evaluate(MONDAY + timedelta(days=20))) == 1
    assert not policy.decide(doctor, child, Action.READ, "absence").in_scope
    assert not Notification.objects.filter(recipient=doctor).exists()


def test_twenty_school_days_in_a_row_register_a_relative_thuiszitter_with_or_without_authorisation(officer) -> None:  # type: ignore[no-untyped-def]
    _only("Relatief")
    at_home, gap = ChildFactory(), ChildFactory()
    days = school_days(MONDAY, MONDAY + timedelta(days=60), "noord")  # the autumn holiday (10-18 Oct) lies inside
    assert MONDAY + timedelta(days=7) not in days
    for day in days[:19]:
        _absence(at_home, day, 5, kind="sick")
    assert evaluate_and_register(days[19]) == []
    _absence(at_home, days[19], 5, kind="authorised")  # the 20th school day: weekends and holidays do not break it
    for day in days[:10] + days[11:25]:
        _absence(gap, day, 5, kind="unauthorised")  # one day at school breaks the run
    [signal] = evaluate_and_register(days[24])
    assert (signal.child_id, signal.period_start, signal.crossed_on) == (at_home.pk, MONDAY, days[19])
    period = Thuiszitter.objects.get(child=at_home)
    assert (period.kind, period.authorised, period.started_on) == ("relative", True, MONDAY)
    assert period.level is not None and period.level.rank == 1
    assert Notification.objects.filter(recipient=officer, key=f"absence-signal:{signal.pk}").exists()
    # The run goes on: no second signal and no second registration.
    for day in days[20:25]:
        _absence(at_home, day, 5, kind="sick")
    assert evaluate_and_register(days[25]) == []
    assert Thuiszitter.objects.filter(child=at_home).count() == 1


def test_a_protocol_for_named_schools_applies_only_there() -> None:
    protocol = _only("16 uur")
    child, elsewhere = ChildFactory(), ChildFactory()
    protocol.schools.add(child.school)
    for c in (child, elsewhere):
        for day in range(4):
            _absence(c, MONDAY + timedelta(days=day), 4)
    assert [s.child_id for s in evaluate(MONDAY + timedelta(days=5))] == [child.pk]


def test_the_monthly_rollup_sums_absence_per_school_month_and_kind_and_refreshes_per_school() -> None:
    from rondom.attendance.models import AbsenceMonth
    from rondom.attendance.services import refresh_absence_months

    one, two = SchoolFactory(), SchoolFactory()
    a, b = ChildFactory(school=one), ChildFactory(school=two)
    for child, day, kind, minutes in [
        (a, date(2025, 10, 6), "unauthorised", 60),
        (a, date(2025, 10, 7), "unauthorised", 90),
        (a, date(2025, 11, 3), "sick", 300),
        (b, date(2025, 10, 6), "unauthorised", 45),
    ]:
        AbsenceRecord.objects.create(child=child, school=child.school, date=day, kind=kind, minutes=minutes)
    assert refresh_absence_months() == 3
    rows = set(AbsenceMonth.objects.values_list("school_id", "month", "kind", "minutes", "records"))
    assert rows == {
        (one.pk, date(2025, 10, 1), "unauthorised", 150, 2),
        (one.pk, date(2025, 11, 1), "sick", 300, 1),
        (two.pk, date(2025, 10, 1), "unauthorised", 45, 1),
    }
    AbsenceRecord.objects.filter(child=a, kind="sick").delete()
    AbsenceRecord.objects.filter(child=b).update(minutes=50)  # not refreshed: only school one is asked for
    refresh_absence_months([one.pk])
    assert set(AbsenceMonth.objects.values_list("school_id", "kind", "minutes")) == {
        (one.pk, "unauthorised", 150),
        (two.pk, "unauthorised", 45),
    }


def test_a_run_of_absence_across_the_autumn_holiday_is_one_run_counted_in_school_days(officer) -> None:  # type: ignore[no-untyped-def]
    """Relatief verzuim counts school days: the holiday neither breaks the run nor counts towards it."""
    _only("Relatief")
    before_and_after = ChildFactory()  # school in regio noord: herfstvakantie 10-18 October 2026
    weekdays = [MONDAY + timedelta(days=d) for d in range(40) if (MONDAY + timedelta(days=d)).weekday() < 5]
    holiday_week = weekdays[5:10]  # 12-16 October
    assert holiday_week == [date(2026, 10, 12) + timedelta(days=d) for d in range(5)]
    school = [d for d in weekdays if d not in holiday_week]
    for day in school[:19]:  # 5 days before the holiday, 14 after it: nineteen school days
        _absence(before_and_after, day, 5, kind="unauthorised")
    assert evaluate(school[19]) == []  # 24 weekdays have passed, but only 19 school days
    _absence(before_and_after, school[19], 5, kind="unauthorised")
    [signal] = evaluate(school[19])
    assert (signal.period_start, signal.crossed_on, signal.value) == (MONDAY, school[19], Decimal(20))
    assert school[19] == date(2026, 11, 6)


def test_in_regio_zuid_the_same_weeks_are_one_run_broken_by_a_missed_school_week(officer) -> None:  # type: ignore[no-untyped-def]
    """The region decides: in zuid 12-16 October 2026 are school days (its holiday is 17-25 October), so missing
    them breaks the run; the week of 19 October is zuid's holiday and does not count."""
    _only("Relatief")
    child = ChildFactory()
    child.school.holiday_region = "zuid"
    child.school.save(update_fields=["holiday_region"])
    weekdays = [MONDAY + timedelta(days=d) for d in range(40) if (MONDAY + timedelta(days=d)).weekday() < 5]
    holiday_week = weekdays[5:10]
    for day in [d for d in weekdays if d not in holiday_week][:20]:
        _absence(child, day, 5, kind="unauthorised")
    assert evaluate(date(2026, 11, 9)) == []


def test_a_signal_due_date_skips_weekends_and_public_holidays(officer) -> None:  # type: ignore[no-untyped-def]
    """16 hours crossed on Thursday 23 April 2026: five working days skip Koningsdag (Monday 27 April)."""
    _only("16 uur")
    child = ChildFactory()
    for day in range(4):
        _absence(child, date(2026, 4, 20) + timedelta(days=day), 4)
    [signal] = evaluate(date(2026, 4, 23))
    assert (signal.crossed_on, signal.due_on) == (date(2026, 4, 23), date(2026, 5, 1))
