"""Web pages for the intern begeleider's day: my cases, the team agenda, the child's case page with plan,
timeline and network, and the provider contact's request inbox. Thin: services decide and write."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta
from typing import Any, cast

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View

from rondom.access import policy, tasks
from rondom.access.declared import Access, ChildRecordView, Declaration, create, read, search, update
from rondom.accounts.models import Membership, Organisation, User
from rondom.consent.models import Consent
from rondom.core.categories import Action, DataCategory
from rondom.core.errors import Conflict, Refused
from rondom.core.schoolyear import SchoolYear
from rondom.formfields import LocalDecimalField
from rondom.limits import FREE_TEXT_MAX, GOAL_FIELD_MAX, PLAN_GOALS_MAX
from rondom.refusals import add_refusal, refusal_text
from rondom.worklist import choice, paginate

from . import meetings, selectors, services, timeline, workflow
from .forms import ActionForm, AgendaFromCaseForm, DecisionForm, MeetingForm, MinutesForm, meeting_label
from .models import (
    ActionItem,
    AgendaItem,
    Case,
    Concern,
    HelpRequest,
    Meeting,
    Plan,
    Signal,
    SignalSource,
    SocialWorkActivity,
    SupportTeam,
)
from .plan_forms import PlanForm, posted_rows
from .plans import goals_due
from .progress import goal_progress
from .workflow import State


def _user(request: HttpRequest) -> User:
    return request.user  # type: ignore[return-value]


def _submit(
    view: ChildRecordView,
    request: HttpRequest,
    form: forms.Form,
    write: Callable[[dict[str, Any]], object],
    done: str,
    slot: str,
) -> HttpResponse:
    """The small forms of the case page: check the form, let the service write, say how it went, go back. On an
    error (the form's or the service's) the case page is shown again (400) with this form in its `slot` of the
    page's context (`CasePageView.get`), bound: what the user typed and chose stays, with the error summary on top.
    """
    if form.is_valid():
        try:
            write(form.cleaned_data)
        except ValidationError as exc:
            add_refusal(form, exc)
        else:
            messages.success(request, done)
            return redirect("cases:case-page", child_id=view.child.pk)
    return CasePageView.get(cast(CasePageView, view), request, view.child.pk, bound={slot: form}, status=400)


# --- Forms --------------------------------------------------------------------------------------------------


class SignalForm(forms.Form):
    source = forms.ChoiceField(label=gettext_lazy("Raised by"), choices=SignalSource.choices)
    concerns = forms.MultipleChoiceField(
        label=gettext_lazy("Concerns"), choices=Concern.choices, widget=forms.CheckboxSelectMultiple
    )
    description = forms.CharField(label=gettext_lazy("What worries you?"), widget=forms.Textarea(attrs={"rows": 4}))

    def __init__(self, *args: Any, own_source: str | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if own_source is not None:  # the source is who files it (services.own_source): not a choice
            del self.fields["source"]


class ConversationForm(forms.Form):
    conversation_on = forms.DateField(
        label=gettext_lazy("Date of the conversation"),
        widget=forms.DateInput(format="%Y-%m-%d", attrs={"type": "date"}),
    )
    conversation_notes = forms.CharField(label=gettext_lazy("What was said"), widget=forms.Textarea(attrs={"rows": 3}))
    with_child = forms.BooleanField(label=gettext_lazy("The child took part"), required=False)


class CaseForm(forms.Form):
    question = forms.CharField(
        label=gettext_lazy("Question for the support team"), widget=forms.Textarea(attrs={"rows": 3})
    )


class TransitionForm(forms.Form):
    """The case page's step selector: only the steps the user may take now (`services.next_states`) are offered;
    the service decides whether a step is allowed and what it needs (a reason, an end date)."""

    state = forms.ChoiceField(label=gettext_lazy("Next step"), choices=State.choices)
    reason = forms.CharField(
        label=gettext_lazy("Why (needed for on hold, close and reopen)"),
        required=False,
        max_length=FREE_TEXT_MAX,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    until = forms.DateField(
        label=gettext_lazy("Until (for on hold)"),
        required=False,
        widget=forms.DateInput(format="%Y-%m-%d", attrs={"type": "date"}),
    )

    def __init__(
        self, *args: Any, states: list[tuple[str, Any]] | None = None, today: date | None = None, **kwargs: Any
    ) -> None:
        """`states`: the steps offered; `today` (the view's `timezone.localdate()`): the first day "until" may be,
        shown before it is hit (the service refuses an earlier one)."""
        kwargs.setdefault("auto_id", "id_step_%s")
        super().__init__(*args, **kwargs)
        if states is not None:
            cast(forms.ChoiceField, self.fields["state"]).choices = states
        if today is not None:
            until = self.fields["until"]
            until.widget.attrs["min"] = today.isoformat()
            until.help_text = _("A date from today on (%(today)s).") % {"today": formats.date_format(today, "j F Y")}


class AgreementForm(forms.Form):
    capacity = forms.ChoiceField(
        label=gettext_lazy("Who"), choices=[("parent", gettext_lazy("Parent")), ("youth", gettext_lazy("Youth"))]
    )
    person_name = forms.CharField(label=gettext_lazy("Name"), max_length=200)
    agrees = forms.BooleanField(label=gettext_lazy("Agrees with the plan"), required=False)
    own_words = forms.CharField(
        label=gettext_lazy("In their own words"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )


def _choices(form: forms.Form, name: str) -> forms.ModelChoiceField:
    return cast(forms.ModelChoiceField, form.fields[name])


class ConsentChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return f"{obj.get_purpose_display()} — {obj.recipient}"


class CaseChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return f"{obj.child} — {obj.status.get_state_display() if obj.status else ''}"


class MembershipChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return f"{obj.user.display_name} — {obj.get_role_display()}, {obj.organisation}"


class HelpRequestForm(forms.Form):
    kind = forms.ChoiceField(label=gettext_lazy("Kind"), choices=HelpRequest.Kind.choices)
    provider = forms.ModelChoiceField(label=gettext_lazy("Provider"), queryset=Organisation.objects.none())
    question = forms.CharField(label=gettext_lazy("Question"), widget=forms.Textarea(attrs={"rows": 3}))
    urgency = forms.ChoiceField(label=gettext_lazy("Urgency"), choices=HelpRequest.Urgency.choices)
    consent = ConsentChoiceField(
        label=gettext_lazy("Consent of the family"), queryset=Consent.objects.none(), required=False
    )
    categories = forms.MultipleChoiceField(
        label=gettext_lazy("Parts of the record to share"),
        choices=[c for c in DataCategory.choices if c[0] != DataCategory.IDENTITY],
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    ends_on = forms.DateField(label=gettext_lazy("Until"), required=False)

    def __init__(self, *args: Any, child: Any, today: date, **kwargs: Any) -> None:
        """`today`: the view's `timezone.localdate()`, for the date limits shown and checked (no wall clock here).
        Only providers and wijkteams with a named contact person for the child's school or wijk are offered
        (`services.providers_with_contact`): bringing in goes to that person, a provider without one cannot be
        chosen."""
        super().__init__(*args, **kwargs)
        self.today = today
        providers = _choices(self, "provider")
        providers.queryset = services.providers_with_contact(child)
        providers.help_text = _(
            "Only providers with a named contact person for this school or wijk: the request goes to that person."
        )
        _choices(self, "consent").queryset = Consent.objects.fitting(child, ["provider", "wijkteam"])
        first, last = today + timedelta(days=1), today + timedelta(days=settings.ACCESS_GRANT_MAX_DAYS)
        ends_on = self.fields["ends_on"]
        ends_on.widget = forms.DateInput(
            format="%Y-%m-%d", attrs={"type": "date", "min": first.isoformat(), "max": last.isoformat()}
        )
        ends_on.help_text = _(
            "Help is brought in for at most %(days)d days at a time: choose a date from %(first)s until %(last)s."
        ) % {
            "days": settings.ACCESS_GRANT_MAX_DAYS,
            "first": formats.date_format(first, "j F Y"),
            "last": formats.date_format(last, "j F Y"),
        }

    def clean_ends_on(self) -> date | None:
        value: date | None = self.cleaned_data.get("ends_on")
        if value is not None and not self.today < value <= self.today + timedelta(days=settings.ACCESS_GRANT_MAX_DAYS):
            raise forms.ValidationError(
                _("%(field)s: choose a date after today and at most %(days)d days ahead.")
                % {"field": self.fields["ends_on"].label, "days": settings.ACCESS_GRANT_MAX_DAYS}
            )
        return value


class AgendaForm(forms.Form):
    case = CaseChoiceField(label=gettext_lazy("Case"), queryset=Case.objects.none())
    invited = MembershipChoiceField(
        label=gettext_lazy("Invite (only people who know the child)"),
        queryset=Membership.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    youth_invited = forms.BooleanField(label=gettext_lazy("Invite the youth too"), required=False)


# --- Pages --------------------------------------------------------------------------------------------------


class MyCasesView(ChildRecordView):
    declaration = Declaration(get=search(DataCategory.SUPPORT), child_kwarg=None)

    """'Mijn casussen' as a work list (issue 14): open cases by default, newest first; closed ones only when asked
    (status filter, GET); paged with a true count. One access-log row per child shown on the page."""

    def get(self, request: HttpRequest) -> HttpResponse:
        user = _user(request)
        statuses = [("open", _("Open cases")), *State.choices, ("all", _("All cases"))]
        status = choice(request.GET.get("status"), [v for v, _l in statuses], "open")
        cases = selectors.case_worklist(user, status)
        wp = paginate(cases, request.GET.get("page"), params={"status": status})
        rows = wp.items
        decisions = selectors.page_decisions(user, rows)
        shown = list({c.child_id: c.child for c in rows}.values())
        self.log_shown(shown, decisions=[decisions[c.pk] for c in shown])
        context = {"cases": rows, "wp": wp, "states": statuses, "state": status, "filtered": status != "open"}
        return render(request, "cases/my_cases.html", context)


class CasePageView(ChildRecordView):
    """The child's case page: signals, the open case and its history, the plan, the network."""

    declaration = Declaration(get=read(DataCategory.SUPPORT), object_type="case_page")

    def get(
        self, request: HttpRequest, child_id: int, bound: dict[str, forms.Form] | None = None, status: int = 200
    ) -> HttpResponse:
        """The page; `bound` (from `_submit`, after an error) puts a posted form in its slot of the context so that
        what the user typed stays ("transition_form", "agreement_form", "conversation_form:<signal id>",
        "case_form:<signal id>"), answered with `status`."""
        user, child, decision = _user(request), self.child, self.decision
        bound = bound or {}
        can_write = policy.decide(user, child, Action.UPDATE, DataCategory.SUPPORT).allowed
        signals = list(Signal.objects.filter(child=child))
        cases = list(
            Case.objects.filter(child=child)
            .prefetch_related("history", "help_requests__provider", "actions__owner__user")
            .select_related("status")
        )
        case = next((c for c in cases if c.state in workflow.OPEN_STATES), None)
        plan = Plan.objects.filter(child=child).prefetch_related("agreements").first()
        involvements = selectors.involved(child)
        # The family picture: brothers and sisters (a shared parent) that this user may see, nobody else.
        parents = child.guardianships.values("user_id")
        # Only those whose support this user may read are shown (their helpers are support data), each logged on the
        # ground that allows it; a brother or sister in scope on another ground only is left out.
        siblings = list(
            policy.allowed_children(user, Action.SEARCH, DataCategory.SUPPORT)
            .filter(guardianships__user__in=parents)
            .exclude(pk=child.pk)
            .distinct()
        )
        read = policy.decide_many(user, siblings, Action.SEARCH, DataCategory.SUPPORT)
        self.log_shown(siblings, decisions=[read[s.pk] for s in siblings])
        centre, nodes = selectors.network_layout(str(child.given_name), involvements)
        # The timeline shows only what this viewer may read (cases.timeline); entries from another part of the
        # record than the page's own (a thuiszitter's absence) are logged as reads of that part.
        bases = policy.bases_for(user, child)
        events = timeline.timeline(child, decision=decision, readable=timeline.readable_categories(bases))
        other_parts = sorted({e.category for e in events} - {DataCategory.SUPPORT})
        self.log_parts([(category, "timeline", child.pk) for category in other_parts], bases=bases)
        steps = services.next_states(user, case) if case else []
        context = {
            "child": child,
            "decision": decision,
            "can_write": can_write,
            "signals": signals,
            "cases": cases,
            "case": case,
            "next_states": [(s, State(s).label) for s in services.next_states(_user(request), case)] if case else [],
            "plan": plan,
            "involvements": involvements,
            "overload": selectors.helper_overload(involvements + [i for s in siblings for i in selectors.involved(s)]),
            "family": [(s, selectors.involved(s)) for s in siblings],
            "centre": centre,
            "nodes": nodes,
            # One form per signal, each with its own ids, so every label points to its own field.
            "signal_rows": [
                (
                    signal,
                    bound.get(f"conversation_form:{signal.pk}")
                    or ConversationForm(
                        initial={"conversation_on": timezone.localdate()}, auto_id=f"id_s{signal.pk}_%s"
                    ),
                    # A signal that already went to the support team (its case may be closed) is not put again.
                    None
                    if signal.pk in {c.signal_id for c in cases}
                    else bound.get(f"case_form:{signal.pk}") or CaseForm(auto_id=f"id_s{signal.pk}_%s"),
                )
                for signal in signals
            ],
            "events": events,
            "transition_form": bound.get("transition_form")
            or TransitionForm(
                states=[(s, State(s).label) for s in services.next_states(user, case)] if case else [],
                today=timezone.localdate(),
            ),
            "agreement_form": bound.get("agreement_form") or AgreementForm(),
            "goals_due": goals_due(plan, timezone.localdate()),
            # The decision to scale down or close shows how far each goal came (issue 16, point 5).
            "goal_progress": goal_progress(plan) if can_write and DECISION_STATES.intersection(steps) else [],
            **meeting_context(user, child, case, can_write),
        }
        return render(request, "cases/case_page.html", context, status=status)


class SignalCreateView(ChildRecordView):
    # Who may raise a signal is the service's rule (a signal role, or the family), not a category right.
    declaration = Declaration(
        get=read(DataCategory.IDENTITY),
        post=create(DataCategory.SUPPORT, service_decides=True),
        object_type="signal_form",
    )

    def get(self, request: HttpRequest, child_id: int) -> HttpResponse:
        form = SignalForm(own_source=services.own_source(_user(request), self.child))
        return render(request, "cases/signal_form.html", {"child": self.child, "form": form})

    def post(self, request: HttpRequest, child_id: int) -> HttpResponse:
        child = self.child
        form = SignalForm(request.POST, own_source=services.own_source(_user(request), child))
        status = 400
        if form.is_valid():
            try:
                services.raise_signal(_user(request), child, **form.cleaned_data)
            except ValidationError as exc:
                add_refusal(form, exc)
            except services.TooManySignals as exc:
                add_refusal(form, exc)
                status = exc.status
            else:
                messages.success(request, _("The signal was recorded. Talk with the parents and the child first."))
                if policy.decide(_user(request), child, Action.READ, DataCategory.SUPPORT).allowed:
                    return redirect("cases:case-page", child_id=child.pk)
                return redirect("registry:child-detail", child_id=child.pk)
        return render(request, "cases/signal_form.html", {"child": child, "form": form}, status=status)


def _signal(request: HttpRequest, child: Any, kwargs: Any) -> Signal | None:
    return Signal.objects.filter(pk=kwargs["signal_id"], child=child).first()


def _case(request: HttpRequest, child: Any, kwargs: Any) -> Case | None:
    return Case.objects.filter(pk=kwargs["case_id"], child=child).first()


def _plan(request: HttpRequest, child: Any, kwargs: Any) -> Plan | None:
    return Plan.objects.filter(child=child).first()


class ConversationView(ChildRecordView):
    declaration = Declaration(post=update(DataCategory.SUPPORT), object_type="signal", find=_signal)

    def post(self, request: HttpRequest, child_id: int, signal_id: int) -> HttpResponse:
        signal = self.found
        return _submit(
            self,
            request,
            ConversationForm(request.POST, auto_id=f"id_s{signal.pk}_%s"),
            lambda d: services.record_conversation(
                _user(request),
                signal,
                on=d["conversation_on"],
                notes=d["conversation_notes"],
                with_child=d["with_child"],
            ),
            _("The conversation was recorded."),
            f"conversation_form:{signal.pk}",
        )


class CaseCreateView(ChildRecordView):
    declaration = Declaration(post=create(DataCategory.SUPPORT), object_type="case", find=_signal)

    def post(self, request: HttpRequest, child_id: int, signal_id: int) -> HttpResponse:
        signal = self.found
        return _submit(
            self,
            request,
            CaseForm(request.POST, auto_id=f"id_s{signal.pk}_%s"),
            lambda d: services.register_case(_user(request), signal, question=d["question"]),
            _("The request for help was put to the support team."),
            f"case_form:{signal.pk}",
        )


#: The steps of the case whose decision shows the progress per goal: scaling down and closing.
DECISION_STATES = frozenset({State.SCALED_DOWN, State.CLOSED})


class TransitionView(ChildRecordView):
    declaration = Declaration(post=update(DataCategory.SUPPORT), object_type="case", find=_case)

    def post(self, request: HttpRequest, child_id: int, case_id: int) -> HttpResponse:
        case = self.found
        states = [(s, State(s).label) for s in services.next_states(_user(request), case)]
        return _submit(
            self,
            request,
            TransitionForm(request.POST, states=states, today=timezone.localdate()),
            lambda d: services.change_state(_user(request), case, d["state"], reason=d["reason"], until=d["until"]),
            _("The case was updated."),
            "transition_form",
        )


class PlanView(ChildRecordView):
    """Edit the one plan. Saving on an old version is refused and shows what the other person changed.

    "Add a goal" (`add_goal`) shows the form again with one more empty goal, nothing checked or saved (200); an
    error shows the form again with everything typed and the error summary (400); a stale version 409."""

    # The edit form opens only for those who may change the plan; showing it is a read.
    declaration = Declaration(
        get=read(DataCategory.SUPPORT, also=Action.UPDATE), post=update(DataCategory.SUPPORT), object_type="plan"
    )

    def _render(
        self, request: HttpRequest, child: Any, form: PlanForm, status: int = 200, **extra: Any
    ) -> HttpResponse:
        plan = Plan.objects.filter(child=child).first()
        context = {
            "child": child,
            "form": form,
            "goals_due": goals_due(plan, form.today),
            "plan": plan,
            "goal_progress": goal_progress(plan),
            "form_limits": {"goals": PLAN_GOALS_MAX, "field": GOAL_FIELD_MAX},
            **extra,
        }
        return render(request, "cases/plan_form.html", context, status=status)

    def get(self, request: HttpRequest, child_id: int) -> HttpResponse:
        child = self.child
        plan = Plan.objects.filter(child=child).first()
        goals = list(plan.content.get("goals", [])) if plan else []
        # A new plan starts with two empty goals (a plan with treatment needs two education goals); an existing one
        # shows its goals and one empty goal to add one more without a click.
        goals += [{}] * (2 if not goals else 1)
        initial = {
            "base_version": plan.version if plan else 0,
            "includes_treatment": plan.includes_treatment if plan else False,
            "next_evaluation": plan.next_evaluation if plan else None,
        }
        return self._render(request, child, PlanForm(initial=initial, goals=goals, today=timezone.localdate()))

    def post(self, request: HttpRequest, child_id: int) -> HttpResponse:
        child, today = self.child, timezone.localdate()
        if "add_goal" in request.POST:
            return self._render(request, child, PlanForm.from_post(request.POST, today=today, add=True))
        form = PlanForm(request.POST, today=today, rows=posted_rows(request.POST))
        if not form.is_valid():
            return self._render(request, child, form, status=400)
        try:
            services.save_plan(
                _user(request),
                child,
                goals=form.goals(),
                includes_treatment=form.cleaned_data["includes_treatment"],
                base_version=form.cleaned_data["base_version"],
                next_evaluation=form.cleaned_data["next_evaluation"],
                today=today,
            )
        except services.PlanConflict as conflict:
            return self._render(request, child, form, status=409, conflict=conflict)
        except ValidationError as exc:
            add_refusal(form, exc)
            return self._render(request, child, form, status=400)
        messages.success(request, _("The plan was saved. Every version is kept."))
        return redirect("cases:case-page", child_id=child.pk)


class AgreementView(ChildRecordView):
    declaration = Declaration(post=update(DataCategory.SUPPORT), object_type="plan_agreement", find=_plan)

    def post(self, request: HttpRequest, child_id: int) -> HttpResponse:
        plan = self.found
        return _submit(
            self,
            request,
            AgreementForm(request.POST),
            lambda d: services.record_agreement(_user(request), plan, **d),
            _("Recorded."),
            "agreement_form",
        )


class HelpRequestView(ChildRecordView):
    # The form (for those who may change the case) lists the family's consents: a read of the support record.
    declaration = Declaration(
        get=read(DataCategory.SUPPORT, also=Action.UPDATE),
        post=update(DataCategory.SUPPORT),
        object_type="consents",
        find=_case,
        logs_found=False,
    )

    def get(self, request: HttpRequest, child_id: int, case_id: int) -> HttpResponse:
        child = self.child
        today = timezone.localdate()
        initial = {"ends_on": today + timedelta(days=90), "kind": HelpRequest.Kind.BRING_IN}
        form = HelpRequestForm(initial=initial, child=child, today=today)
        return render(request, "cases/help_request_form.html", {"child": child, "form": form})

    def post(self, request: HttpRequest, child_id: int, case_id: int) -> HttpResponse:
        child, case = self.child, self.found
        form = HelpRequestForm(request.POST, child=child, today=timezone.localdate())
        if form.is_valid():
            try:
                services.request_help(_user(request), case, **form.cleaned_data)
            except ValidationError as exc:
                add_refusal(form, exc)
            else:
                messages.success(request, _("The request went to the provider's contact person."))
                return redirect("cases:case-page", child_id=child.pk)
        return render(request, "cases/help_request_form.html", {"child": child, "form": form}, status=400)


class TeamAgendaView(ChildRecordView):
    """The support team's meetings: plan a meeting, put a case on the agenda, invite only who knows the child."""

    # Putting a case on the agenda: the service decides on the case's child and logs it.
    declaration = Declaration(
        get=search(DataCategory.SUPPORT), post=update(DataCategory.SUPPORT, service_decides=True), child_kwarg=None
    )

    def _teams(self, request: HttpRequest) -> list[SupportTeam]:
        schools = [m.organisation for m in tasks.memberships(_user(request), "manage_team")]
        if not schools:
            raise PermissionDenied
        return [services.support_team_for(school) for school in schools]

    def _agenda_form(
        self, request: HttpRequest, teams: list[SupportTeam], data: Any = None, auto_id: str = "id_%s"
    ) -> AgendaForm:
        form = AgendaForm(data, auto_id=auto_id)
        _choices(form, "case").queryset = selectors.cases_for(_user(request)).filter(
            team__in=teams, status__state__in=workflow.OPEN_STATES
        )
        _choices(form, "invited").queryset = Membership.objects.filter(support_teams__in=teams).select_related(
            "user", "organisation"
        )
        return form

    def get(self, request: HttpRequest) -> HttpResponse:
        teams = self._teams(request)
        return self._render(request, teams, MeetingForm(members=teams[0].members.all(), today=timezone.localdate()))

    def _render(
        self, request: HttpRequest, teams: list[SupportTeam], meeting_form: MeetingForm, status: int = 200
    ) -> HttpResponse:
        upcoming = list(selectors.upcoming_meetings(_user(request)))
        forms = [(m, self._agenda_form(request, teams, auto_id=f"id_m{m.pk}_%s")) for m in upcoming]
        # Every child named on the page is logged: those on an agenda and those offered in a meeting's case list.
        shown = {item.case.child.pk: item.case.child for m in upcoming for item in m.items.all()}
        offered = _choices(forms[0][1], "case").queryset if forms else None
        if offered is not None:
            shown.update({case.child.pk: case.child for case in offered.select_related("child")})
        self.log_shown(list(shown.values()))
        return render(
            request,
            "cases/team_agenda.html",
            {
                # One agenda form per meeting, each with its own ids, so every label points to its own field.
                "meetings": [(m, meeting_label(m), form) for m, form in forms],
                "meeting_form": meeting_form,
            },
            status=status,
        )

    def post(self, request: HttpRequest) -> HttpResponse:
        teams = self._teams(request)
        if "date" in request.POST:
            meeting_form = MeetingForm(request.POST, members=teams[0].members.all(), today=timezone.localdate())
            if plan_from_form(_user(request), teams[0], meeting_form) is not None:
                messages.success(request, _("The meeting was planned."))
                return redirect("cases:team-agenda")
            return self._render(request, teams, meeting_form, status=400)
        meeting = get_object_or_404(Meeting, pk=request.POST.get("meeting"), team__in=teams)
        form = self._agenda_form(request, teams, request.POST)
        if form.is_valid():
            try:
                services.put_on_agenda(
                    _user(request),
                    form.cleaned_data["case"],
                    meeting,
                    list(form.cleaned_data["invited"]),
                    youth_invited=form.cleaned_data["youth_invited"],
                    today=timezone.localdate(),
                )
                messages.success(request, _("The case is on the agenda."))
            except ValidationError as exc:
                messages.error(request, refusal_text(exc))
        else:
            messages.error(request, _("Choose a case."))
        return redirect("cases:team-agenda")


class InboxView(ChildRecordView):
    """The provider contact's requests: first contact, join or decline (the service decides and logs)."""

    declaration = Declaration(
        get=search(DataCategory.IDENTITY),
        post=update(DataCategory.IDENTITY, service_decides=True),
        object_type="help_request",
        child_kwarg=None,
    )

    def get(self, request: HttpRequest, request_id: int | None = None) -> HttpResponse:
        if request_id is not None:  # the action URL is for POST; a GET there shows the inbox
            return redirect("cases:inbox")
        requests = list(selectors.inbox(_user(request)))
        self.log_shown({r.case.child.pk: r.case.child for r in requests}.values())
        # A link only where the record opens now (the child page's own check); help whose access ended (the
        # grant expired, consent was withdrawn) is shown as ended, without a link that would answer 404.
        openable = selectors.openable_children(_user(request), [r.case.child for r in requests if r.joined_at])
        return render(request, "cases/inbox.html", {"requests": requests, "openable": openable})

    def post(self, request: HttpRequest, request_id: int) -> HttpResponse:
        help_request = get_object_or_404(HelpRequest, pk=request_id, contact__user=_user(request))
        action = request.POST.get("action")
        try:
            if action == "first_contact":
                services.record_first_contact(_user(request), help_request)
            elif action == "join":
                services.join(_user(request), help_request)
                messages.success(request, _("You joined. You now see the parts of the record the family consented to."))
            elif action == "decline":
                services.decline(_user(request), help_request, request.POST.get("reason", ""))
            else:
                raise Http404
        except ValidationError as exc:
            messages.error(request, refusal_text(exc))
        return redirect("cases:inbox")


class ActivityForm(forms.Form):
    school = forms.ModelChoiceField(label=gettext_lazy("School"), queryset=Organisation.objects.none())
    role = forms.ChoiceField(label=gettext_lazy("Role of school social work"), choices=SocialWorkActivity.Role.choices)
    hours = LocalDecimalField(label=gettext_lazy("Hours"), min_value=0.25, max_value=24, decimal_places=2)
    date = forms.DateField(
        label=gettext_lazy("Date"), widget=forms.DateInput(format="%Y-%m-%d", attrs={"type": "date"})
    )
    description = forms.CharField(
        label=gettext_lazy("What did you do? (no names)"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )


class SocialWorkLogView(LoginRequiredMixin, View):
    """The school social worker's log: each activity tagged with one of the three roles, with its hours."""

    serves_child_data = False  # activities are logged per school, without children's data

    def _membership(self, request: HttpRequest) -> Membership:
        membership = selectors.social_work_membership(_user(request))
        if membership is None:
            raise PermissionDenied
        return membership

    def _form(self, data: Any = None) -> ActivityForm:
        form = ActivityForm(data, initial={"date": timezone.localdate()})
        _choices(form, "school").queryset = Organisation.objects.filter(kind="school")
        return form

    def _render(self, request: HttpRequest, form: ActivityForm, status: int = 200) -> HttpResponse:
        membership = self._membership(request)
        try:
            year = SchoolYear.parse(request.GET.get("jaar", ""))
        except ValueError:
            year = SchoolYear.current()
        log = selectors.social_work_log(membership, year, request.GET.get("pagina"))
        return render(
            request,
            "cases/social_work_log.html",
            {
                "form": form,
                "log": log,
                "previous_year": SchoolYear(year.start_year - 1),
                "next_year": SchoolYear(year.start_year + 1) if year != SchoolYear.current() else None,
            },
            status=status,
        )

    def get(self, request: HttpRequest) -> HttpResponse:
        return self._render(request, self._form())

    def post(self, request: HttpRequest) -> HttpResponse:
        self._membership(request)
        form = self._form(request.POST)
        if form.is_valid():
            try:
                activity = services.log_activity(
                    _user(request),
                    school=form.cleaned_data["school"],
                    role=form.cleaned_data["role"],
                    hours=float(form.cleaned_data["hours"]),
                    on=form.cleaned_data["date"],
                    description=form.cleaned_data["description"],
                )
            except ValidationError as exc:
                add_refusal(form, exc)
            else:
                messages.success(request, _("The activity was logged."))
                year, page = selectors.social_work_log_page_of(activity)  # where it is listed, whatever its date
                return redirect(
                    f"{reverse('cases:social-work-log')}?jaar={year}&pagina={page}#activiteit-{activity.pk}"
                )
        return self._render(request, form, status=400)


# --- Support-team meetings as people run them (issue 14, point 6) ------------------------------------------------


def _meeting_for_user(request: HttpRequest, meeting_id: int) -> Meeting:
    """The meeting, for those who run its team or are invited to it; 404 for everyone else (nothing said)."""
    meeting = get_object_or_404(Meeting.objects.select_related("team__school", "chair__user"), pk=meeting_id)
    if not meetings.may_open_meeting(_user(request), meeting):
        raise Http404
    return meeting


def _agenda_rows(user: User, meeting: Meeting) -> tuple[list[dict[str, Any]], list[Any], list[Any]]:
    """The meeting's agenda per case: the child named (and linked) only where the user may read the child's support
    data; the rows, the children shown and their decisions (for log_shown)."""
    items = list(
        meeting.items.select_related("case__child", "case__status").prefetch_related("invited__user").order_by("pk")
    )
    on_agenda = {item.case.child_id for item in items}
    readable = set(
        policy.allowed_children(user, Action.SEARCH, DataCategory.SUPPORT)
        .filter(pk__in=on_agenda)
        .values_list("pk", flat=True)
    )
    rows = [{"item": item, "readable": item.case.child_id in readable} for item in items]
    shown = {item.case.child_id: item.case.child for item in items if item.case.child_id in readable}
    decided = policy.decide_many(user, shown.values(), Action.SEARCH, DataCategory.SUPPORT)
    return rows, list(shown.values()), [decided[pk] for pk in shown]


class MeetingView(ChildRecordView):
    """One meeting: when, where, who chairs, who is invited, and its agenda per case (each case's child named only
    where the viewer may read it, each logged as shown)."""

    declaration = Declaration(get=search(DataCategory.SUPPORT), child_kwarg=None)

    def get(self, request: HttpRequest, meeting_id: int) -> HttpResponse:
        meeting = _meeting_for_user(request, meeting_id)
        rows, shown, decisions = _agenda_rows(_user(request), meeting)
        self.log_shown(shown, decisions=decisions)
        context = {
            "meeting": meeting,
            "label": meeting_label(meeting),
            "rows": rows,
            "may_run": meetings.may_run(_user(request), meeting.team),
        }
        return render(request, "cases/meeting.html", context)


class MeetingPrintView(ChildRecordView):
    """The printable agenda (print CSS): date, time, place, chair, per case the child's name where the viewer may
    read it, the question and who is invited. Every child shown is logged as printed."""

    declaration = Declaration(get=Access(Action.PRINT, DataCategory.SUPPORT), child_kwarg=None)

    def get(self, request: HttpRequest, meeting_id: int) -> HttpResponse:
        meeting = _meeting_for_user(request, meeting_id)
        rows, shown, decisions = _agenda_rows(_user(request), meeting)
        self.log_shown(shown, decisions=decisions)
        return render(
            request, "cases/meeting_print.html", {"meeting": meeting, "label": meeting_label(meeting), "rows": rows}
        )


class MeetingEditView(LoginRequiredMixin, View):
    """Plan a new meeting or change one (the team's intern begeleider or zorgcoördinator: `manage_team`)."""

    serves_child_data = False  # a meeting's date, time, place and people: no child's data

    def _team_and_meeting(self, request: HttpRequest, meeting_id: int | None) -> tuple[SupportTeam, Meeting | None]:
        if meeting_id is None:
            teams = meetings.teams_run_by(_user(request))
            if not teams:
                raise PermissionDenied
            wanted = request.POST.get("team") or request.GET.get("team")
            team = next((t for t in teams if str(t.pk) == wanted), teams[0])
            return team, None
        meeting = _meeting_for_user(request, meeting_id)
        if not meetings.may_run(_user(request), meeting.team):
            raise PermissionDenied
        return meeting.team, meeting

    def _render(
        self, request: HttpRequest, form: MeetingForm, team: SupportTeam, meeting: Meeting | None, status: int = 200
    ) -> HttpResponse:
        context = {"form": form, "team": team, "meeting": meeting, "teams": meetings.teams_run_by(_user(request))}
        return render(request, "cases/meeting_form.html", context, status=status)

    def get(self, request: HttpRequest, meeting_id: int | None = None) -> HttpResponse:
        team, meeting = self._team_and_meeting(request, meeting_id)
        initial: dict[str, Any] = {}
        if meeting is not None:
            initial = {
                "date": meeting.date,
                "starts_at": meeting.starts_at,
                "ends_at": meeting.ends_at,
                "place": meeting.place,
                "chair": meeting.chair,
                "invited": list(meeting.invited.all()),
            }
        form = MeetingForm(initial=initial, members=team.members.all(), today=timezone.localdate())
        return self._render(request, form, team, meeting)

    def post(self, request: HttpRequest, meeting_id: int | None = None) -> HttpResponse:
        team, meeting = self._team_and_meeting(request, meeting_id)
        form = MeetingForm(request.POST, members=team.members.all(), today=timezone.localdate())
        saved = plan_from_form(_user(request), team, form, meeting)
        if saved is not None:
            messages.success(request, _("The meeting was saved."))
            return redirect("cases:meeting", meeting_id=saved.pk)
        return self._render(request, form, team, meeting, status=400)


def plan_from_form(user: User, team: SupportTeam, form: MeetingForm, meeting: Meeting | None = None) -> Meeting | None:
    """Plan (or change) a meeting from a bound MeetingForm through `meetings.plan_meeting`, checked against the
    form's `today` (the view's `timezone.localdate()`). Returns the meeting, or None when the form or the service
    refused; the refusal is then on the form (field errors, kept input)."""
    if not form.is_valid():
        return None
    data = form.cleaned_data
    try:
        return meetings.plan_meeting(
            user,
            team,
            on=data["date"],
            starts_at=data["starts_at"],
            ends_at=data["ends_at"],
            place=data["place"],
            chair=data["chair"],
            invited=list(data["invited"]),
            meeting=meeting,
            today=form.today,
        )
    except ValidationError as exc:
        add_refusal(form, exc)
        return None


def _agenda_item(request: HttpRequest, child: Any, kwargs: Any) -> AgendaItem | None:
    return (
        AgendaItem.objects.select_related("meeting__team__school", "meeting__chair__user", "case__child")
        .filter(pk=kwargs["item_id"], case__child=child)
        .first()
    )


class AgendaItemView(ChildRecordView):
    """One case in one meeting: who is invited, the minutes (only for those present and the school's intern
    begeleider and zorgcoördinator), the decisions and the actions with owner and due date."""

    declaration = Declaration(
        get=read(DataCategory.SUPPORT), post=update(DataCategory.SUPPORT), object_type="agenda_item", find=_agenda_item
    )

    def _forms(self, item: AgendaItem, data: Any = None, which: str = "") -> dict[str, forms.Form]:
        people = User.objects.filter(
            Q(memberships__in=item.invited.all())
            | Q(memberships__in=item.meeting.invited.all())
            | Q(pk__in=item.present.all())
            | Q(memberships__support_teams=item.meeting.team_id)
        ).distinct()
        today = timezone.localdate()
        minutes_initial = {"minutes": item.minutes, "version": item.version, "present": list(item.present.all())}
        return {
            "minutes_form": MinutesForm(
                data if which == "minutes" else None, initial=minutes_initial, people=people, prefix="m"
            ),
            "decision_form": DecisionForm(data if which == "decision" else None, prefix="d"),
            "action_form": ActionForm(
                data if which == "action" else None,
                initial={"due": today + timedelta(days=14)},
                owners=meetings.people_for_case(item.case),
                today=today,
                prefix="a",
            ),
        }

    def _render(self, request: HttpRequest, item: AgendaItem, status: int = 200, **extra: Any) -> HttpResponse:
        user = _user(request)
        context = {
            "child": self.child,
            "item": item,
            "meeting": item.meeting,
            "label": meeting_label(item.meeting),
            "minutes": services.minutes_for(user, item),
            "can_write": policy.decide(user, self.child, Action.UPDATE, DataCategory.SUPPORT).allowed,
            "may_open_meeting": meetings.may_open_meeting(user, item.meeting),
            "decisions": list(item.decisions.select_related("recorded_by")),
            "actions": list(item.actions.select_related("owner__user").order_by("due", "pk")),
            "today": timezone.localdate(),
            **extra,
        }
        extra_forms = {k: v for k, v in extra.items() if k.endswith("_form")}
        context.update({**self._forms(item), **extra_forms})
        return render(request, "cases/agenda_item.html", context, status=status)

    def get(self, request: HttpRequest, child_id: int, item_id: int) -> HttpResponse:
        return self._render(request, self.found)

    def post(self, request: HttpRequest, child_id: int, item_id: int) -> HttpResponse:
        item: AgendaItem = self.found
        user = _user(request)
        which = request.POST.get("form", "")
        if which not in ("minutes", "decision", "action"):
            raise Http404
        if which == "minutes" and not meetings.may_read_minutes(user, item):
            raise Refused(services.minutes_refusal())  # nothing changed, nothing logged
        form = self._forms(item, request.POST, which)[f"{which}_form"]
        if not form.is_valid():
            return self._render(request, item, status=400, **{f"{which}_form": form})
        data = form.cleaned_data
        try:
            if which == "minutes":
                services.record_minutes(
                    user, item, minutes=data["minutes"], present=list(data["present"]), version=data["version"]
                )
                done = _("The minutes were saved.")
            elif which == "decision":
                meetings.record_decision(user, item, data["text"])
                done = _("The decision was recorded.")
            else:
                services.add_action(
                    user,
                    item.case,
                    description=data["description"],
                    owner=data["owner"],
                    due=data["due"],
                    agenda_item=item,
                    today=timezone.localdate(),
                )
                done = _("The action was recorded; its owner was told.")
        except Conflict as conflict:
            # Keep what was typed, show what is stored now, and let a second save knowingly build on that version.
            item.refresh_from_db()
            typed = request.POST.copy()
            typed["m-version"] = str(item.version)
            form = self._forms(item, typed, which)["minutes_form"]
            form.is_valid()
            add_refusal(form, conflict)
            return self._render(request, item, status=409, conflict=conflict, **{f"{which}_form": form})
        except ValidationError as exc:
            add_refusal(form, exc)
            return self._render(request, item, status=400, **{f"{which}_form": form})
        messages.success(request, done)
        return redirect("cases:agenda-item", child_id=self.child.pk, item_id=item.pk)


def meeting_context(user: User, child: Any, case: Case | None, can_write: bool) -> dict[str, Any]:
    """What the case page's meetings section (`cases/_meetings.html`) shows: the child's agenda items, latest first,
    and — for those who run the school's support team and may change the case — the form to put the case on an
    agenda. The child's own page: the page's read row covers it."""
    agenda = list(meetings.agenda_of_child(child))
    form = None
    if case is not None and can_write and meetings.may_run(user, case.team):
        form = AgendaFromCaseForm(
            meetings=meetings.upcoming_for_case(case),
            people=meetings.people_for_case(case),
            today=timezone.localdate(),
            auto_id="id_agenda_%s",
        )
    return {"agenda_items": agenda, "agenda_form": form, "today": timezone.localdate()}


class AgendaFromCaseView(ChildRecordView):
    """Put the case on an agenda from the case page: an upcoming meeting of the child's school team, or a new one
    planned here at once, with who is invited. The form keeps what was typed on an error."""

    declaration = Declaration(
        get=read(DataCategory.SUPPORT, also=Action.UPDATE),
        post=update(DataCategory.SUPPORT),
        object_type="case",
        find=_case,
    )

    def _form(self, case: Case, data: Any = None) -> AgendaFromCaseForm:
        if not meetings.may_run(_user(self.request), case.team):
            raise PermissionDenied(tasks.refusal(_user(self.request), "manage_team", case.team.school))
        return AgendaFromCaseForm(
            data,
            meetings=meetings.upcoming_for_case(case),
            people=meetings.people_for_case(case),
            today=timezone.localdate(),
            auto_id="id_agenda_%s",
        )

    def _render(self, request: HttpRequest, form: AgendaFromCaseForm, status: int = 200) -> HttpResponse:
        context = {"child": self.child, "case": self.found, "form": form}
        return render(request, "cases/agenda_form.html", context, status=status)

    def get(self, request: HttpRequest, child_id: int, case_id: int) -> HttpResponse:
        return self._render(request, self._form(self.found))

    def post(self, request: HttpRequest, child_id: int, case_id: int) -> HttpResponse:
        case: Case = self.found
        user = _user(request)
        form = self._form(case, request.POST)
        if not form.is_valid():
            return self._render(request, form, status=400)
        data, today = form.cleaned_data, form.today
        try:
            with transaction.atomic():
                meeting = data["meeting"]
                if meeting is None:
                    meeting = meetings.plan_meeting(
                        user,
                        case.team,
                        on=data["new_date"],
                        starts_at=data["new_starts_at"],
                        ends_at=data["new_ends_at"],
                        place=data["new_place"],
                        today=today,
                    )
                services.put_on_agenda(
                    user,
                    case,
                    meeting,
                    list(data["invited"]),
                    youth_invited=data["youth_invited"],
                    parents_invited=data["parents_invited"],
                    today=today,
                )
        except ValidationError as exc:
            add_refusal(form, exc, fields={k: f"new_{k}" for k in ("date", "starts_at", "ends_at", "place")})
            return self._render(request, form, status=400)
        messages.success(request, _("The case is on the agenda of %(meeting)s.") % {"meeting": meeting_label(meeting)})
        return redirect("cases:case-page", child_id=self.child.pk)


class MyActionsView(ChildRecordView):
    """The owner's open actions of the support team, the earliest due date first, overdue ones marked. An action
    about a child whose support data the owner may no longer read is counted, not shown."""

    declaration = Declaration(get=search(DataCategory.SUPPORT), child_kwarg=None)

    def get(self, request: HttpRequest) -> HttpResponse:
        user = _user(request)
        if not tasks.may(user, "own_actions"):
            raise PermissionDenied
        today = timezone.localdate()
        actions = meetings.open_actions(user)
        readable = policy.allowed_children(user, Action.SEARCH, DataCategory.SUPPORT)
        shown = list(actions.filter(case__child__in=readable))  # one query, the list scope in it (issue 17)
        hidden = actions.count() - len(shown)
        children = {a.case.child_id: a.case.child for a in shown}
        decided = policy.decide_many(user, children.values(), Action.SEARCH, DataCategory.SUPPORT)
        self.log_shown(list(children.values()), decisions=[decided[pk] for pk in children])
        context = {"actions": meetings.own_actions(shown, today), "hidden": hidden, "today": today}
        return render(request, "cases/my_actions.html", context)


class ActionDoneView(ChildRecordView):
    """Mark one's own action done (POST; doing it twice changes nothing). The service decides and logs."""

    declaration = Declaration(post=update(DataCategory.SUPPORT, service_decides=True), child_kwarg=None)

    def post(self, request: HttpRequest, action_id: int) -> HttpResponse:
        action = get_object_or_404(ActionItem, pk=action_id, owner__user=_user(request))
        try:
            meetings.complete_action(_user(request), action)
            messages.success(request, _("The action is marked done."))
        except ValidationError as exc:
            messages.error(request, refusal_text(exc))
        return redirect("cases:my-actions")
