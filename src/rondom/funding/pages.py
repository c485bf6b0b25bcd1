"""Pages of policy staff next to the monitoring dashboard: the allocation round of school social work (rules, hours
and cost per school, Bloz's advice, the decision, realised against allocated), the register of pilots and a
pilot's population budget (trajectory, actual spending, what-if). Thin: the rules live in rounds.py and budget.py.
Aggregates only: no child is named. Every table downloads as CSV or XLSX (`?format=csv|xlsx&table=...`)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode

from django import forms
from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View

from rondom import formats
from rondom.accounts.models import User
from rondom.core.schoolyear import SchoolYear
from rondom.exports import FORMATS, table_response
from rondom.formats import Money, Percent
from rondom.formfields import LocalDecimalField
from rondom.refusals import add_refusal, refusal_messages, refusal_text
from rondom.registry.models import Municipality

from . import budget, rounds, services
from .allocation import FACTS
from .models import AllocationRound, Pilot

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise


def _percent(label: StrOrPromise) -> LocalDecimalField:
    return LocalDecimalField(label=label, max_digits=5, decimal_places=2)


def _user(request: HttpRequest) -> User:
    return request.user  # type: ignore[return-value]


def _export_kind(request: HttpRequest) -> str | None:
    kind = request.GET.get("format")
    return kind if kind in FORMATS else None


# --- allocation round ------------------------------------------------------------------------------------------------


class RulesForm(forms.Form):
    base_hours = LocalDecimalField(label=gettext_lazy("Base hours per school a week"), max_digits=6, decimal_places=1)
    maatwerk_hours = LocalDecimalField(
        label=gettext_lazy("Maatwerk hours to share a week"),
        help_text=gettext_lazy("Shared among the schools by the need index."),
        max_digits=7,
        decimal_places=1,
    )
    weight_pupils = _percent(gettext_lazy("Weight of pupils (%)"))
    weight_open_cases = _percent(gettext_lazy("Weight of open cases (%)"))
    weight_thuiszitters = _percent(gettext_lazy("Weight of thuiszitters (%)"))
    weight_absence_hours = _percent(gettext_lazy("Weight of unauthorised absence (%)"))
    rate = LocalDecimalField(label=gettext_lazy("Rate per hour (euro)"), max_digits=8, decimal_places=2)
    weeks = forms.IntegerField(label=gettext_lazy("Weeks a year"))
    school_share = _percent(gettext_lazy("The school's share of the cost (%)"))
    regional_split = forms.BooleanField(
        label=gettext_lazy("Split the municipal share by the pupils' home municipality"), required=False
    )

    WEIGHTS = tuple(f"weight_{name}" for name in FACTS)

    def __init__(self, *args: Any, municipality: str, **kwargs: Any) -> None:
        kwargs.setdefault("auto_id", "id_rules_%s")
        super().__init__(*args, **kwargs)
        self.municipality = municipality
        self.rules: rounds.Rules | None = None

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if self.errors:
            return data
        try:
            self.rules = rounds.rules_from_percentages(
                base_hours=data["base_hours"],
                maatwerk_hours=data["maatwerk_hours"],
                weights_percent={name: data[f"weight_{name}"] for name in FACTS},
                rate=data["rate"],
                weeks=data["weeks"],
                school_share_percent=data["school_share"],
                regional_split=data["regional_split"],
                municipality=self.municipality,
            )
        except ValidationError as error:
            add_errors(self, error)
        return data

    def weight_fields(self) -> list[forms.BoundField]:
        return [self[name] for name in self.WEIGHTS]

    def other_fields(self) -> list[forms.BoundField]:
        return [self[name] for name in self.fields if name not in self.WEIGHTS]


def add_errors(form: forms.Form, error: ValidationError) -> None:
    """A service's ValidationError on the form: on the field it names (the weights on each weight field), else on
    the form as a whole."""
    add_refusal(form, error, {"weights": list(RulesForm.WEIGHTS)} if isinstance(form, RulesForm) else None)


class AdviceForm(forms.Form):
    advice = forms.CharField(label=gettext_lazy("Advice of Bloz"), widget=forms.Textarea(attrs={"rows": 4}))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("auto_id", "id_advice_%s")
        super().__init__(*args, **kwargs)


class DecisionForm(forms.Form):
    """The municipality's decision on the allocation: final, so it asks for an explicit confirmation (a required
    checkbox next to a summary of what will be decided; no script needed). Unticked: nothing is decided and the
    field says why."""

    decision_note = forms.CharField(
        label=gettext_lazy("Decision of the municipality"), widget=forms.Textarea(attrs={"rows": 4})
    )
    confirm = forms.BooleanField(
        label=gettext_lazy("I know this cannot be undone"),
        error_messages={
            "required": gettext_lazy("Tick that you know this decision cannot be undone. Nothing has been decided yet.")
        },
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("auto_id", "id_decision_%s")
        super().__init__(*args, **kwargs)


@dataclass
class Scope:
    user: User
    municipalities: list[Municipality]
    municipality: Municipality
    years: list[SchoolYear]
    year: SchoolYear

    def query(self) -> str:
        return urlencode({"municipality": self.municipality.pk, "year": str(self.year)})


def _scope(request: HttpRequest) -> Scope:
    """The user's municipality (one of them, by `?municipality=`) and the school year (by `?year=`); 403 for anyone
    who is not policy staff."""
    user = _user(request)
    municipalities = rounds.policy_municipalities(user)
    chosen = request.GET.get("municipality")
    municipality = next((m for m in municipalities if str(m.pk) == chosen), municipalities[0])
    now = SchoolYear.current().start_year
    years = [SchoolYear(now + 1 - n) for n in range(5)]
    year = next((y for y in years if str(y) == request.GET.get("year")), SchoolYear(now))
    return Scope(user, municipalities, municipality, years, year)


class AllocationView(LoginRequiredMixin, View):
    """The allocation round of school social work for one municipality and school year."""

    serves_child_data = False

    def get(self, request: HttpRequest) -> HttpResponse:
        scope = _scope(request)
        round_ = rounds.current_round(scope.municipality, scope.year)
        kind = _export_kind(request)
        if kind and round_ is not None and round_.computed_at is not None:
            return _allocation_export(round_, request.GET.get("table", "allocation"), kind)
        return self._render(request, scope, round_)

    def post(self, request: HttpRequest) -> HttpResponse:
        scope = _scope(request)
        round_ = rounds.current_round(scope.municipality, scope.year)
        action = request.POST.get("action")
        forms_: dict[str, forms.Form] = {}
        form: forms.Form
        try:
            if action == "compute":
                form = forms_["rules"] = RulesForm(request.POST, municipality=scope.municipality.name)
                if form.is_valid() and form.rules is not None:
                    rounds.compute(scope.user, scope.municipality, scope.year, form.rules)
                    messages.success(request, _("The allocation has been computed."))
                    return redirect(f"{request.path}?{scope.query()}")
            elif action == "advise" and round_ is not None:
                form = forms_["advice"] = AdviceForm(request.POST)
                if form.is_valid():
                    rounds.advise(scope.user, round_, form.cleaned_data["advice"])
                    messages.success(request, _("The advice of Bloz has been recorded."))
                    return redirect(f"{request.path}?{scope.query()}")
            elif action == "decide" and round_ is not None:
                if not rounds.may_decide(scope.user, scope.municipality):
                    raise PermissionDenied  # before the form: a missing tick is no answer to the wrong role
                if (
                    round_.decided_at is not None
                    and round_.decision_note == request.POST.get("decision_note", "").strip()
                ):
                    # The same decision sent twice (a double click, a reload): it stands, nothing changes.
                    messages.info(request, _("This allocation has already been decided."))
                    return redirect(f"{request.path}?{scope.query()}")
                form = forms_["decision"] = DecisionForm(request.POST)
                if form.is_valid():
                    rounds.decide(scope.user, round_, form.cleaned_data["decision_note"])
                    messages.success(request, _("The allocation has been decided."))
                    return redirect(f"{request.path}?{scope.query()}")
            else:
                return self._render(request, scope, round_, refusal=_("Nothing to do."), status=400)
        except ValidationError as error:
            if set(refusal_messages(error)) == {None}:  # names no field: said above the forms
                return self._render(request, scope, round_, refusal=refusal_text(error), status=400)
            add_errors(form, error)
        return self._render(request, scope, round_, status=400, bound=forms_)

    def _render(
        self,
        request: HttpRequest,
        scope: Scope,
        round_: AllocationRound | None,
        *,
        refusal: str = "",
        status: int = 200,
        bound: dict[str, forms.Form] | None = None,
    ) -> HttpResponse:
        bound = bound or {}
        computed = round_ is not None and round_.computed_at is not None
        open_ = round_ is None or round_.decided_at is None
        can_compute = open_ and rounds.may_compute(scope.user, scope.municipality)
        can_advise = computed and open_ and rounds.may_advise(scope.user, scope.municipality)
        can_decide = (
            computed
            and open_
            and round_ is not None
            and round_.advice_at is not None
            and rounds.may_decide(scope.user, scope.municipality)
        )
        context = {
            "scope": scope,
            "query": scope.query(),
            "round": round_,
            "status": rounds.status(round_),
            "refusal": refusal,
            "rules": _rules_display(round_) if computed else [],
            "allocation": _allocation_grid(round_) if computed and round_ is not None else None,
            "realised": _realised_grid(round_) if computed and round_ is not None else None,
            "rules_form": bound.get("rules")
            or (
                RulesForm(initial=rounds.form_initial(round_), municipality=scope.municipality.name)
                if can_compute
                else None
            ),
            "advice_form": bound.get("advice") or (AdviceForm() if can_advise else None),
            "decision_form": bound.get("decision") or (DecisionForm() if can_decide else None),
            "decision_summary": _decision_summary(round_) if can_decide and round_ is not None else None,
        }
        return render(request, "funding/allocation.html", context, status=status)


def _rules_display(round_: AllocationRound | None) -> list[tuple[str, str]]:
    if round_ is None or not round_.rules:
        return []
    r = round_.rules
    hundred = Decimal(100)
    weights = {k: Decimal(str(v)) * hundred for k, v in r.get("weights", {}).items()}
    labels = {
        "pupils": _("pupils"),
        "open_cases": _("open cases"),
        "thuiszitters": _("thuiszitters"),
        "absence_hours": _("unauthorised absence"),
    }
    return [
        (_("Base hours per school a week"), formats.number(r["base_hours"], 1)),
        (_("Maatwerk hours to share a week"), formats.number(r["maatwerk_hours"], 1)),
        (_("Weights"), ", ".join(f"{labels[k]} {formats.percent(w, 2)}" for k, w in weights.items())),
        (_("Rate per hour (euro)"), formats.money(r["rate"])),
        (_("Weeks a year"), formats.number(r["weeks"])),
        (_("The school's share of the cost (%)"), formats.percent(Decimal(str(r["school_share"])) * hundred, 2)),
        (
            _("Split the municipal share by the pupils' home municipality"),
            _("yes") if r["regional_split"] else _("no"),
        ),
        (_("Facts measured over school year"), r.get("facts_from", "")),
    ]


def _decision_summary(round_: AllocationRound) -> dict[str, Any]:
    """What the decision fixes, shown next to its confirmation: the number of schools, the hours a week and the
    cost a year of the computed allocation (machine Decimals; the template formats them in Dutch)."""
    rows = round_.result or []
    return {
        "schools": len(rows),
        "hours": sum((Decimal(str(r["hours"])) for r in rows), Decimal(0)),
        "cost": sum((Decimal(str(r["cost"])) for r in rows), Decimal(0)),
    }


def _allocation_grid(round_: AllocationRound) -> dict[str, Any]:
    table = rounds.allocation_table(round_)
    return {
        "header": table.header(),
        "rows": [table.values(r) for r in table.rows],
        "total": table.values(table.totals),
    }


def _realised_grid(round_: AllocationRound) -> dict[str, Any]:
    table = rounds.realised_table(round_)
    return {
        "header": table.header(),
        "rows": [table.values(r) for r in table.rows],
        "total": table.values(table.total),
    }


def _allocation_export(round_: AllocationRound, table: str, kind: str) -> HttpResponse:
    """The same rows as the page, the total as the last row."""
    name = f"{round_.municipality.name}-{round_.school_year}".lower().replace(" ", "-")
    realised = table == "realised"
    grid = _realised_grid(round_) if realised else _allocation_grid(round_)
    filename = f"{'gerealiseerd' if realised else 'verdeling'}-{name}"
    return table_response(filename, grid["header"], [*grid["rows"], grid["total"]], kind)


# --- pilots ----------------------------------------------------------------------------------------------------------


def _pilot_row(pilot: Pilot) -> dict[str, Any]:
    first = SchoolYear(pilot.start_year)
    last = SchoolYear(pilot.start_year + pilot.years - 1)
    schools = [s.name for s in pilot.schools.all()]
    where = ", ".join(([str(pilot.area)] if pilot.area else []) + schools)
    return {
        "pilot": pilot,
        "kind": pilot.get_kind_display(),
        "where": where,
        "term": _("%(first)s up to and including %(last)s") % {"first": first, "last": last},
        "years": [str(SchoolYear(pilot.start_year + n)) for n in range(pilot.years)],
        "participants": [
            (str(p.get("party", "")), str(p.get("commitment", "")))
            for p in (pilot.participants or [])
            if isinstance(p, dict)
        ],
    }


class PilotListView(LoginRequiredMixin, View):
    """The register of pilots: kind, area or schools, the five-year term and the parties' commitments."""

    serves_child_data = False

    def get(self, request: HttpRequest) -> HttpResponse:
        rounds.policy_municipalities(_user(request))
        rows = [_pilot_row(p) for p in Pilot.objects.select_related("area").prefetch_related("schools")]
        kind = _export_kind(request)
        if kind:
            header = [
                _("Pilot"),
                _("Kind"),
                _("Area or schools"),
                _("Term"),
                _("School years"),
                _("Participants and commitments"),
            ]
            lines = [
                [
                    r["pilot"].name,
                    r["kind"],
                    r["where"],
                    r["term"],
                    ", ".join(r["years"]),
                    " | ".join(f"{party}: {what}" for party, what in r["participants"]),
                ]
                for r in rows
            ]
            return table_response("pilots", header, lines, kind)
        return render(request, "funding/pilots.html", {"rows": rows})


def _money(amount: Decimal | None) -> Money | None:
    """An amount of a budget table as Money (formatted as euros on the page, a plain number in an export)."""
    return None if amount is None else Money(amount)


# --- population budget -----------------------------------------------------------------------------------------------


def parse_path(text: str, years: int) -> list[Decimal] | None:
    """'5; 5; 0; 0; 0' (a comma may be the decimal sign) or one figure for every year; None when left empty."""
    parts = [p for p in re.split(r"[;\s]+", text.strip()) if p]
    if not parts:
        return None
    try:
        values = [Decimal(p.replace(",", ".")) for p in parts]
    except InvalidOperation:
        raise ValidationError(_("Give numbers, e.g. 5; 5; 0; 0; 0.")) from None
    if any(not v.is_finite() for v in values):
        raise ValidationError(_("Give numbers, e.g. 5; 5; 0; 0; 0."))
    return values * years if len(values) == 1 else values


class WhatIfForm(forms.Form):
    path_a = forms.CharField(
        label=gettext_lazy("Other shrink path A (% a year)"),
        help_text=gettext_lazy("One percentage for every year, or one per year separated by semicolons: 5; 5; 0; 0; 0"),
        required=False,
        max_length=200,
    )
    path_b = forms.CharField(
        label=gettext_lazy("Other shrink path B (% a year)"),
        help_text=gettext_lazy("One percentage for every year, or one per year separated by semicolons: 5; 5; 0; 0; 0"),
        required=False,
        max_length=200,
    )

    def __init__(self, *args: Any, pilot: Pilot, baseline: dict[str, Decimal], **kwargs: Any) -> None:
        kwargs.setdefault("auto_id", "id_whatif_%s")
        super().__init__(*args, **kwargs)
        self.pilot, self.baseline = pilot, baseline
        #: The other paths asked for, by their label, each checked against budget.trajectory.
        self.paths: dict[str, list[Decimal]] = {}

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        for name, label in (("path_a", _("Path A")), ("path_b", _("Path B"))):
            try:
                path = parse_path(data.get(name) or "", self.pilot.years)
                if path is not None:
                    budget.trajectory(self.baseline, path, self.pilot.years)
                    self.paths[f"{label} ({'; '.join(f'{p:f}' for p in path)} %)"] = path
            except ValidationError as error:
                self.add_error(name, error.messages)
        return data


def _budget_chart(years: list[budget.Year]) -> dict[str, Any]:
    """The data of the budget chart (Chart.js, drawn by static/rondom/charts.js from `json_script`): per pilot year
    two bars, the budget (dark) and the actual spending (light), on one scale (`scaled`, 0-100 of the largest
    amount), each with its amount written next to it; a year without actual spending is marked "geen cijfers", not
    drawn as zero. Machine numbers only in `values`/`scaled`; every text is made here by Django's l10n. The
    trajectory table below the chart is its alternative."""
    top = max([y.budget for y in years] + [y.actual for y in years if y.actual is not None] or [Decimal(0)])

    def scaled(value: Decimal | None) -> float | None:
        return None if value is None else (round(float(value) * 100 / float(top), 2) if top else 0.0)

    def series(name: str, amounts: list[Decimal | None]) -> dict[str, Any]:
        return {
            "name": name,
            "values": [None if a is None else float(a) for a in amounts],
            "texts": ["" if a is None else formats.money(a) for a in amounts],
            "withheld": [False for _a in amounts],
            "scaled": [scaled(a) for a in amounts],
        }

    return {
        "labels": [_("Baseline") if y.number == 0 else _("Year %(n)d") % {"n": y.number} for y in years],
        "series": [
            series(_("Budget"), [y.budget for y in years]),
            series(_("Actual spending"), [y.actual for y in years]),
        ],
        "withheld": "",
        "missing": _("no figures yet"),
    }


class BaselineForm(forms.Form):
    baseline = forms.CharField(
        label=gettext_lazy("Current spending per party (nulmeting)"),
        help_text=gettext_lazy("One party per line: name; amount a year in euro, e.g. Gemeente Zwolle; 980000"),
        widget=forms.Textarea(attrs={"rows": 4}),
        max_length=4000,
    )
    shrink_percent = LocalDecimalField(
        label=gettext_lazy("Agreed yearly shrink (%)"), min_value=0, max_value=99, decimal_places=2, max_digits=5
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("auto_id", "id_baseline_%s")
        super().__init__(*args, **kwargs)

    @staticmethod
    def initial_for(pilot: Pilot) -> dict[str, Any]:
        # In the user's own number format, as they would type it (no thousands dots: "720000", "961081,27").
        lines = "\n".join(
            f"{party}; {formats.number(amount, 2, grouping=False)}" for party, amount in (pilot.baseline or {}).items()
        )
        return {"baseline": lines, "shrink_percent": pilot.shrink_percent}


class ActualForm(forms.Form):
    year = forms.ChoiceField(label=gettext_lazy("Pilot year"))
    amount = LocalDecimalField(
        label=gettext_lazy("Actual spending (euro)"), min_value=0, decimal_places=2, max_digits=14
    )

    def __init__(self, *args: Any, pilot: Pilot, **kwargs: Any) -> None:
        kwargs.setdefault("auto_id", "id_actual_%s")
        super().__init__(*args, **kwargs)
        field = self.fields["year"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = [(str(n), f"{n} ({budget.pilot_school_year(pilot, n)})") for n in range(1, pilot.years + 1)]


class BudgetView(LoginRequiredMixin, View):
    """A pilot's population budget: the baseline per party, the budget per year against actual spending, and other
    shrink paths side by side."""

    serves_child_data = False

    def get(self, request: HttpRequest, pilot_id: int) -> HttpResponse:
        rounds.policy_municipalities(_user(request))
        return self._page(request, get_object_or_404(Pilot, pk=pilot_id))

    def post(self, request: HttpRequest, pilot_id: int) -> HttpResponse:
        user = _user(request)
        rounds.policy_municipalities(user)
        pilot = get_object_or_404(Pilot, pk=pilot_id)
        if not services.may_keep_budget(user):
            raise PermissionDenied
        action = request.POST.get("action")
        form: forms.Form = BaselineForm(request.POST) if action == "baseline" else ActualForm(request.POST, pilot=pilot)
        if form.is_valid():
            try:
                if isinstance(form, BaselineForm):
                    parties = services.parse_parties(form.cleaned_data["baseline"])
                    services.record_baseline(user, pilot, parties, form.cleaned_data["shrink_percent"])
                else:
                    services.record_actual(user, pilot, int(form.cleaned_data["year"]), form.cleaned_data["amount"])
            except ValidationError as error:
                add_errors(form, error)
            else:
                messages.success(request, _("The population budget is updated."))
                return HttpResponseRedirect(reverse("funding:pilot-budget", args=[pilot.pk]))
        pilot.refresh_from_db()
        if isinstance(form, BaselineForm):
            return self._page(request, pilot, baseline_form=form, status=400)
        return self._page(request, pilot, actual_form=form, status=400)

    def _page(
        self,
        request: HttpRequest,
        pilot: Pilot,
        *,
        baseline_form: forms.Form | None = None,
        actual_form: forms.Form | None = None,
        status: int = 200,
    ) -> HttpResponse:
        baseline = budget.pilot_baseline(pilot)
        parties = sorted(baseline)
        agreed = [Decimal(pilot.shrink_percent)] * pilot.years
        trajectory: list[budget.Year] = []
        problem = ""
        form = WhatIfForm(
            request.GET if "path_a" in request.GET or "path_b" in request.GET else None, pilot=pilot, baseline=baseline
        )
        paths: dict[str, list[budget.Year]] = {}
        if baseline:
            try:
                trajectory = budget.trajectory(baseline, agreed, pilot.years, budget.pilot_actual(pilot))
            except ValidationError as error:
                problem = refusal_text(error)
            else:
                others = form.paths if form.is_bound and form.is_valid() else {}
                label = _("Agreed (%(percent)s %% a year)") % {"percent": f"{agreed[0].normalize():f}"}
                paths = budget.what_if(baseline, {label: agreed, **others}, pilot.years)
        tables = {
            "baseline": self._baseline_table(baseline),
            "trajectory": self._trajectory_table(pilot, parties, trajectory),
            "whatif": self._whatif_table(pilot, paths),
        }
        kind = _export_kind(request)
        if kind:
            key = request.GET.get("table", "trajectory")
            key = key if key in tables else "trajectory"
            header, rows = tables[key]
            return table_response(f"budget-pilot-{pilot.pk}-{key}", header, rows, kind)
        keep = {k: v for k, v in request.GET.items() if k in ("path_a", "path_b") and v}
        context = {
            "pilot": pilot,
            "row": _pilot_row(pilot),
            "tables": tables,
            "parties": parties,
            "form": form,
            "problem": problem,
            "chart": _budget_chart(trajectory) if trajectory else None,
            "query": urlencode(keep),
            "keeps_budget": services.may_keep_budget(_user(request)),
            "baseline_form": baseline_form or BaselineForm(initial=BaselineForm.initial_for(pilot)),
            "actual_form": actual_form or ActualForm(pilot=pilot),
        }
        if form.is_bound and form.errors:
            status = 400
        return render(request, "funding/budget.html", context, status=status)

    @staticmethod
    def _baseline_table(baseline: dict[str, Decimal]) -> tuple[list[str], list[list[Any]]]:
        total = sum(baseline.values(), Decimal(0))
        rows: list[list[Any]] = [
            [party, Money(amount), Percent((Decimal(100) * amount / total).quantize(Decimal("0.1"))) if total else None]
            for party, amount in sorted(baseline.items())
        ]
        if baseline:
            rows.append([_("Total"), Money(total), Percent(100) if total else None])
        return [_("Party"), _("Current spending (nulmeting)"), _("Share (%)")], rows

    @staticmethod
    def _trajectory_table(
        pilot: Pilot, parties: list[str], years: list[budget.Year]
    ) -> tuple[list[str], list[list[Any]]]:
        header = [
            _("Pilot year"),
            _("School year"),
            _("Budget"),
            *[_("%(party)s contributes") % {"party": p} for p in parties],
            _("Actual spending"),
            _("Difference (actual minus budget)"),
        ]
        rows = [
            [
                _("Baseline") if y.number == 0 else y.number,
                budget.pilot_school_year(pilot, y.number),
                _money(y.budget),
                *[Money(y.by_party.get(p, Decimal(0))) for p in parties],
                _money(y.actual),
                _money(y.difference),
            ]
            for y in years
        ]
        return header, rows

    @staticmethod
    def _whatif_table(pilot: Pilot, paths: dict[str, list[budget.Year]]) -> tuple[list[str], list[list[Any]]]:
        header = [_("Pilot year"), _("School year"), *paths]
        if not paths:
            return header, []
        count = len(next(iter(paths.values())))
        rows: list[list[Any]] = [
            [
                _("Baseline") if n == 0 else n,
                budget.pilot_school_year(pilot, n),
                *[_money(years[n].budget) for years in paths.values()],
            ]
            for n in range(count)
        ]
        rows.append(
            [
                _("Total over the term"),
                "",
                *[Money(sum((y.budget for y in years[1:]), Decimal(0))) for years in paths.values()],
            ]
        )
        return header, rows
