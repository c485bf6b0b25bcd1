"""The plan as an OPP (issue 16, point 1): marking, saving with validation and versions, the goals kept, the
two-education-goals rule, and the yearly evaluation with the parents. Dates are passed in (pinned)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.utils import translation

from rondom.audit.models import AccessLogEntry
from rondom.cases import services as cases
from rondom.cases.models import Plan, PlanVersion
from rondom.opp import services
from rondom.opp.models import OppEvaluation
from rondom.opp.sections import OppBasis
from tests.factories import ChildFactory, MembershipFactory, SchoolFactory, teacher_of

pytestmark = pytest.mark.django_db

TODAY = date(2026, 3, 10)


def goal(domain: str, text: str = "Leest zelfstandig een boek") -> dict[str, str]:
    return {"domain": domain, "description": text, "target": "AVI E5", "owner": "juf Lotte"}


def row(**changes: str) -> dict[str, str]:
    return {
        "support": "Remedial teaching lezen",
        "by": "remedial teacher",
        "where": "school",
        "hours_per_week": "1,5",
        "from": "2026-03-01",
        "until": "2026-07-10",
        **changes,
    }


def opp(**changes: Any) -> dict[str, Any]:
    return {
        "uitstroombestemming": "vmbo basis/kader",
        "onderbouwing": "Leerrendement lezen 60 %",
        "handelingsdeel": [row()],
        "child_voice": {"uitstroombestemming": "Ik wil monteur worden"},
        "parents_view": {"handelingsdeel": "Graag extra lezen"},
        **changes,
    }


@pytest.fixture(autouse=True)
def _english() -> Iterator[None]:
    """The rules' messages are checked on their msgids; the Dutch catalog is checked by tests/test_translations."""
    with translation.override("en"):
        yield


@pytest.fixture
def world() -> dict[str, Any]:
    child = ChildFactory()
    ib = MembershipFactory(organisation=child.school, role="intern_begeleider").user
    return {"child": child, "ib": ib}


def opp_plan(world: dict[str, Any]) -> Plan:
    return services.start_opp(world["ib"], world["child"], basis=OppBasis.EXTRA_SUPPORT, today=TODAY)


def test_marking_a_plan_as_opp_sets_basis_and_since_and_is_logged(world) -> None:  # type: ignore[no-untyped-def]
    plan = opp_plan(world)
    assert plan.opp_basis == OppBasis.EXTRA_SUPPORT and plan.opp_since == TODAY
    assert AccessLogEntry.objects.filter(object_type="opp", action="update", child_id=world["child"].pk).count() == 1
    again = services.start_opp(world["ib"], plan, basis=OppBasis.EXTRA_SUPPORT, today=date(2026, 4, 1))
    assert again.opp_since == TODAY  # a double submit changes nothing
    assert AccessLogEntry.objects.filter(object_type="opp").count() == 1


def test_special_education_is_suggested_and_only_allowed_at_a_special_school() -> None:
    so_child = ChildFactory(school=SchoolFactory(school_type="so"))
    po_child = ChildFactory()
    assert services.suggested_basis(so_child) == OppBasis.SPECIAL_EDUCATION
    assert services.suggested_basis(po_child) == OppBasis.EXTRA_SUPPORT
    ib = MembershipFactory(organisation=po_child.school, role="intern_begeleider").user
    with pytest.raises(ValidationError) as exc:
        services.start_opp(ib, po_child, basis=OppBasis.SPECIAL_EDUCATION, today=TODAY)
    assert "basis" in exc.value.message_dict
    assert not Plan.objects.filter(child=po_child).exists()


def test_a_teacher_cannot_mark_and_someone_outside_scope_gets_404(world) -> None:  # type: ignore[no-untyped-def]
    teacher = teacher_of(world["child"]).user
    with pytest.raises(PermissionDenied):
        services.start_opp(teacher, world["child"], basis=OppBasis.EXTRA_SUPPORT, today=TODAY)
    stranger = MembershipFactory(role="intern_begeleider").user
    with pytest.raises(Http404):
        services.start_opp(stranger, world["child"], basis=OppBasis.EXTRA_SUPPORT, today=TODAY)


def test_saving_the_opp_adds_a_version_and_keeps_the_goals(world) -> None:  # type: ignore[no-untyped-def]
    child, ib = world["child"], world["ib"]
    cases.save_plan(ib, child, goals=[goal("school")], includes_treatment=False, base_version=0)
    opp_plan(world)
    plan = services.save_opp(ib, child, opp(), base_version=1, today=TODAY)
    assert plan.version == 2
    assert plan.content["goals"][0]["description"] == "Leest zelfstandig een boek"
    saved = plan.content["opp"]
    assert saved["uitstroombestemming"] == "vmbo basis/kader"
    assert saved["handelingsdeel"][0]["hours_per_week"] == "1.5" and len(saved["handelingsdeel"][0]["id"]) == 32
    assert PlanVersion.objects.get(plan=plan, number=2).content["opp"] == saved
    assert AccessLogEntry.objects.filter(object_type="plan", object_id=f"{plan.pk}:v2", action="update").exists()


def test_saving_the_goals_keeps_the_opp(world) -> None:  # type: ignore[no-untyped-def]
    child, ib = world["child"], world["ib"]
    opp_plan(world)
    services.save_opp(ib, child, opp(), base_version=0, today=TODAY)
    plan = cases.save_plan(ib, child, goals=[goal("school")], includes_treatment=False, base_version=1)
    assert plan.content["opp"]["uitstroombestemming"] == "vmbo basis/kader"
    assert plan.content["goals"][0]["domain"] == "school"


def test_row_ids_are_kept_for_known_rows(world) -> None:  # type: ignore[no-untyped-def]
    child, ib = world["child"], world["ib"]
    opp_plan(world)
    first = services.save_opp(ib, child, opp(), base_version=0, today=TODAY)
    row_id = first.content["opp"]["handelingsdeel"][0]["id"]
    second = services.save_opp(
        ib, child, opp(handelingsdeel=[{**row(), "id": row_id}, row(id="made-up")]), base_version=1, today=TODAY
    )
    ids = [r["id"] for r in second.content["opp"]["handelingsdeel"]]
    assert ids[0] == row_id and ids[1] != "made-up"


def test_a_stale_version_is_a_conflict_and_writes_nothing(world) -> None:  # type: ignore[no-untyped-def]
    child, ib = world["child"], world["ib"]
    opp_plan(world)
    services.save_opp(ib, child, opp(), base_version=0, today=TODAY)
    with pytest.raises(cases.PlanConflict) as exc:
        services.save_opp(ib, child, opp(uitstroombestemming="havo"), base_version=0, today=TODAY)
    assert exc.value.status == 409
    assert {"section": "uitstroombestemming", "change": "changed"} in exc.value.changes
    plan = Plan.objects.get(child=child)
    assert plan.version == 1 and plan.content["opp"]["uitstroombestemming"] == "vmbo basis/kader"


BAD = [
    (opp(uitstroombestemming="  "), "uitstroombestemming", "WPO art. 40a"),
    (opp(handelingsdeel=[row(support="")]), "handelingsdeel-0-support", "row 1"),
    (opp(handelingsdeel=[row(), row(by="")]), "handelingsdeel-1-by", "row 2"),
    (opp(handelingsdeel=[row(until="2026-02-01")]), "handelingsdeel-0-until", "after the start date"),
    (opp(handelingsdeel=[row(until="2026-03-01")]), "handelingsdeel-0-until", "after the start date"),
    (opp(handelingsdeel=[row(**{"from": ""})]), "handelingsdeel-0-from", "start date"),
    (opp(handelingsdeel=[row(until="morgen")]), "handelingsdeel-0-until", "must be a date"),
    (opp(handelingsdeel=[row(hours_per_week="-1")]), "handelingsdeel-0-hours_per_week", "from 0 to 40"),
    (opp(handelingsdeel=[row(hours_per_week="veel")]), "handelingsdeel-0-hours_per_week", "from 0 to 40"),
    (opp(handelingsdeel=[row(hours_per_week="NaN")]), "handelingsdeel-0-hours_per_week", "from 0 to 40"),
    (opp(handelingsdeel="geen lijst"), "handelingsdeel", "list"),
    (opp(uitstroomprofiel="astronaut"), "uitstroomprofiel", "further education"),
    (opp(child_voice={"onbekend": "x"}), "child_voice", "unknown section"),
    (opp(onderbouwing="x" * 20_001), "onderbouwing", "20000"),
]


@pytest.mark.parametrize(("bad", "field", "rule"), BAD)
def test_bad_input_names_the_field_and_the_rule_and_changes_nothing(world, bad, field, rule) -> None:  # type: ignore[no-untyped-def]
    child, ib = world["child"], world["ib"]
    opp_plan(world)
    services.save_opp(ib, child, opp(), base_version=0, today=TODAY)
    before = Plan.objects.get(child=child).content
    with pytest.raises(ValidationError) as exc:
        services.save_opp(ib, child, bad, base_version=1, today=TODAY)
    messages = exc.value.message_dict
    assert field in messages, messages
    assert rule in " ".join(messages[field])
    plan = Plan.objects.get(child=child)
    assert plan.version == 1 and plan.content == before
    assert PlanVersion.objects.filter(plan=plan).count() == 1


def test_the_opp_cannot_be_saved_before_the_plan_is_marked(world) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(ValidationError) as exc:
        services.save_opp(world["ib"], world["child"], opp(), base_version=0, today=TODAY)
    assert "opp_basis" in exc.value.message_dict


def test_special_education_needs_a_destination_profile() -> None:
    child = ChildFactory(school=SchoolFactory(school_type="vso"))
    ib = MembershipFactory(organisation=child.school, role="intern_begeleider").user
    services.start_opp(ib, child, basis=OppBasis.SPECIAL_EDUCATION, today=TODAY)
    with pytest.raises(ValidationError) as exc:
        services.save_opp(ib, child, opp(), base_version=0, today=TODAY)
    assert "WEC art. 41a" in exc.value.message_dict["uitstroomprofiel"][0]
    plan = services.save_opp(ib, child, opp(uitstroomprofiel="arbeidsmarkt"), base_version=0, today=TODAY)
    assert plan.content["opp"]["uitstroomprofiel"] == "arbeidsmarkt"


def test_the_two_education_goals_rule_keeps_working_on_an_opp_plan(world) -> None:  # type: ignore[no-untyped-def]
    child, ib = world["child"], world["ib"]
    opp_plan(world)
    services.save_opp(ib, child, opp(), base_version=0, today=TODAY)
    with pytest.raises(ValidationError) as exc:
        cases.save_plan(ib, child, goals=[goal("school"), goal("home")], includes_treatment=True, base_version=1)
    assert "two education goals" in exc.value.message_dict["goals"][0]
    plan = cases.save_plan(
        ib,
        child,
        goals=[goal("school"), goal("school", "Rekent"), goal("home")],
        includes_treatment=True,
        base_version=1,
    )
    assert plan.version == 2 and plan.content["opp"]["handelingsdeel"]


# --- Yearly evaluation ---------------------------------------------------------------------------------------


def test_the_first_evaluation_is_due_a_year_after_the_plan_became_an_opp(world) -> None:  # type: ignore[no-untyped-def]
    plan = opp_plan(world)
    assert services.opp_evaluation_due(plan, TODAY) == services.EvaluationDue(date(2027, 3, 10), "planned")
    assert services.opp_evaluation_due(plan, date(2027, 2, 20)).status == "due"
    assert services.opp_evaluation_due(plan, date(2027, 3, 10)).status == "due"
    assert services.opp_evaluation_due(plan, date(2027, 3, 11)).status == "overdue"


def test_an_evaluation_with_the_parents_sets_the_next_one_a_year_later(world) -> None:  # type: ignore[no-untyped-def]
    plan = opp_plan(world)
    evaluation = services.record_opp_evaluation(
        world["ib"], plan, held_on=date(2027, 3, 1), with_parents=True, summary="Op koers", today=date(2027, 3, 2)
    )
    assert evaluation.next_due == date(2028, 3, 1)
    assert services.opp_evaluation_due(plan, date(2027, 3, 2)).due == date(2028, 3, 1)
    assert AccessLogEntry.objects.filter(object_type="opp_evaluation", action="create").count() == 1


def test_a_leap_day_evaluation_is_due_on_28_february(world) -> None:  # type: ignore[no-untyped-def]
    assert services.one_year_after(date(2028, 2, 29)) == date(2029, 2, 28)


def test_a_bad_evaluation_names_the_field_and_writes_nothing(world) -> None:  # type: ignore[no-untyped-def]
    plan = opp_plan(world)
    with pytest.raises(ValidationError) as exc:
        services.record_opp_evaluation(
            world["ib"], plan, held_on=date(2026, 3, 11), with_parents=True, summary=" ", today=TODAY
        )
    assert set(exc.value.message_dict) == {"held_on", "summary"}
    assert not OppEvaluation.objects.exists()
    no_opp = Plan.objects.create(child=ChildFactory(school=world["child"].school))
    with pytest.raises(ValidationError) as exc:
        services.record_opp_evaluation(world["ib"], no_opp, held_on=TODAY, with_parents=True, summary="x", today=TODAY)
    assert "plan" in exc.value.message_dict


def test_a_double_submitted_evaluation_is_recorded_once(world) -> None:  # type: ignore[no-untyped-def]
    plan = opp_plan(world)
    first = services.record_opp_evaluation(
        world["ib"], plan, held_on=TODAY, with_parents=True, summary="Op koers", today=TODAY
    )
    again = services.record_opp_evaluation(
        world["ib"], plan, held_on=TODAY, with_parents=True, summary="Op koers ", today=TODAY
    )
    assert again.pk == first.pk and OppEvaluation.objects.count() == 1
