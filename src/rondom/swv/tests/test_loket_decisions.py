"""The samenwerkingsverband's decisions (rondom.swv.decisions): the rules of rondom.swv.rules, versions, numbers."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from rondom.audit.models import AccessLogEntry
from rondom.core.errors import Conflict, Invalid, NotInScope, Refused
from rondom.schoolcalendar.services import add_working_days, is_working_day
from rondom.swv import decisions
from rondom.swv.models import Advice, RequestKind, RequestState, SwvRequest

from .loket_world import World, advise, request_for, world

pytestmark = pytest.mark.django_db


def _today() -> date:
    return timezone.localdate()


def _tlv(w: World, **kw: object) -> dict[str, object]:
    today = _today()
    base: dict[str, object] = {
        "granted": True,
        "reason": "Het kind heeft een plek in het speciaal onderwijs nodig.",
        "tlv_category": "low",
        "valid_from": today,
        "valid_until": today + timedelta(days=2 * 365),
        "today": today,
    }
    base.update(kw)
    return base


def test_a_tlv_without_two_advices_is_refused() -> None:
    w = world()
    request = request_for(w, state=RequestState.PLANNED)
    with pytest.raises(Invalid) as e:
        decisions.decide(w.loket.user, request, version=1, **_tlv(w))  # type: ignore[arg-type]
    assert "advice" in e.value.message_dict
    advise(request, w.ortho, "orthopedagoog")
    with pytest.raises(Invalid) as e:
        decisions.decide(w.loket.user, request, version=1, **_tlv(w))  # type: ignore[arg-type]
    assert "advice" in e.value.message_dict
    assert SwvRequest.objects.get(pk=request.pk).beschikkingsnummer == ""


def test_a_tlv_needs_an_orthopedagoog_or_psycholoog_among_the_two() -> None:
    w = world()
    request = request_for(w, state=RequestState.PLANNED)
    advise(request, w.ortho, "arts")
    advise(request, w.psycho, "maatschappelijk_werker")
    with pytest.raises(Invalid) as e:
        decisions.decide(w.loket.user, request, version=1, **_tlv(w))  # type: ignore[arg-type]
    assert "advice" in e.value.message_dict


def test_a_tlv_with_two_advices_is_granted_with_a_number_category_and_validity() -> None:
    w = world()
    request = request_for(w, state=RequestState.PLANNED)
    advise(request, w.ortho, "orthopedagoog")
    advise(request, w.psycho, "psycholoog")
    done = decisions.decide(w.loket.user, request, version=1, **_tlv(w))  # type: ignore[arg-type]
    assert done.state == RequestState.GRANTED
    assert done.beschikkingsnummer == f"SWV-{w.swv.pk}-{_today().year}-0001"
    assert done.access_until == done.valid_until
    assert done.version == 2
    row = AccessLogEntry.objects.filter(child_id=w.child.pk, object_type="swv_request", action="update").get()
    assert row.ground == "swv_request" and row.user_id == w.loket.user.pk


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"tlv_category": ""}, "tlv_category"),
        ({"valid_from": None}, "valid_from"),
        ({"valid_until": None}, "valid_until"),
        ({"reason": " "}, "reason"),
    ],
)
def test_a_tlv_without_category_validity_or_reasons_is_refused(changes: dict[str, object], field: str) -> None:
    w = world()
    request = request_for(w, state=RequestState.PLANNED)
    advise(request, w.ortho, "orthopedagoog")
    advise(request, w.psycho, "psycholoog")
    with pytest.raises(Invalid) as e:
        decisions.decide(w.loket.user, request, version=1, **_tlv(w, **changes))  # type: ignore[arg-type]
    assert field in e.value.message_dict


def test_a_tlv_holds_at_least_a_school_year() -> None:
    w = world()
    request = request_for(w, state=RequestState.PLANNED)
    advise(request, w.ortho, "orthopedagoog")
    advise(request, w.psycho, "psycholoog")
    with pytest.raises(Invalid) as e:
        decisions.decide(w.loket.user, request, version=1, **_tlv(w, valid_until=_today() + timedelta(days=100)))  # type: ignore[arg-type]
    assert "valid_until" in e.value.message_dict


def test_a_late_decision_needs_a_reason_for_being_late() -> None:
    w = world()
    today = _today()
    request = request_for(
        w,
        RequestKind.CONSULTATION,
        state=RequestState.PLANNED,
        received_on=today - timedelta(days=30),
        decide_by=today - timedelta(days=1),
    )
    refuse = {"granted": False, "reason": "Niet nodig.", "today": today}
    with pytest.raises(Invalid) as e:
        decisions.decide(w.loket.user, request, version=1, **refuse)  # type: ignore[arg-type]
    assert "late_reason" in e.value.message_dict
    done = decisions.decide(w.loket.user, request, version=1, late_reason="Ziekte van de consulent.", **refuse)  # type: ignore[arg-type]
    assert done.state == RequestState.REFUSED and done.late_reason
    assert done.access_until == today + timedelta(days=42)
    assert done.beschikkingsnummer  # a refusal is a decision too


def test_on_the_last_day_no_late_reason_is_needed() -> None:
    w = world()
    today = _today()
    request = request_for(w, RequestKind.CONSULTATION, state=RequestState.PLANNED, decide_by=today)
    done = decisions.decide(w.loket.user, request, granted=True, reason="Overleg gepland.", version=1, today=today)
    assert done.state == RequestState.GRANTED and done.late_reason == ""


def test_an_arrangement_gets_start_by_eight_weeks_after_the_decision() -> None:
    w = world()
    today = _today()
    request = request_for(w, RequestKind.ARRANGEMENT, state=RequestState.PLANNED)
    advise(request, w.ortho, "orthopedagoog")
    done = decisions.decide(
        w.loket.user,
        request,
        granted=True,
        reason="Extra begeleiding.",
        valid_from=today,
        valid_until=today + timedelta(days=180),
        funding_granted=Decimal("4500.00"),
        version=1,
        today=today,
    )
    assert done.start_by == today + timedelta(weeks=8)
    started = decisions.record_start(w.loket.user, done, today, done.version, today=today)
    ended = decisions.record_end(w.loket.user, started, today, started.version, today=today)
    assert ended.ended_on == today and ended.access_until == today


def test_an_expert_cannot_decide_or_plan() -> None:
    w = world()
    request = request_for(w, RequestKind.CONSULTATION, state=RequestState.PLANNED)
    with pytest.raises(Refused):
        decisions.decide(w.ortho.user, request, granted=True, reason="Ja.", version=1, today=_today())
    with pytest.raises(Refused):
        decisions.plan_on_meeting(w.ortho.user, request, add_working_days(_today(), 2), 1, today=_today())
    assert SwvRequest.objects.get(pk=request.pk).state == RequestState.PLANNED


def test_the_loket_does_not_advise_and_an_expert_advises_once() -> None:
    w = world()
    request = request_for(w)
    with pytest.raises(Refused):
        decisions.give_advice(w.loket.user, request, "orthopedagoog", True, "Ja.", today=_today())
    decisions.give_advice(w.ortho.user, request, "orthopedagoog", True, "Ja.", today=_today())
    assert SwvRequest.objects.get(pk=request.pk).state == RequestState.ADVISED
    with pytest.raises(Invalid):
        decisions.give_advice(w.ortho.user, request, "orthopedagoog", False, "Toch niet.", today=_today())
    assert Advice.objects.filter(request=request).count() == 1


def test_the_loket_of_another_swv_gets_not_found() -> None:
    w, other = world(), world()
    request = request_for(w, RequestKind.CONSULTATION, state=RequestState.PLANNED)
    with pytest.raises(NotInScope):
        decisions.decide(other.loket.user, request, granted=True, reason="Ja.", version=1, today=_today())


def test_without_consent_in_force_the_loket_cannot_decide() -> None:
    w = world()
    request = request_for(w, RequestKind.CONSULTATION, state=RequestState.PLANNED)
    request.consent.withdrawn_at = timezone.now()
    request.consent.save()
    with pytest.raises(NotInScope):
        decisions.decide(w.loket.user, request, granted=True, reason="Ja.", version=1, today=_today())


def test_planning_on_a_working_day_with_a_version() -> None:
    w = world()
    today = _today()
    request = request_for(w)
    day = add_working_days(today, 3)
    saturday = day + timedelta(days=(5 - day.weekday()) % 7)
    assert not is_working_day(saturday)
    with pytest.raises(Invalid) as e:
        decisions.plan_on_meeting(w.loket.user, request, saturday, 1, today=today)
    assert "meeting_on" in e.value.message_dict
    planned = decisions.plan_on_meeting(w.loket.user, request, day, 1, today=today)
    assert planned.state == RequestState.PLANNED and planned.meeting_on == day
    with pytest.raises(Conflict):
        decisions.plan_on_meeting(w.loket.user, request, day, 1, today=today)


def test_a_decided_request_cannot_be_decided_again() -> None:
    w = world()
    request = request_for(w, RequestKind.CONSULTATION, state=RequestState.PLANNED)
    done = decisions.decide(w.loket.user, request, granted=True, reason="Ja.", version=1, today=_today())
    with pytest.raises(Invalid) as e:
        decisions.decide(w.loket.user, done, granted=False, reason="Nee.", version=done.version, today=_today())
    assert "state" in e.value.message_dict
