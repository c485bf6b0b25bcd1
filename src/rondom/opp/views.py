"""The staff pages of the OPP (issue 16, point 1): the child's OPP page (mark the plan as an OPP, edit its parts,
the yearly evaluation with the parents), the printable PDF, and the work list of OPP evaluations due. Thin: the rules
are in rondom.opp.services; access is declared (rondom.access.declared)."""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext as _

from rondom.access import policy
from rondom.access.declared import Access, ChildRecordView, Declaration, read, search, update
from rondom.accounts.models import User
from rondom.cases.models import Plan
from rondom.cases.services import PlanConflict
from rondom.core.categories import Action, DataCategory
from rondom.refusals import add_refusal
from rondom.worklist import paginate

from . import services
from .forms import EvaluationForm, OppForm, StartForm, posted_rows
from .pdf import opp_pdf
from .sections import SECTIONS, UITSTROOMPROFIELEN, VOICE_KEYS, OppBasis, section_label

SUPPORT = DataCategory.SUPPORT


def _user(request: HttpRequest) -> User:
    return request.user  # type: ignore[return-value]


def _plan(request: HttpRequest, child: Any, kwargs: Any) -> Plan | None:
    return Plan.objects.filter(child=child).first()


def _opp_form(plan: Plan | None) -> OppForm:
    opp = services.opp_of(plan)
    rows = [r for r in opp.get("handelingsdeel", []) if isinstance(r, dict)]
    return OppForm(opp=opp, initial={"base_version": plan.version if plan else 0}, extra_rows=0 if rows else 1)


def _render(
    view: ChildRecordView,
    request: HttpRequest,
    *,
    bound: dict[str, forms.Form] | None = None,
    status: int = 200,
    **extra: Any,
) -> HttpResponse:
    """The OPP page; `bound` puts a posted form ("opp_form", "start_form", "evaluation_form") in its slot so that
    what the user typed stays, answered with `status`."""
    bound = bound or {}
    child, today = view.child, timezone.localdate()
    plan = Plan.objects.filter(child=child).first()
    can_write = policy.decide(_user(request), child, Action.UPDATE, SUPPORT).allowed
    is_opp = bool(plan and plan.opp_basis)
    opp = services.opp_of(plan)
    profiles = dict(UITSTROOMPROFIELEN)
    context = {
        "child": child,
        "plan": plan,
        "is_opp": is_opp,
        "can_write": can_write,
        "basis_label": dict(OppBasis.CHOICES).get(plan.opp_basis, "") if plan else "",
        "sections": [
            (
                s.label,
                profiles.get(opp.get(s.key, ""), opp.get(s.key, ""))
                if s.key == "uitstroomprofiel"
                else opp.get(s.key, ""),
            )
            for s in SECTIONS
        ],
        "rows": [
            {**r, "from": services.parse_date(r.get("from")), "until": services.parse_date(r.get("until"))}
            for r in opp.get("handelingsdeel", [])
            if isinstance(r, dict)
        ],
        "voices": [
            (section_label(k), (opp.get("child_voice") or {}).get(k, ""), (opp.get("parents_view") or {}).get(k, ""))
            for k in VOICE_KEYS
            if (opp.get("child_voice") or {}).get(k) or (opp.get("parents_view") or {}).get(k)
        ],
        "due": services.opp_evaluation_due(plan, today) if plan else None,
        "evaluations": list(plan.opp_evaluations.all()) if is_opp and plan else [],
        "opp_form": bound.get("opp_form") or (_opp_form(plan) if is_opp and can_write else None),
        "start_form": bound.get("start_form")
        or (
            StartForm(initial={"basis": services.suggested_basis(child)}, auto_id="id_start_%s") if can_write else None
        ),
        "evaluation_form": bound.get("evaluation_form")
        or (
            EvaluationForm(initial={"held_on": today, "with_parents": True}, auto_id="id_eval_%s")
            if can_write
            else None
        ),
        "special_school": services.is_special_education(child),
        **extra,
    }
    return render(request, "opp/opp_page.html", context, status=status)


class OppPageView(ChildRecordView):
    """The child's OPP: what it says (everyone who may read the support data), the form to change it (who may
    change it). "Add a row" (`add_row`) shows the form again with one more empty row, nothing saved (200); an error
    400 with everything typed; a stale version 409 with what the other person changed."""

    declaration = Declaration(get=read(SUPPORT), post=update(SUPPORT), object_type="opp")

    def get(self, request: HttpRequest, child_id: int) -> HttpResponse:
        return _render(self, request)

    def post(self, request: HttpRequest, child_id: int) -> HttpResponse:
        child, today = self.child, timezone.localdate()
        rows = posted_rows(request.POST)
        if "add_row" in request.POST:
            return _render(self, request, bound={"opp_form": OppForm(request.POST, rows=rows, extra_rows=1)})
        form = OppForm(request.POST, rows=rows)
        if not form.is_valid():
            return _render(self, request, bound={"opp_form": form}, status=400)
        opp, kept = form.opp()
        try:
            services.save_opp(_user(request), child, opp, base_version=form.cleaned_data["base_version"], today=today)
        except PlanConflict as conflict:
            return _render(self, request, bound={"opp_form": form}, status=409, conflict=conflict)
        except ValidationError as exc:
            add_refusal(form, exc, fields=form.error_fields(kept))
            return _render(self, request, bound={"opp_form": form}, status=400)
        messages.success(request, _("The OPP was saved as a new version of the plan. Every version is kept."))
        return redirect("opp:page", child_id=child.pk)


class OppStartView(ChildRecordView):
    """Mark the plan as an OPP (extra support or special education)."""

    declaration = Declaration(post=update(SUPPORT), object_type="opp")

    def post(self, request: HttpRequest, child_id: int) -> HttpResponse:
        form = StartForm(request.POST, auto_id="id_start_%s")
        if form.is_valid():
            try:
                services.start_opp(
                    _user(request), self.child, basis=form.cleaned_data["basis"], today=timezone.localdate()
                )
            except ValidationError as exc:
                add_refusal(form, exc)
            else:
                messages.success(request, _("The plan is now an OPP. Fill in its parts."))
                return redirect("opp:page", child_id=self.child.pk)
        return _render(self, request, bound={"start_form": form}, status=400)


class OppEvaluationView(ChildRecordView):
    """Record the yearly evaluation of the OPP with the parents."""

    declaration = Declaration(post=update(SUPPORT), object_type="opp_evaluation", find=_plan)

    def post(self, request: HttpRequest, child_id: int) -> HttpResponse:
        form = EvaluationForm(request.POST, auto_id="id_eval_%s")
        if form.is_valid():
            try:
                services.record_opp_evaluation(
                    _user(request), cast(Plan, self.found), **form.cleaned_data, today=timezone.localdate()
                )
            except ValidationError as exc:
                add_refusal(form, exc)
            else:
                messages.success(request, _("The evaluation was recorded. The next one is due in a year."))
                return redirect("opp:page", child_id=self.child.pk)
        return _render(self, request, bound={"evaluation_form": form}, status=400)


class OppPdfView(ChildRecordView):
    """The plan (and its OPP) as a PDF with a signature block, downloaded; logged as a print of the plan."""

    declaration = Declaration(get=Access(Action.PRINT, SUPPORT), object_type="plan", find=_plan)

    def get(self, request: HttpRequest, child_id: int) -> HttpResponse:
        plan = cast(Plan, self.found)
        body = opp_pdf(plan, today=timezone.localdate())
        response = HttpResponse(body, content_type="application/pdf")
        name = "ontwikkelingsperspectief" if plan.opp_basis else "plan"
        response["Content-Disposition"] = f'attachment; filename="{name}-{plan.child_id}-v{plan.version}.pdf"'
        return response


class EvaluationsDueView(ChildRecordView):
    """The intern begeleider's work list of OPP evaluations with the parents that are overdue or due within
    `services.EVALUATION_SOON_DAYS` days, overdue first. One query for the plans with the policy's list scope in it
    (policy.allowed_children, issue 17), paged with a true count; the decisions of the page's children at once
    (policy.decide_many) for one access-log row per child shown."""

    declaration = Declaration(get=search(SUPPORT), child_kwarg=None)

    def get(self, request: HttpRequest) -> HttpResponse:
        user, today = _user(request), timezone.localdate()
        show = "all" if request.GET.get("show") == "all" else "attention"
        plans = Plan.objects.filter(child__in=policy.allowed_children(user, Action.SEARCH, SUPPORT))
        rows = services.opp_plans_with_due(plans, today, only_attention=show != "all")
        wp = paginate(rows, request.GET.get("page"), params={"show": show if show == "all" else ""})
        shown = [plan.child for plan, _due in wp.items]
        decisions = policy.decide_many(user, shown, Action.SEARCH, SUPPORT)
        self.log_shown(shown, decisions=[decisions[c.pk] for c in shown])
        context = {"rows": wp.items, "wp": wp, "show": show, "today": today}
        return render(request, "opp/evaluations_due.html", context)


urlpatterns = [
    path("kinderen/<int:child_id>/opp/", OppPageView.as_view(), name="page"),
    path("kinderen/<int:child_id>/opp/starten/", OppStartView.as_view(), name="start"),
    path("kinderen/<int:child_id>/opp/evaluatie/", OppEvaluationView.as_view(), name="evaluation"),
    path("kinderen/<int:child_id>/opp/pdf/", OppPdfView.as_view(), name="pdf"),
    path("opp-evaluaties/", EvaluationsDueView.as_view(), name="evaluations-due"),
]
