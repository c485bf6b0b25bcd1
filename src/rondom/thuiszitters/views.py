"""Web pages of the thuiszitter register: the list, one child's escalation file with its forms, registering a
child, and the overview per school, wijk and municipality (chart, table, CSV/XLSX). Thin: services decide."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Exists, OuterRef
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View

from rondom.access import log, policy, tasks
from rondom.access.declared import ChildRecordView, Declaration, create, read, search, update
from rondom.accounts.models import Organisation, User
from rondom.core.categories import Action, DataCategory
from rondom.refusals import add_refusal, refusal_codes
from rondom.worklist import int_or_none, paginate

from . import overview, services
from .models import LeerplichtVisit, Outcome, Reason, Thuiszitter, ThuiszitterKind

ABSENCE = DataCategory.ABSENCE
DATE = forms.DateInput(format="%Y-%m-%d", attrs={"type": "date"})


def _user(request: HttpRequest) -> User:
    return request.user  # type: ignore[return-value]


class RegisterForm(forms.Form):
    kind = forms.ChoiceField(label=gettext_lazy("Kind"), choices=ThuiszitterKind.choices, widget=forms.RadioSelect)
    reason = forms.ChoiceField(label=gettext_lazy("Reason"), choices=Reason.choices)
    started_on = forms.DateField(label=gettext_lazy("At home since"), widget=DATE)
    authorised = forms.BooleanField(label=gettext_lazy("The absence is authorised or exempted"), required=False)


class DecisionForm(forms.Form):
    outcome = forms.ChoiceField(label=gettext_lazy("Outcome"), choices=Outcome.choices)
    decision = forms.CharField(label=gettext_lazy("Decision"), widget=forms.Textarea(attrs={"rows": 3}))


class EscalateForm(forms.Form):
    reason = forms.CharField(label=gettext_lazy("Why the case goes up"), widget=forms.Textarea(attrs={"rows": 2}))


class InterimForm(forms.Form):
    description = forms.CharField(label=gettext_lazy("What starts"), widget=forms.Textarea(attrs={"rows": 2}))
    provided_by = forms.CharField(label=gettext_lazy("Who provides it"), max_length=200)
    starts_on = forms.DateField(label=gettext_lazy("Starts on"), widget=DATE)
    payment_pending_between = forms.CharField(label=gettext_lazy("Payment is settled between"), max_length=200)


class VisitForm(forms.Form):
    visited_on = forms.DateField(label=gettext_lazy("Visited on"), widget=DATE)
    note = forms.CharField(label=gettext_lazy("Note"), widget=forms.Textarea(attrs={"rows": 2}), required=False)


class EndForm(forms.Form):
    ended_on = forms.DateField(label=gettext_lazy("Back at school on"), widget=DATE)
    note = forms.CharField(label=gettext_lazy("How it ended"), widget=forms.Textarea(attrs={"rows": 2}), required=False)


ACTIONS: dict[str, tuple[type[forms.Form], Any, Any]] = {
    "decide": (DecisionForm, services.decide, gettext_lazy("The decision is recorded.")),
    "escalate": (EscalateForm, services.escalate, gettext_lazy("The case has gone up one level.")),
    "interim": (InterimForm, services.record_interim, gettext_lazy("The interim arrangement is recorded.")),
    "visit": (VisitForm, services.record_visit, gettext_lazy("The visit is recorded.")),
    "end": (EndForm, services.end, gettext_lazy("The period has ended.")),
}


def _action_form(action: str, data: Any = None) -> forms.Form:
    """The forms share a page, so each gets its own ids (the visit's and the end's "note" would clash)."""
    return ACTIONS[action][0](data, auto_id=f"id_{action}_%s")


class RegisterListView(ChildRecordView):
    """Open thuiszitter periods of children whose absence the user may see, longest at home first, paged with a true
    count (issue 14: a work list); filter by school (GET). One access-log row per child shown on the page."""

    declaration = Declaration(get=search(ABSENCE), child_kwarg=None)

    def get(self, request: HttpRequest) -> HttpResponse:
        user = _user(request)
        today = timezone.localdate()
        readable = policy.allowed_children(user, Action.READ, ABSENCE)
        periods = Thuiszitter.objects.filter(ended_on__isnull=True, child__in=readable)  # one query (issue 17)
        schools = list(Organisation.objects.filter(pk__in=periods.values("school_id")).order_by("name"))
        school = int_or_none(request.GET.get("school"))
        school = school if school in {o.pk for o in schools} else None
        if school:
            periods = periods.filter(school_id=school)
        recent = LeerplichtVisit.objects.filter(thuiszitter=OuterRef("pk"), visited_on__gt=today - timedelta(days=365))
        periods = (
            periods.select_related("child", "school", "level")
            .annotate(visited=Exists(recent))
            .order_by("started_on", "id")
        )
        wp = paginate(periods, request.GET.get("page"), params={"school": school or ""})
        shown = wp.items
        decisions = policy.decide_many(user, [t.child for t in shown], Action.READ, ABSENCE)
        self.log_shown([t.child for t in shown], decisions=[decisions[t.child_id] for t in shown])
        rows = [(t, t.days_at_home(today), t.visited) for t in shown]
        return render(
            request,
            "thuiszitters/register.html",
            {
                "rows": rows,
                "wp": wp,
                "today": today,
                "schools": schools,
                "school": school,
                "may_open_overview": overview.may_open(user),
            },
        )


class RegisterView(ChildRecordView):
    # Registering: the service decides (a registering role) and logs; reading the absence is needed first.
    declaration = Declaration(
        get=read(ABSENCE),
        post=create(ABSENCE, service_decides=True, also=Action.READ),
        object_type="thuiszitter",
    )

    def get(self, request: HttpRequest, child_id: int) -> HttpResponse:
        return render(request, "thuiszitters/register_form.html", {"child": self.child, "form": RegisterForm()})

    def post(self, request: HttpRequest, child_id: int) -> HttpResponse:
        child = self.child
        form = RegisterForm(request.POST)
        if form.is_valid():
            try:
                found = services.register(_user(request), child, **form.cleaned_data)
            except ValidationError as exc:
                add_refusal(form, exc)
                # A period registered by someone else (or a double submit) at the same moment: 409 Conflict.
                if services.ALREADY_REGISTERED in refusal_codes(exc):
                    context = {"child": child, "form": form}
                    return render(request, "thuiszitters/register_form.html", context, status=409)
            else:
                messages.success(request, _("The child is in the thuiszitter register."))
                return redirect("thuiszitters:detail", child_id=child.pk, thuiszitter_id=found.pk)
        return render(request, "thuiszitters/register_form.html", {"child": child, "form": form}, status=400)


def _period(request: HttpRequest, child: Any, kwargs: Any) -> Thuiszitter | None:
    periods = Thuiszitter.objects.filter(child=child, pk=kwargs["thuiszitter_id"])
    return periods.select_related("level", "school").first()


class DetailView(ChildRecordView):
    """One thuiszitter period: days at home, the ladder, decisions, interim arrangements, visits, and the forms the
    user may use."""

    # The actions on the period: each service decides (decider, leerplicht, ...) and logs; a page shown again with
    # errors is a read.
    declaration = Declaration(
        get=read(ABSENCE),
        post=update(ABSENCE, service_decides=True, also=Action.READ),
        object_type="thuiszitter",
        find=_period,
    )

    def _render(
        self,
        request: HttpRequest,
        child: Any,
        period: Thuiszitter,
        bound: dict[str, forms.Form] | None = None,
        status: int = 200,
    ) -> HttpResponse:
        user = _user(request)
        is_decider = period.is_open and services.decider_membership(user, period.level, period) is not None
        may_act = period.is_open and services.may_act(user, period)
        forms_shown: dict[str, forms.Form] = {}
        if is_decider and not period.decided:
            forms_shown["decide"] = _action_form("decide")
            if not services.at_top(period):  # no button that can only be refused
                forms_shown["escalate"] = _action_form("escalate")
        if may_act:
            forms_shown["interim"] = _action_form("interim")
            forms_shown["end"] = _action_form("end")
        if (
            period.is_open
            and tasks.may(user, "record_visit", child)
            and policy.decide(user, child, Action.UPDATE, ABSENCE).allowed
        ):
            forms_shown["visit"] = _action_form("visit")
        forms_shown.update(bound or {})
        context = {
            "child": child,
            "period": period,
            "days": period.days_at_home(),
            "ladder": services.ladder_for(child),
            "steps": period.steps.select_related("level", "by"),
            "decisions": period.decisions.select_related("level", "decided_by"),
            "interims": period.interim_arrangements.select_related("recorded_by"),
            "visits": period.visits.select_related("officer"),
            "visited": services.visited_this_year(period),
            "forms": forms_shown,
            "deciders": ", ".join(
                sorted({f"{m.user.display_name} ({m.organisation})" for m in services.deciders(period.level, period)})
            )
            if period.level
            else "",
        }
        return render(request, "thuiszitters/detail.html", context, status=status)

    def get(self, request: HttpRequest, child_id: int, thuiszitter_id: int) -> HttpResponse:
        return self._render(request, self.child, self.found)

    def post(self, request: HttpRequest, child_id: int, thuiszitter_id: int) -> HttpResponse:
        child, period = self.child, self.found
        action = request.POST.get("action", "")
        if action not in ACTIONS:
            raise Http404
        _form_class, write, done = ACTIONS[action]
        form = _action_form(action, request.POST)
        if form.is_valid():
            try:
                write(_user(request), period, **form.cleaned_data)
            except ValidationError as exc:
                add_refusal(form, exc)
            else:
                messages.success(request, str(done))
                return redirect("thuiszitters:detail", child_id=child.pk, thuiszitter_id=period.pk)
        # The file is shown again with the errors: that is a read of it.
        self.log_shown_again()
        return self._render(request, child, period, {action: form}, status=400)


class OverviewView(LoginRequiredMixin, View):
    """Thuiszitters and absence per school, wijk and municipality of residence: counts only, no names."""

    serves_child_data = False

    def get(self, request: HttpRequest) -> HttpResponse:
        user = _user(request)
        scope = overview.scope_for(user)
        if scope is None:
            raise PermissionDenied
        by = request.GET.get("by", "school")
        if by not in overview.GROUPINGS:
            by = "school"
        table = overview.build(scope, by)
        export = request.GET.get("format")
        if export in ("csv", "xlsx"):
            # Counts only, no child named: one `export` row without a child (docs/access-log.md).
            membership = next(iter(tasks.memberships(user, "see_thuiszitter_overview")), None)
            log.log_aggregate(
                user,
                "thuiszitter_overview",
                category=ABSENCE,
                object_type="thuiszitter_overview",
                object_id=by,
                membership=membership,
            )
            return overview.export(table, export)
        return render(
            request,
            "thuiszitters/overview.html",
            {"table": table, "by": by, "groupings": overview.GROUPINGS, "chart": overview.chart(table)},
        )
