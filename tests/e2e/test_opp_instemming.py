"""Issue 16, part 2, in a real browser at 320 px: the demo parent reads the handelingsdeel of her son's OPP in the
portal in plain Dutch, refuses with her own words (and is told what happens next), then agrees. The OPP is put in
place through the ORM (the staff's OPP editor is another part of the issue). axe-core finds no violation on the page
and the page does not scroll sideways."""

from __future__ import annotations

import pytest
from playwright.sync_api import Browser, expect

from .conftest import manage
from .pages import log_in, set_language
from .test_accessibility import AXE, AXE_RUN, WCAG_TAGS

pytestmark = pytest.mark.browser

MAKE_OPP = """
from rondom.cases.models import Plan, PlanVersion
from rondom.registry.models import Child
child = Child.objects.get(given_name="Youssef")
plan, _ = Plan.objects.get_or_create(child=child)
content = dict(plan.content or {})
content.setdefault("goals", [])
content["opp"] = {
    "uitstroombestemming": "vmbo kader",
    "onderbouwing": "Youssef leert goed als hij elke dag op school is.",
    "handelingsdeel": [{"id": "h1", "support": "Elke ochtend een gesprekje met de mentor", "by": "de mentor",
                        "where": "op school", "hours_per_week": "0.5", "from": "2026-01-05", "until": "2026-07-10"}],
}
plan.content = content
plan.version += 1
plan.opp_basis = "extra_support"
plan.save()
PlanVersion.objects.create(plan=plan, number=plan.version, content=content, includes_treatment=False)
print(child.pk)
"""


def test_a_parent_refuses_then_agrees_with_the_handelingsdeel_at_320_px(
    browser: Browser, base_url: str, demo_env
) -> None:  # type: ignore[no-untyped-def]
    child_id = manage(demo_env, "shell", "-c", MAKE_OPP).split()[-1]
    context = browser.new_context(locale="nl-NL", viewport={"width": 320, "height": 720}, bypass_csp=True)
    try:
        set_language(context, base_url, "nl")
        page = context.new_page()
        log_in(page, base_url, demo_env, "ouder")
        page.goto(f"{base_url}/portaal/kind/{child_id}/")
        page.get_by_role("link", name="Extra hulp op school").click()
        expect(page.locator("#handelingsdeel")).to_contain_text("Elke ochtend een gesprekje met de mentor")
        expect(page.locator("#handelingsdeel")).to_contain_text("0,5 uur per week")
        page.add_script_tag(path=str(AXE))
        assert page.evaluate(AXE_RUN, WCAG_TAGS) == []
        assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")

        page.get_by_role("button", name="Ik stem niet in").click()
        expect(page.locator("#answer-form")).to_contain_text("eigen woorden")
        page.get_by_label("In uw eigen woorden").fill("Wij willen eerst met de mentor praten.")
        page.get_by_role("button", name="Ik stem niet in").click()
        expect(page.locator("#what-next")).to_contain_text("De school nodigt u uit voor een gesprek")

        page.get_by_role("button", name="Ik stem in").click()
        expect(page.locator("#own-answer")).to_contain_text("U hebt ingestemd")
    finally:
        context.close()
