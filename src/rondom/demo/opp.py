"""Demo OPPs (issue 16, point 1): a handful of the demo's plans become an ontwikkelingsperspectief.

- the plan of the demo parent's ("ouder") child that has a school and a plan (Youssef), on extra support, with a
  handelingsdeel the parent can read (and consent to) in the portal;
- up to three plans of pupils of special-education schools (so, vso, sbo) on that basis, with an uitstroomprofiel;
- up to three plans at the schools of the demo ib'er and zorgcoördinator (De Esch, Kempis) on extra support, one of
  them with its yearly evaluation with the parents overdue (became an OPP 14 months ago, never evaluated), one
  evaluated five months ago.

Every date is relative to `today`. Deterministic from the random generator given; idempotent (nothing is done when
any plan is an OPP already). Written straight to the database like the rest of the demo's casework: a new plan
version per OPP, the goals kept."""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from django.db import transaction

from rondom.accounts.models import User
from rondom.cases.models import Plan, PlanVersion
from rondom.opp.models import OppEvaluation
from rondom.opp.sections import SPECIAL_EDUCATION_SCHOOL_TYPES, OppBasis
from rondom.opp.services import one_year_after

#: Where a pupil goes after the school: after a primary school a kind of secondary school, after a secondary school
#: the mbo (a vo pupil's OPP naming "praktijkonderwijs" read as nonsense to a new user).
DESTINATIONS = ("vmbo basis/kader", "vmbo kader/gemengd", "havo", "praktijkonderwijs")
DESTINATIONS_AFTER_SECONDARY = ("mbo niveau 2", "mbo niveau 3", "mbo niveau 4", "entreeopleiding (mbo niveau 1)")
SECONDARY_SCHOOL_TYPES = frozenset({"vo", "pro", "vso"})
SUPPORT = (
    ("Remedial teaching lezen", "RT'er", "school", "1.5"),
    ("Rekenen met concreet materiaal in een kleine groep", "onderwijsassistent", "school", "2"),
    ("Sociale vaardigheidstraining", "schoolmaatschappelijk werk", "school", "1"),
    ("Begeleiding bij plannen en huiswerk", "mentor", "school", "0.5"),
)
#: A primary school has no mentor and little homework: its teacher helps plan the day's tasks.
SUPPORT_PRIMARY = (*SUPPORT[:3], ("Begeleiding bij het plannen van de weektaak", "leerkracht", "klas", "0.5"))


@dataclass
class OppReport:
    counts: dict[str, int] = field(default_factory=dict)


def _opp(rng: random.Random, today: date, *, profiel: str = "", school_type: str = "") -> dict[str, Any]:
    secondary = school_type in SECONDARY_SCHOOL_TYPES
    rows = []
    for support, by, where, hours in rng.sample(SUPPORT if secondary else SUPPORT_PRIMARY, 2):
        rows.append(
            {
                "id": f"{rng.getrandbits(128):032x}",
                "support": support,
                "by": by,
                "where": where,
                "hours_per_week": hours,
                "from": (today - timedelta(days=rng.randint(20, 60))).isoformat(),
                "until": (today + timedelta(days=rng.randint(90, 200))).isoformat(),
            }
        )
    return {
        "uitstroombestemming": rng.choice(DESTINATIONS_AFTER_SECONDARY if secondary else DESTINATIONS),
        "uitstroomprofiel": profiel,
        "onderbouwing": "Leerrendement lezen en rekenen rond 60 %; werkhouding goed met structuur.",
        "onderwijsbehoeften": "Korte instructie in kleine stappen, vaste plek, vooraf weten wat er komt.",
        "bevorderende_factoren": "Gemotiveerd, betrokken ouders, goed contact met de leerkracht.",
        "belemmerende_factoren": "Snel afgeleid in drukte; moeite met automatiseren.",
        "handelingsdeel": rows,
        "child_voice": {"uitstroombestemming": "Ik wil later iets met mijn handen doen."},
        "parents_view": {"handelingsdeel": "Wij willen graag elke zes weken horen hoe het gaat."},
    }


def _school_type(plan: Plan) -> str:
    school = plan.child.school
    return school.school_type if school is not None else ""


def _mark(plan: Plan, basis: str, since: date, opp: dict[str, Any], saved_by: User | None) -> None:
    plan.opp_basis, plan.opp_since = basis, since
    plan.version += 1
    plan.content = {**(plan.content or {}), "opp": opp}
    plan.save()
    PlanVersion.objects.create(
        plan=plan,
        number=plan.version,
        content=plan.content,
        includes_treatment=plan.includes_treatment,
        saved_by=saved_by,
    )


def generate(rng: random.Random, today: date) -> OppReport:
    """Mark the demo's OPPs (see the module). Returns the counts: {"opp": n, "evaluations": n, "overdue": n}."""
    report = OppReport()
    if Plan.objects.exclude(opp_basis="").exists():
        return report
    ib = User.objects.filter(username="ib").first()
    zorgco = User.objects.filter(username="zorgco").first() or ib
    marked, evaluations, overdue = 0, 0, 0
    with transaction.atomic():
        family = (
            Plan.objects.filter(
                child__guardianships__user__username="ouder", child__school__isnull=False, version__gt=0
            )
            .select_related("child")
            .order_by("child__date_of_birth", "pk")
            .first()
        )
        if family is not None:
            _mark(
                family,
                OppBasis.EXTRA_SUPPORT,
                today - timedelta(days=120),
                _opp(rng, today, school_type=_school_type(family)),
                zorgco,
            )
            marked += 1
        special = list(
            Plan.objects.filter(child__school__school_type__in=SPECIAL_EDUCATION_SCHOOL_TYPES, version__gt=0)
            .select_related("child")
            .order_by("pk")[:3]
        )
        for plan in special:
            profiel = rng.choice(("vervolgonderwijs", "arbeidsmarkt", "dagbesteding"))
            since = today - timedelta(days=rng.randint(60, 300))
            opp = _opp(rng, today, profiel=profiel, school_type=_school_type(plan))
            _mark(plan, OppBasis.SPECIAL_EDUCATION, since, opp, ib)
            marked += 1
        # The demo ib'er's and zorgcoördinator's schools (De Esch 12AB, Kempis 34CD: demo/data.py); De Esch's first,
        # so that the overdue one is in the demo ib'er's work list.
        candidates = Plan.objects.filter(version__gt=0, opp_basis="").exclude(pk__in=[family.pk] if family else [])
        regular = [
            *candidates.filter(child__school__brin="12AB").order_by("pk")[:2],
            *candidates.filter(child__school__brin="34CD").order_by("pk")[:1],
        ]
        for index, plan in enumerate(regular):
            if index == 0:  # the overdue one: an OPP for 14 months, never evaluated with the parents
                since = today - timedelta(days=425)
                overdue += 1
            else:
                since = today - timedelta(days=rng.randint(200, 330))
            _mark(plan, OppBasis.EXTRA_SUPPORT, since, _opp(rng, today, school_type=_school_type(plan)), ib)
            marked += 1
            if index == 1:
                held = today - timedelta(days=150)
                OppEvaluation.objects.create(
                    plan=plan,
                    held_on=held,
                    with_parents=True,
                    summary="Doelen lezen gehaald; rekenen blijft aandacht vragen. Handelingsdeel ongewijzigd.",
                    next_due=one_year_after(held),
                    recorded_by=ib,
                )
                evaluations += 1
    report.counts = {"opp": marked, "evaluations": evaluations, "overdue": overdue}
    return report
