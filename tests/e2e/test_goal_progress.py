"""Progress per goal in a real browser (issue 16, point 5): the plan page and the case page's decision to scale down
or close show a small chart per goal, drawn by Chart.js under the strict Content-Security-Policy, with its table below;
at 320 CSS px nothing scrolls sideways, and axe-core finds no violation (WCAG 2.2 AA)."""

from __future__ import annotations

import pytest
from playwright.sync_api import Browser, Page, expect

from .conftest import STEP_TIMEOUT_MS, manage
from .test_accessibility import AXE, AXE_RUN, DUPLICATE_IDS, WCAG_TAGS
from .test_ib_day import log_in

pytestmark = pytest.mark.browser

#: A pupil of De Esch whom no other browser test uses, with a plan of two measured goals (the scale with what 0 and
#: 10 mean, and an own measure), evaluations with values, and a case in evaluation (scale down or close is offered).
SEED = """
from datetime import timedelta
from django.utils import timezone
from rondom.accounts.models import Organisation, User
from rondom.cases import services
from rondom.registry.models import Child, SchoolGroup
child = Child.objects.filter(given_name="Isa", family_name="Voortman").first()
if child is None:
    esch = Organisation.objects.get(name="Basisschool De Esch")
    ib = User.objects.get(username="ib")
    today = timezone.localdate()
    group = SchoolGroup.objects.filter(school=esch).first()
    child = Child.objects.create(given_name="Isa", family_name="Voortman", date_of_birth=today - timedelta(days=3300),
                                 school=esch, group=group.name, school_group=group, home_municipality=esch.municipality)
    goals = [
        {"domain": "school", "description": "Isa gaat met plezier naar school", "target": "Elke dag", "owner": "ib",
         "measure_kind": "scale", "measure_zero": "Isa durft niet naar school",
         "measure_ten": "Isa gaat elke dag met plezier", "measure_start": "3", "measure_aim": "8"},
        {"domain": "school", "description": "Isa is weer aanwezig", "target": "Vijf dagen", "owner": "mentor",
         "measure_kind": "own", "measure_name": "dagen aanwezig", "measure_unit": "per week",
         "measure_start": "2", "measure_aim": "5"},
    ]
    plan = services.save_plan(ib, child, goals=goals, includes_treatment=False, base_version=0)
    scale, own = [g["id"] for g in plan.content["goals"]]
    for weeks, a, b in ((8, "3", "2"), (4, "4.5", "3"), (1, "6", "4.5")):
        on = today - timedelta(weeks=weeks)
        services.evaluate_goal(ib, plan, goal_id=scale, rater="teacher", score=3, value=a, on=on)
        services.evaluate_goal(ib, plan, goal_id=own, rater="parent", score=3, value=b, on=on)
    signal = services.raise_signal(ib, child, source="teacher", concerns=["attendance"], description="Isa verzuimt.")
    services.record_conversation(ib, signal, on=today, notes="Ouders herkennen het.", with_child=False)
    case = services.register_case(ib, signal, question="Wat helpt Isa om weer te komen?")
    for state in ("in_discussion", "plan_active", "evaluation"):
        case = services.change_state(ib, case, state)
print(child.pk)
"""

WIDTH = "document.documentElement.scrollWidth"


def _fits_320(page: Page) -> bool:
    for _frame in range(50):  # Chart.js resizes on its next frames (a polled check: the CSP forbids eval)
        if page.evaluate(WIDTH) <= 320:
            return True
        page.wait_for_timeout(100)
    return False


def test_the_charts_and_tables_render_at_320_px_and_axe_finds_nothing(  # type: ignore[no-untyped-def]
    page: Page, browser: Browser, base_url: str, demo_env, contexts, tmp_path
) -> None:
    child_id = int(manage(demo_env, "shell", "-c", SEED).split()[-1])
    pages = (f"/kinderen/{child_id}/plan/", f"/kinderen/{child_id}/casus/")

    # Under the real Content-Security-Policy: the charts are drawn (scripts from static, no inline script).
    log_in(page, base_url, demo_env, "ib")
    page.set_viewport_size({"width": 320, "height": 800})
    for path in pages:
        page.goto(base_url + path)
        progress = page.get_by_role("region", name="Voortgang per doel")
        expect(progress).to_be_visible()
        charts = progress.locator("canvas[data-goal-chart]")
        expect(charts).to_have_count(2)
        for i in range(2):
            expect(charts.nth(i)).to_be_visible()
        page.wait_for_function(
            "() => [...document.querySelectorAll('canvas[data-goal-chart]')].every(c => c.rondomChart && c.width > 0)"
        )
        table = progress.locator("table").first
        expect(table.locator("caption")).to_have_text("Waarden van doel 1")
        expect(table).to_contain_text("4,5")  # Dutch numbers on the page
        expect(table).to_contain_text("Leerkracht")
        expect(progress).to_contain_text("0 = Isa durft niet naar school")
        expect(progress).to_contain_text("Eigen maat: dagen aanwezig per week")
        assert _fits_320(page), f"{path}: the page scrolls sideways at 320 px"
        progress.screenshot(path=str(tmp_path / f"progress-{path.strip('/').replace('/', '-')}.png"))
    on_case_page = page.get_by_role("region", name="Casus", exact=True)
    expect(on_case_page.get_by_text("Voordat u afschaalt of afsluit")).to_be_visible()

    # axe-core (injected, so this context bypasses the CSP), 320 px wide: no violations, no duplicate ids.
    context = browser.new_context(locale="nl-NL", bypass_csp=True, viewport={"width": 320, "height": 800})
    contexts.append(context)
    context.set_default_timeout(STEP_TIMEOUT_MS)
    checked = context.new_page()
    log_in(checked, base_url, demo_env, "ib")
    problems: list[str] = []
    for path in pages:
        checked.goto(base_url + path)
        checked.wait_for_function(
            "() => [...document.querySelectorAll('canvas[data-goal-chart]')].every(c => c.rondomChart)"
        )
        problems += [f"{path}: duplicate id {d}" for d in checked.evaluate(DUPLICATE_IDS)]
        checked.add_script_tag(path=str(AXE))
        problems += [
            f"{path}: {v['id']} ({v['impact']}) {v['help']} — {'; '.join(v['targets'])}"
            for v in checked.evaluate(AXE_RUN, WCAG_TAGS)
        ]
    assert problems == []
