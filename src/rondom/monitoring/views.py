"""The monitoring pages: the dashboard (a pilot or the whole city against a comparison area, baseline and trend,
a breakdown per school or wijk, each chart with its table, every table as CSV/XLSX), the pilot's accountability
report as PDF, the texts that give meaning to the figures, and the research export. Aggregates only: no child is
named, except by keyed pseudonym in the research export. Thin: the figures come from monitoring.py."""

from __future__ import annotations

from datetime import date
from typing import Any
from urllib.parse import urlencode

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View

from rondom.access import log, tasks
from rondom.access.declared import NO_CHILD_DATA, Access, ChildRecordView, Declaration
from rondom.accounts.models import User
from rondom.core.categories import Action, DataCategory
from rondom.core.schoolyear import SchoolYear
from rondom.dbrouting import reading_from_replica
from rondom.exports import FORMATS, table_response
from rondom.funding.models import Pilot
from rondom.refusals import add_refusal
from rondom.registry.models import Wijk

from . import monitoring, report, research, rollup
from .indicators import BY_KEY as INDICATORS_BY_KEY
from .indicators import INDICATORS
from .models import ReportText


def _user(request: HttpRequest) -> User:
    return request.user  # type: ignore[return-value]


def _log_export(request: HttpRequest, object_type: str, what: str) -> None:
    """An export of aggregate figures is logged as one `export` row without a child (docs/access-log.md)."""
    user = _user(request)
    membership = next(iter(tasks.memberships(user, "see_monitoring")), None)
    log.log_aggregate(
        user,
        "monitoring",
        category=DataCategory.SUPPORT,
        object_type=object_type,
        object_id=what[:50],
        membership=membership,
    )


class Selection:
    """The dashboard's filters, read from the query string; anything unknown falls back to a sensible default."""

    def __init__(self, request: HttpRequest, today: date | None = None) -> None:
        #: the local date the figures are shown for (the request's day; tests pass their own)
        self.today = today or timezone.localdate()
        self.municipalities = monitoring.municipalities_of(_user(request))
        self.pilots = list(Pilot.objects.all())
        self.years = monitoring.school_years(self.today)
        wanted = request.GET.get("pilot", "")
        self.pilot = next((p for p in self.pilots if str(p.pk) == wanted), None)
        if self.pilot is None and wanted != "city":
            self.pilot = self.pilots[0] if self.pilots else None
        self.year = next((y for y in self.years if str(y) == request.GET.get("year")), self.years[0])
        self.compare = request.GET.get("compare", monitoring.CITY)
        self.breakdown = request.GET.get("breakdown", "")
        self.breakdown = self.breakdown if self.breakdown in monitoring.BREAKDOWNS else ""
        keys = [i.key for i in INDICATORS]
        wanted_trend = request.GET.get("trend", "")
        self.trend: str = wanted_trend if wanted_trend in keys else keys[0]
        wijken = Wijk.objects.filter(municipality_id__in=self.municipalities).order_by("name")
        self.compare_options = [(monitoring.CITY, _("the rest of the city"))] + [
            (f"wijk:{w.pk}", _("wijk %(name)s") % {"name": w.name}) for w in wijken
        ]

    def build(self, request: HttpRequest) -> monitoring.Monitoring:
        return monitoring.build(
            _user(request),
            pilot=self.pilot,
            year=self.year,
            today=self.today,
            compare=self.compare,
            breakdown=self.breakdown,
        )

    def query(self, **extra: str) -> str:
        params = {
            "pilot": str(self.pilot.pk) if self.pilot else "city",
            "year": str(self.year),
            "compare": self.compare,
            "breakdown": self.breakdown,
            "trend": self.trend,
        }
        params.update(extra)
        return urlencode(params)


class DashboardView(LoginRequiredMixin, View):
    serves_child_data = False

    @reading_from_replica()  # figures from the read replica when there is one; the export's log row on the primary
    def get(self, request: HttpRequest) -> HttpResponse:
        selection = Selection(request)
        m = selection.build(request)
        kind, table = request.GET.get("format"), request.GET.get("table", "summary")
        if kind in FORMATS:
            header, rows = monitoring.TABLES.get(table, monitoring.summary_table)(m)
            name = f"monitoring-{table if table in monitoring.TABLES else 'summary'}-{m.year}"
            _log_export(request, "monitoring_table", f"{m.pilot.pk if m.pilot else 'stad'}:{table}:{m.year}")
            return table_response(name, header, rows, kind)
        context = {
            "m": m,
            "s": selection,
            "chart": monitoring.bar_chart(m),
            "line": monitoring.line_chart(m, selection.trend),
            "trend_indicator": INDICATORS_BY_KEY[selection.trend],
            "indicators": INDICATORS,
            "q": selection.query(),
            "downloads": {t: {k: selection.query(table=t, format=k) for k in FORMATS} for t in monitoring.TABLES},
            "report_query": selection.query(),
            "publish": _publishable(request, selection),
            "restatements": monitoring.restatement_rows(m.restatements),
            "frozen": m.frozen.get(m.year.start_year),
        }
        return render(request, "monitoring/dashboard.html", context)


def _publishable(request: HttpRequest, selection: Selection) -> list[SchoolYear]:
    """The ended school years shown that the user may freeze (task right `publish_figures`), newest first."""
    if not rollup.may_publish(_user(request)):
        return []
    frozen = rollup.frozen_years()
    return [y for y in selection.years if y.last_day < selection.today and y.start_year not in frozen]


class FreezeYearView(LoginRequiredMixin, View):
    """Freeze a reported school year (POST year=2025-2026): its published figures never change again; later
    corrections show as restatements (rollup.freeze). Policy staff of the municipality (`publish_figures`)."""

    serves_child_data = False

    def post(self, request: HttpRequest) -> HttpResponse:
        user = _user(request)
        if not rollup.may_publish(user):
            raise PermissionDenied
        query = urlencode({k: v for k, v in request.POST.items() if k in ("pilot", "compare", "breakdown", "trend")})
        back = f"{reverse('monitoring:dashboard')}?{query}"
        note = " ".join(request.POST.get("note", "").split())[:200]
        try:
            year = SchoolYear.parse(request.POST.get("year", ""))
        except ValueError:
            messages.error(request, _("Choose a school year that has ended to freeze its figures."))
            return HttpResponseRedirect(back)
        if request.POST.get("confirm") != "yes" or not note:
            messages.error(
                request,
                _("Say where the figures were published and confirm they can no longer change; nothing was frozen."),
            )
            return HttpResponseRedirect(f"{back}&year={year}")
        try:
            rollup.freeze(year, user, today=timezone.localdate(), note=note)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
            return HttpResponseRedirect(back)
        messages.success(request, _("The figures of school year %(year)s are frozen as published.") % {"year": year})
        return HttpResponseRedirect(f"{back}&year={year}")


class ReportView(LoginRequiredMixin, View):
    """The accountability report of the selected pilot (or the city) and school year, as PDF."""

    serves_child_data = False

    @reading_from_replica()
    def get(self, request: HttpRequest) -> HttpResponse:
        selection = Selection(request)
        with translation.override("nl"):  # the report is Dutch whatever the page language: its labels too
            m = selection.build(request)
        texts = list(ReportText.objects.filter(pilot=m.pilot, school_year=str(m.year))) if m.pilot else []
        response = HttpResponse(report.render(m, texts), content_type="application/pdf")
        name = f"verantwoording-{m.pilot.pk if m.pilot else 'stad'}-{m.year}.pdf"
        _log_export(request, "aggregate_report", f"{m.pilot.pk if m.pilot else 'stad'}:{m.year}")
        response["Content-Disposition"] = f'attachment; filename="{name}"'
        return response


class ReportTextForm(forms.ModelForm):
    class Meta:
        model = ReportText
        fields = ["perspective", "signed_as", "text"]
        help_texts = {
            "signed_as": gettext_lazy("How the writer wants to be named, e.g. 'a mother from Zwolle-Noord'."),
        }
        widgets = {"text": forms.Textarea(attrs={"rows": 5})}


class ReportTextsView(LoginRequiredMixin, View):
    """The texts of a pilot's report for a school year: read and add (policy staff)."""

    serves_child_data = False

    def _context(self, selection: Selection, form: ReportTextForm) -> dict[str, Any]:
        texts = ReportText.objects.filter(pilot=selection.pilot, school_year=str(selection.year))
        return {"s": selection, "form": form, "texts": texts, "q": selection.query()}

    def get(self, request: HttpRequest) -> HttpResponse:
        selection = Selection(request)
        return render(request, "monitoring/report_texts.html", self._context(selection, ReportTextForm()))

    def post(self, request: HttpRequest) -> HttpResponse:
        selection = Selection(request)
        if selection.pilot is None:
            raise PermissionDenied
        form = ReportTextForm(request.POST)
        if not form.is_valid():
            return render(request, "monitoring/report_texts.html", self._context(selection, form), status=400)
        text = form.save(commit=False)
        text.pilot, text.school_year, text.written_by = selection.pilot, str(selection.year), _user(request)
        text.save()
        return HttpResponseRedirect(f"{reverse('monitoring:report-texts')}?{selection.query()}")


class ResearchForm(forms.Form):
    pilot = forms.ChoiceField(label=gettext_lazy("Schools"))
    year = forms.ChoiceField(label=gettext_lazy("School year"))
    legal_basis = forms.ChoiceField(
        label=gettext_lazy("Documented legal basis"),
        required=False,
        help_text=gettext_lazy("Only the legal bases the municipality has documented are offered."),
    )

    def __init__(self, *args: Any, pilots: list[Pilot], years: list[SchoolYear], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        pilot, year = self.fields["pilot"], self.fields["year"]
        assert isinstance(pilot, forms.ChoiceField) and isinstance(year, forms.ChoiceField)
        pilot.choices = [("city", _("The whole city")), *[(str(p.pk), p.name) for p in pilots]]
        year.choices = [(str(y), str(y)) for y in years]
        basis = self.fields["legal_basis"]
        assert isinstance(basis, forms.ChoiceField)
        basis.choices = [
            ("", _("None: only children with research consent")),
            *[(text, text) for text in settings.RESEARCH_LEGAL_BASES],
        ]


class ResearchExportView(ChildRecordView):
    """A pseudonymised export per child for researchers (see research.py): the municipality's policy staff only."""

    # It reads per-child data, though it names no child: the export service logs one row per child exported.
    declaration = Declaration(
        get=NO_CHILD_DATA,
        post=Access(Action.EXPORT, DataCategory.SUPPORT, service_decides=True),
        object_type="research_export",
        child_kwarg=None,
    )

    def get(self, request: HttpRequest) -> HttpResponse:
        selection = Selection(request)
        form = ResearchForm(pilots=selection.pilots, years=selection.years)
        return render(request, "monitoring/research.html", {"form": form, "not_configured": _not_configured()})

    @reading_from_replica()  # the measures from the replica; consents and the log rows on the primary (dbrouting)
    def post(self, request: HttpRequest) -> HttpResponse:
        selection = Selection(request)
        form = ResearchForm(request.POST, pilots=selection.pilots, years=selection.years)
        if form.is_valid():
            city = monitoring.city_schools(selection.municipalities)
            pilot = next((p for p in selection.pilots if str(p.pk) == form.cleaned_data["pilot"]), None)
            schools = [pk for pk in (pilot.schools.values_list("pk", flat=True) if pilot else city) if pk in city]
            try:
                result = research.export(
                    _user(request),
                    schools,
                    SchoolYear.parse(form.cleaned_data["year"]),
                    legal_basis=form.cleaned_data["legal_basis"],
                )
            except ValidationError as error:
                add_refusal(form, error)
            else:
                rows = [[row[c] for c in research.COLUMNS] for row in result.rows]
                return table_response(f"onderzoek-{form.cleaned_data['year']}", research.COLUMNS, rows, "csv")
        return render(
            request, "monitoring/research.html", {"form": form, "not_configured": _not_configured()}, status=400
        )


def _not_configured() -> str:
    """Said before the form, so that nobody fills it in for nothing; empty when the export is set up."""
    return "" if research.is_configured() else str(research.NOT_CONFIGURED)
