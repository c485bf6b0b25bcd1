"""Progress per goal (issue 16, point 5): every goal is measured on the 0-10 scale or on its own target measure;
each evaluation with a value adds a point; the plan page, the portal and the decision to scale down or close show a
small chart per goal with the aim line and the same points as a table."""

from __future__ import annotations

import html
import json
import re
from datetime import date
from decimal import Decimal
from typing import Any

import pytest
import time_machine
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils import translation

from rondom.cases import services
from rondom.cases.measures import measure_error, parse_number
from rondom.cases.models import Case, GoalEvaluation, Plan, Signal
from rondom.cases.progress import goal_progress
from tests.factories import ChildFactory, GuardianshipFactory, MembershipFactory

pytestmark = pytest.mark.django_db

TODAY = date(2026, 3, 10)
JSON = "application/json"

SCALE_GOAL = {
    "domain": "school",
    "description": "Gaat met plezier naar school",
    "target": "Elke dag",
    "owner": "mentor",
    "measure_kind": "scale",
    "measure_zero": "Sam durft niet naar school",
    "measure_ten": "Sam gaat elke dag met plezier",
    "measure_start": "3",
    "measure_aim": "8",
}
OWN_GOAL = {
    "domain": "school",
    "description": "Is weer aanwezig",
    "target": "Vijf dagen",
    "owner": "ib",
    "measure_kind": "own",
    "measure_name": "dagen aanwezig",
    "measure_unit": "per week",
    "measure_start": "2",
    "measure_aim": "5",
}
OLD_GOAL = {"domain": "home", "description": "Slaapt op tijd", "target": "Vijf avonden", "owner": "moeder"}


@pytest.fixture(autouse=True)
def _pinned() -> Any:
    with time_machine.travel("2026-03-10 10:00:00+01:00", tick=False):
        yield


@pytest.fixture
def english() -> Any:
    with translation.override("en"):
        yield


@pytest.fixture
def world():  # type: ignore[no-untyped-def]
    child = ChildFactory()
    GuardianshipFactory(child=child)
    ib = MembershipFactory(organisation=child.school, role="intern_begeleider").user
    plan = services.save_plan(ib, child, goals=[SCALE_GOAL, OWN_GOAL], includes_treatment=False, base_version=0)
    return {"child": child, "ib": ib, "plan": plan}


def _ids(plan: Plan) -> list[str]:
    return [g["id"] for g in plan.content["goals"]]


# --- The measure of a goal --------------------------------------------------------------------------------


def test_the_measure_is_stored_with_the_goal_numbers_with_a_decimal_point(world) -> None:  # type: ignore[no-untyped-def]
    plan = services.save_plan(
        world["ib"],
        world["child"],
        goals=[{**OWN_GOAL, "measure_start": "2,5", "measure_aim": 5}, OLD_GOAL],
        includes_treatment=False,
        base_version=1,
    )
    own, old = plan.content["goals"]
    assert (own["measure_kind"], own["measure_start"], own["measure_aim"]) == ("own", "2.5", "5")
    assert own["measure_name"] == "dagen aanwezig" and own["measure_unit"] == "per week"
    assert old["measure_kind"] == "" and old["measure_aim"] == ""  # no measure: the scale without an aim


@pytest.mark.parametrize(
    ("change", "words"),
    [
        ({"measure_kind": "percent"}, "choose the scale from 0 to 10 or an own measure"),
        ({"measure_start": "veel"}, "the start value is not a number"),
        ({"measure_aim": "1.234"}, "the aim value is not a number"),
        ({"measure_aim": "1000000"}, "the aim value is not a number"),
        ({"measure_aim": "11"}, "the aim value on the scale lies from 0 to 10"),
        ({"measure_start": "-1"}, "the start value on the scale lies from 0 to 10"),
        ({"measure_kind": "own", "measure_name": ""}, "name the own measure"),
        (
            {"measure_kind": "own", "measure_name": "dagen", "measure_start": ""},
            "an own measure needs a start value and an aim",
        ),
        (
            {"measure_kind": "own", "measure_name": "dagen", "measure_aim": ""},
            "an own measure needs a start value and an aim",
        ),
        ({"measure_kind": "own", "measure_name": "dagen", "measure_aim": "3"}, "the aim must differ"),
    ],
)
def test_a_bad_measure_is_refused_naming_the_goal_and_the_field(world, english, change, words) -> None:  # type: ignore[no-untyped-def]
    goal = {**SCALE_GOAL, "measure_start": "3", **change}
    with pytest.raises(ValidationError) as refused:
        services.save_plan(
            world["ib"], world["child"], goals=[OLD_GOAL, goal], includes_treatment=False, base_version=1
        )
    message = refused.value.message_dict["goals"][0]
    assert message.startswith("Goal 2") and words in message
    assert Plan.objects.get(pk=world["plan"].pk).version == 1  # nothing changed


def test_a_goal_without_a_measure_is_on_the_scale_without_an_aim() -> None:
    assert measure_error(OLD_GOAL, 1) is None
    assert measure_error({**OLD_GOAL, "measure_kind": "scale", "measure_aim": "7.5"}, 1) is None
    assert parse_number("7,5") == Decimal("7.5") and parse_number("") is None


# --- The value of an evaluation -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("which", "value", "words"),
    [
        (0, "11", "from 0 to 10"),
        (0, "-0.5", "from 0 to 10"),
        (0, "acht", "not a number"),
        (1, "2.555", "not a number"),
        (1, "12345678", "not a number"),
        (1, "NaN", "not a number"),
    ],
)
def test_a_bad_value_is_refused_on_the_field_value(world, english, which, value, words) -> None:  # type: ignore[no-untyped-def]
    plan = world["plan"]
    with pytest.raises(ValidationError) as refused:
        services.evaluate_goal(world["ib"], plan, goal_id=_ids(plan)[which], rater="teacher", score=3, value=value)
    assert words in refused.value.message_dict["value"][0]
    assert not GoalEvaluation.objects.exists()


def test_an_own_measure_takes_any_bounded_number_and_the_scale_0_to_10(world) -> None:  # type: ignore[no-untyped-def]
    plan, ib = world["plan"], world["ib"]
    scale, own = _ids(plan)
    services.evaluate_goal(ib, plan, goal_id=scale, rater="teacher", score=3, value="10")
    services.evaluate_goal(ib, plan, goal_id=own, rater="teacher", score=3, value="-3,25")
    services.evaluate_goal(ib, plan, goal_id=own, rater="teacher", score=3)  # no value: no point
    assert sorted(str(v) for v in GoalEvaluation.objects.exclude(value=None).values_list("value", flat=True)) == [
        "-3.25",
        "10.00",
    ]


def test_points_are_in_order_of_date_and_only_evaluations_with_a_value(world) -> None:  # type: ignore[no-untyped-def]
    plan, ib = world["plan"], world["ib"]
    scale, own = _ids(plan)
    for day, value in ((date(2026, 3, 1), "5"), (date(2026, 1, 15), "3"), (date(2026, 2, 1), None)):
        services.evaluate_goal(ib, plan, goal_id=scale, rater="teacher", score=3, value=value, on=day)
    services.evaluate_goal(ib, plan, goal_id=own, rater="parent", score=4, value="4", on=date(2026, 2, 20))
    first, second = goal_progress(plan)
    assert [(p.on, p.value) for p in first.points] == [(date(2026, 1, 15), 3), (date(2026, 3, 1), 5)]
    assert [(p.on, p.value, p.rater) for p in second.points] == [(date(2026, 2, 20), 4, "parent")]
    assert (first.aim, second.aim, second.unit_text) == (8, 5, "dagen aanwezig per week")


# --- The pages ---------------------------------------------------------------------------------------------


def _evaluated(world) -> None:  # type: ignore[no-untyped-def]
    plan, ib = world["plan"], world["ib"]
    scale, own = _ids(plan)
    services.evaluate_goal(ib, plan, goal_id=scale, rater="teacher", score=3, value="4.5", on=date(2026, 2, 1))
    services.evaluate_goal(ib, plan, goal_id=scale, rater="parent", score=4, value="6", on=date(2026, 3, 1))
    services.evaluate_goal(ib, plan, goal_id=own, rater="teacher", score=4, value="3", on=date(2026, 3, 2))


def _dutch(client):  # type: ignore[no-untyped-def]
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "nl"
    return client


def _charts(page: str) -> dict[str, dict[str, Any]]:
    """The chart data per goal id, as the page's json_script holds it."""
    found = re.findall(r'<script id="goal-progress-data-(\w+)" type="application/json">(.*?)</script>', page, re.S)
    return {gid: json.loads(html.unescape(text)) for gid, text in found}


def _table_rows(page: str, gid: str) -> list[tuple[str, str, str]]:
    """(data-value, visible value, date) of every row of the goal's table."""
    figure = page.split(f'id="goal-progress-{gid}"', 1)[1].split("</figure>", 1)[0]
    rows = re.findall(r'data-label="Datum">([^<]*)</td>\s*<td[^>]*data-value="([^"]*)">([^<]*)</td>', figure)
    return [(value, shown, day) for day, value, shown in rows]


def test_the_plan_page_shows_a_chart_per_goal_whose_data_equals_its_table(world, login) -> None:  # type: ignore[no-untyped-def]
    _evaluated(world)
    client = _dutch(login(world["ib"]))
    page = client.get(f"/kinderen/{world['child'].pk}/plan/").content.decode()
    charts = _charts(page)
    scale, own = _ids(world["plan"])
    assert set(charts) == {scale, own}
    for gid, chart in charts.items():
        rows = _table_rows(page, gid)
        assert [float(value) for value, _shown, _day in rows] == chart["values"]
        assert [html.unescape(shown) for _value, shown, _day in rows] == chart["texts"]
        assert len(chart["labels"]) == len(rows)
    assert charts[scale]["values"] == [4.5, 6.0] and charts[scale]["texts"] == ["4,5", "6"]
    assert (charts[scale]["aim"], charts[scale]["min"], charts[scale]["max"]) == (8.0, 0.0, 10.0)
    assert (charts[own]["aim"], charts[own]["min"], charts[own]["unit"]) == (5.0, None, "dagen aanwezig per week")
    assert 'data-value="4.50"' in page and 'data-aim="8"' in page  # machine values with a decimal point
    assert "0 = Sam durft niet naar school" in html.unescape(page)
    assert page.count("goal-progress.js") >= 1 and "<script>" not in page  # served from static, no inline script


def test_an_old_plan_without_a_measure_still_renders(world, login) -> None:  # type: ignore[no-untyped-def]
    child = ChildFactory(school=world["child"].school)
    Plan.objects.create(child=child, version=1, content={"goals": [{"id": "g1", **OLD_GOAL}]})
    GoalEvaluation.objects.create(
        plan=child.plan, goal_id="g1", rater="parent", score=3, value=Decimal("7"), evaluated_on=date(2026, 3, 1)
    )
    response = _dutch(login(world["ib"])).get(f"/kinderen/{child.pk}/plan/")
    assert response.status_code == 200
    chart = _charts(response.content.decode())["g1"]
    assert (chart["values"], chart["aim"], chart["max"]) == ([7.0], None, 10.0)
    api = login(world["ib"]).get(f"/api/children/{child.pk}/plan/").json()
    assert api["goals"][0]["measure_kind"] == "" and api["progress"][0]["points"][0]["value"] == "7"


def _case_in_evaluation(world) -> Case:  # type: ignore[no-untyped-def]
    signal = Signal.objects.create(
        child=world["child"], source="teacher", concerns=["behaviour"], description="x", conversation_on=TODAY
    )
    case = services.register_case(world["ib"], signal, question="Wat helpt?")
    for state in ("in_discussion", "plan_active", "evaluation"):
        case = services.change_state(world["ib"], case, state)
    return case


def test_the_decision_to_scale_down_or_close_shows_the_progress_of_each_goal(world, login) -> None:  # type: ignore[no-untyped-def]
    _evaluated(world)
    client = _dutch(login(world["ib"]))
    url = f"/kinderen/{world['child'].pk}/casus/"
    before = client.get(url).content.decode()
    assert "goal-progress-data-" not in before  # no case in evaluation: no decision to scale down or close
    _case_in_evaluation(world)
    page = client.get(url).content.decode()
    case_section = page.split('id="h-case"', 1)[1].split('id="h-signals"', 1)[0]
    assert "Voortgang per doel" in case_section and "Voordat u afschaalt of afsluit" in case_section
    assert set(_charts(case_section)) == set(_ids(world["plan"]))
    assert case_section.index("goal-progress-data-") < case_section.index('name="state"')  # before the decision
    assert "Afgeschaald" in case_section and "Afgesloten" in case_section  # the steps it is shown for


def test_the_portal_shows_the_charts_and_takes_the_familys_value(world, login) -> None:  # type: ignore[no-untyped-def]
    _evaluated(world)
    parent = world["child"].guardianships.first().user
    client = _dutch(login(parent))
    url = f"/portaal/kind/{world['child'].pk}/"
    scale, own = _ids(world["plan"])
    assert set(_charts(client.get(url).content.decode())) == {scale, own}
    refused = client.post(url, {"action": "evaluate", "goal_id": scale, "score": "4", "value": "12"})
    assert refused.status_code == 400 and not GoalEvaluation.objects.filter(rater="parent", value=12).exists()
    client.post(url, {"action": "evaluate", "goal_id": own, "score": "4", "value": "4,5"})
    assert GoalEvaluation.objects.filter(goal_id=own, rater="parent").get().value == Decimal("4.5")
    assert _charts(client.get(url).content.decode())[own]["values"] == [3.0, 4.5]


def test_the_api_carries_the_measure_and_the_value(world, login) -> None:  # type: ignore[no-untyped-def]
    client = login(world["ib"])
    url = f"/api/children/{world['child'].pk}/plan/"
    plan = client.get(url).json()
    own = plan["goals"][1]
    assert (own["measure_kind"], own["measure_start"], own["measure_aim"]) == ("own", "2", "5")
    made = client.post(
        f"{url}evaluations/", {"goal_id": own["id"], "rater": "teacher", "score": 3, "value": 3.5}, content_type=JSON
    )
    assert made.status_code == 201 and made.json()["value"] == "3.5"
    bad = client.post(
        f"{url}evaluations/",
        {"goal_id": plan["goals"][0]["id"], "rater": "teacher", "score": 3, "value": "11"},
        content_type=JSON,
    )
    assert bad.status_code == 400 and "value" in bad.json()
    progress = client.get(url).json()["progress"]
    assert progress[1] == {
        "goal": own["id"],
        "kind": "own",
        "points": [{"evaluated_on": "2026-03-10", "value": "3.5", "rater": "teacher"}],
    }
    written = client.put(
        url,
        {
            "goals": [{**own, "measure_aim": 6}, {**plan["goals"][0], "measure_kind": "own", "measure_name": ""}],
            "includes_treatment": False,
            "base_version": plan["version"],
        },
        content_type=JSON,
    )
    assert written.status_code == 400 and "Doel 2" in str(written.json())


def test_the_portal_api_carries_the_measure_and_the_points(world, login) -> None:  # type: ignore[no-untyped-def]
    _evaluated(world)
    parent = world["child"].guardianships.first().user
    summary = login(parent).get(f"/api/portal/children/{world['child'].pk}/").json()
    scale, own = summary["goals"]
    assert (scale["measure_kind"], scale["measure_aim"], own["measure_name"]) == ("scale", "8", "dagen aanwezig")
    assert [p["value"] for p in summary["progress"][0]["points"]] == ["4.5", "6"]
    assert summary["progress"][1]["kind"] == "own"


def test_the_plan_form_keeps_the_measure_and_refuses_a_bad_number_on_its_field(world, login) -> None:  # type: ignore[no-untyped-def]
    client = _dutch(login(world["ib"]))
    url = f"/kinderen/{world['child'].pk}/plan/"
    form = client.get(url).content.decode()
    assert 'name="goal_1_measure_aim"' in form and 'value="5"' in form  # the stored measure is in the form
    scale, own = world["plan"].content["goals"]
    data = {"base_version": "1", "next_evaluation": ""}
    for i, goal in enumerate([scale, {**own, "measure_start": "2,5"}]):
        data.update({f"goal_{i}_{key}": value for key, value in goal.items()})
    bad = client.post(url, {**data, "goal_0_measure_aim": "acht"})
    assert bad.status_code == 400 and 'id="id_goal_0_measure_aim"' in bad.content.decode()
    assert "Schrijf een getal" in bad.content.decode() and Plan.objects.get().version == 1
    ok = client.post(url, data)
    assert ok.status_code == 302, re.sub(r"\s+", " ", re.sub("<[^>]+>", " ", ok.content.decode()))[:1500]
    saved = Plan.objects.get().content["goals"]
    assert (saved[1]["measure_kind"], saved[1]["measure_start"], saved[0]["measure_zero"]) == (
        "own",
        "2.5",
        "Sam durft niet naar school",
    )
