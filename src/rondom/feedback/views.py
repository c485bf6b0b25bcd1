"""The short questionnaire at a plan evaluation (in the portal for parents and youths, on the professionals' side for
teachers and mentors) and the school's ratings of providers. Thin: rondom.feedback.services decides and writes."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View

from rondom.access import policy
from rondom.access.declared import ChildRecordView, Declaration, create, read
from rondom.accounts.models import Organisation, User
from rondom.cases.models import Plan
from rondom.core.categories import Action, DataCategory
from rondom.core.roles import OrganisationKind
from rondom.core.schoolyear import SchoolYear
from rondom.exports import FORMATS, table_response
from rondom.portal import services as portal
from rondom.portal.views import PortalLoginRequired
from rondom.refusals import add_refusal
from rondom.registry.models import Child

from . import services
from .models import FeedbackResponse, Respondent

HELPS_CHOICES = [
    ("1", gettext_lazy("1 – No, not at all")),
    ("2", gettext_lazy("2 – A little")),
    ("3", gettext_lazy("3 – Partly")),
    ("4", gettext_lazy("4 – Mostly")),
    ("5", gettext_lazy("5 – Yes, very much")),
]
WELLBEING_CHOICES = [(str(n), str(n)) for n in range(1, 11)] + [("", gettext_lazy("I'd rather not say"))]
SCORE_CHOICES = [
    ("1", gettext_lazy("1 – No added value")),
    ("2", gettext_lazy("2 – Little")),
    ("3", gettext_lazy("3 – Some")),
    ("4", gettext_lazy("4 – Much")),
    ("5", gettext_lazy("5 – Very much")),
]
RATING_YEARS = 3  # the current school year and the two before


def _user(request: HttpRequest) -> User:
    return request.user  # type: ignore[return-value]


def _saved_plan(request: HttpRequest, child: Child, kwargs: Any) -> Plan | None:
    """A questionnaire belongs to a plan: without a saved plan there is nothing to answer about (404)."""
    return Plan.objects.filter(child=child, version__gt=0).select_related("child").first()


class QuestionnaireForm(forms.Form):
    helps = forms.TypedChoiceField(
        label=gettext_lazy("Do you notice that the help contributes to the goals?"),
        choices=HELPS_CHOICES,
        coerce=int,
        widget=forms.RadioSelect,
    )
    wellbeing = forms.TypedChoiceField(
        label=gettext_lazy("How are things going?"),
        help_text=gettext_lazy("1 is very bad, 10 is very good."),
        choices=WELLBEING_CHOICES,
        coerce=int,
        empty_value=None,
        required=False,
        widget=forms.RadioSelect,
    )
    comment = forms.CharField(
        label=gettext_lazy("Anything you want to add?"),
        required=False,
        max_length=services.MAX_COMMENT,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    @classmethod
    def for_answer(cls, existing: FeedbackResponse | None, **kwargs: Any) -> QuestionnaireForm:
        initial = (
            {"helps": str(existing.helps), "wellbeing": str(existing.wellbeing or ""), "comment": existing.comment}
            if existing
            else {}
        )
        return cls(initial=initial, **kwargs)


class TeacherQuestionnaireForm(QuestionnaireForm):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["wellbeing"].label = gettext_lazy("How is the pupil doing?")


def _save_answer(request: HttpRequest, form: QuestionnaireForm, plan: Plan, respondent: str) -> FeedbackResponse | None:
    if not form.is_valid():
        return None
    try:
        return services.answer(
            _user(request),
            plan,
            respondent,
            form.cleaned_data["helps"],
            form.cleaned_data["wellbeing"],
            form.cleaned_data["comment"],
        )
    except ValidationError as exc:
        add_refusal(form, exc)
        return None


class PortalQuestionnaireView(PortalLoginRequired, ChildRecordView):
    """Parents and youths: three short questions at the evaluation of the child's plan."""

    # Family grounds only; the answer is decided and logged by the service.
    declaration = Declaration(
        get=read(DataCategory.SUPPORT),
        post=create(DataCategory.SUPPORT, service_decides=True),
        object_type="feedback_questionnaire",
        find=_saved_plan,
        logs_found=False,
        opens=portal.opened,
    )

    def _render(
        self, request: HttpRequest, found: portal.FamilyChild, plan: Plan, form: QuestionnaireForm, status: int = 200
    ) -> HttpResponse:
        context = {
            "found": found,
            "child": found.child,
            "plan": plan,
            "round": services.current_round(plan),
            "existing": services.own_answer(_user(request), plan),
            "form": form,
            "is_youth": found.capacity == Respondent.YOUTH,
        }
        return render(request, "feedback/portal_questionnaire.html", context, status=status)

    def get(self, request: HttpRequest, child_id: int) -> HttpResponse:
        found, plan = self.opened, self.found
        return self._render(
            request, found, plan, QuestionnaireForm.for_answer(services.own_answer(_user(request), plan))
        )

    def post(self, request: HttpRequest, child_id: int) -> HttpResponse:
        found, plan = self.opened, self.found
        form = QuestionnaireForm(request.POST)
        if _save_answer(request, form, plan, found.capacity) is not None:
            messages.success(request, _("Thank you for telling us."))
            return redirect("portal:child", child_id=found.child.pk)
        return self._render(request, found, plan, form, status=400)


class TeacherQuestionnaireView(ChildRecordView):
    """Teachers and mentors: the same short questions about a pupil's plan. Those who hold the evaluation (who may
    change the plan) also see every answer given on it."""

    # Answering: only as teacher / mentor (services.teacher_decision, 403 with its message); the service logs.
    declaration = Declaration(
        get=read(DataCategory.SUPPORT),
        post=create(DataCategory.SUPPORT, service_decides=True, also=Action.READ),
        object_type="feedback_questionnaire",
    )

    def find_object(self, child: Child) -> Plan | None:
        if self.request.method == "POST":
            services.teacher_decision(_user(self.request), child)  # 403 before anything else is looked at
        return _saved_plan(self.request, child, self.kwargs)

    def _render(
        self,
        request: HttpRequest,
        child: Child,
        plan: Plan,
        form: QuestionnaireForm | None,
        status: int = 200,
    ) -> HttpResponse:
        user = _user(request)
        sees_answers = policy.decide(user, child, Action.UPDATE, DataCategory.SUPPORT).allowed
        context = {
            "child": child,
            "plan": plan,
            "goals": plan.content.get("goals", []),
            "round": services.current_round(plan),
            "existing": services.own_answer(user, plan),
            "form": form,
            "answers": list(services.answers_for(plan)) if sees_answers else None,
        }
        return render(request, "feedback/teacher_questionnaire.html", context, status=status)

    def _may_answer(self, user: User, child: Child) -> bool:
        try:
            services.teacher_decision(user, child)
        except PermissionDenied:
            return False
        return True

    def get(self, request: HttpRequest, child_id: int) -> HttpResponse:
        user, child, plan = _user(request), self.child, self.found
        form = (
            TeacherQuestionnaireForm.for_answer(services.own_answer(user, plan))
            if self._may_answer(user, child)
            else None
        )
        return self._render(request, child, plan, form)

    def post(self, request: HttpRequest, child_id: int) -> HttpResponse:
        child, plan = self.child, self.found
        form = TeacherQuestionnaireForm(request.POST)
        if _save_answer(request, form, plan, Respondent.TEACHER) is not None:
            messages.success(request, _("Thank you. Your answer is saved for the evaluation."))
            return redirect("cases:case-page", child_id=child.pk)
        return self._render(request, child, plan, form, status=400)


# --- Provider ratings -------------------------------------------------------------------------------------------


class RatingForm(forms.Form):
    school = forms.IntegerField(widget=forms.HiddenInput)
    provider = forms.ModelChoiceField(
        label=gettext_lazy("Provider"),
        queryset=Organisation.objects.filter(kind=OrganisationKind.PROVIDER),
    )
    school_year = forms.ChoiceField(label=gettext_lazy("School year"))
    score = forms.TypedChoiceField(
        label=gettext_lazy("What did this provider add for the school?"),
        choices=SCORE_CHOICES,
        coerce=int,
        widget=forms.RadioSelect,
    )
    comment = forms.CharField(
        label=gettext_lazy("Explanation"),
        required=False,
        max_length=services.MAX_COMMENT,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def __init__(self, school: Organisation, providers: list[Organisation], *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("initial", {})
        current = SchoolYear.current()
        years = [str(SchoolYear(current.start_year - n)) for n in range(RATING_YEARS)]
        kwargs["initial"] = {"school": school.pk, "school_year": years[0], **kwargs["initial"]}
        super().__init__(*args, **kwargs)
        self.fields["school_year"].choices = [(y, y) for y in years]  # type: ignore[attr-defined]
        # Offered: the providers the school worked with. Any provider is accepted by the form, so that the service
        # can say why one the school did not work with cannot be rated.
        self.fields["provider"].widget.choices = [("", "—")] + [(p.pk, p.name) for p in providers]


class ProviderRatingsView(LoginRequiredMixin, View):
    """The intern begeleider or zorgcoördinator rates, per school year, what each provider the school worked with
    added for the school; the school's ratings as a table with CSV and XLSX downloads. No child data."""

    serves_child_data = False

    def _school(self, request: HttpRequest, chosen: str | None) -> tuple[Organisation, list[Organisation]]:
        schools = services.rating_schools(_user(request))
        if not schools:
            raise PermissionDenied
        school = next((s for s in schools if str(s.pk) == str(chosen)), schools[0])
        return school, schools

    def _render(
        self,
        request: HttpRequest,
        school: Organisation,
        schools: list[Organisation],
        form: RatingForm | None = None,
        status: int = 200,
    ) -> HttpResponse:
        providers = list(services.worked_with(school))
        ratings = list(services.ratings_of(school))
        year = str(SchoolYear.current())
        this_year = {r.provider_id: r for r in ratings if r.school_year == year}
        context = {
            "school": school,
            "schools": schools,
            "year": year,
            "providers": [(p, this_year.get(p.pk)) for p in providers],
            "ratings": ratings,
            "form": form or RatingForm(school, providers),
        }
        return render(request, "feedback/provider_ratings.html", context, status=status)

    def get(self, request: HttpRequest) -> HttpResponse:
        school, schools = self._school(request, request.GET.get("school"))
        kind = request.GET.get("format")
        if kind in FORMATS:
            return self._download(school, kind)
        return self._render(request, school, schools)

    def post(self, request: HttpRequest) -> HttpResponse:
        school, schools = self._school(request, request.POST.get("school"))
        providers = list(services.worked_with(school))
        form = RatingForm(school, providers, request.POST)
        if form.is_valid():
            try:
                services.rate_provider(
                    _user(request),
                    school,
                    form.cleaned_data["provider"],
                    form.cleaned_data["school_year"],
                    form.cleaned_data["score"],
                    form.cleaned_data["comment"],
                )
            except ValidationError as exc:
                add_refusal(form, exc)
            else:
                messages.success(request, _("The rating is saved."))
                return redirect(f"{reverse('feedback:provider-ratings')}?school={school.pk}")
        return self._render(request, school, schools, form, status=400)

    def _download(self, school: Organisation, kind: str) -> HttpResponse:
        header = [
            _("School"),
            _("School year"),
            _("Provider"),
            _("Score (1-5)"),
            _("Explanation"),
            _("Rated by"),
            _("Rated on"),
        ]
        rows = [
            [
                school.name,
                r.school_year,
                r.provider.name,
                r.score,
                r.comment,
                r.rated_by.display_name if r.rated_by else "",
                timezone.localtime(r.rated_at).strftime("%Y-%m-%d"),
            ]
            for r in services.ratings_of(school)
        ]
        return table_response(f"aanbieders-beoordeling-{school.pk}", header, rows, kind)
