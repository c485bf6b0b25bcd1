"""Web pages for absence: the functioneel beheerder's import (upload, progress, report) and column mappings, the
signals inbox of leerplicht and the youth doctor, and a child's absence. Thin: services decide and write."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View

from rondom.access import tasks
from rondom.access.declared import ChildRecordView, Declaration, read, search, update
from rondom.accounts.models import Organisation, User
from rondom.core.categories import Action, DataCategory
from rondom.refusals import add_refusal
from rondom.versioning import Conflict
from rondom.worklist import choice, int_or_none, paginate

from . import importer, services
from .models import AbsenceImport, AbsenceRecord, ColumnMapping, DateFormat, ImportStatus, ThresholdSignal

ABSENCE = DataCategory.ABSENCE


def _user(request: HttpRequest) -> User:
    return request.user  # type: ignore[return-value]


class UploadForm(forms.Form):
    school: forms.ModelChoiceField[Any] = forms.ModelChoiceField(
        label=gettext_lazy("School"), queryset=Organisation.objects.none(), empty_label=None
    )
    mapping: forms.ModelChoiceField[Any] = forms.ModelChoiceField(
        label=gettext_lazy("Column mapping"), queryset=ColumnMapping.objects.none(), empty_label=None
    )
    file = forms.FileField(
        label=gettext_lazy("Absence file (CSV or XLSX)"),
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,.txt,.xlsx"}),
    )

    def __init__(self, user: User, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["school"].queryset = services.importable_schools(user)  # type: ignore[attr-defined]
        self.fields["mapping"].queryset = services.usable_mappings(user)  # type: ignore[attr-defined]


def stale_mapping_message() -> str:
    """The Dutch answer to a column mapping someone else saved after you opened it."""
    return _(
        "Someone else saved this column mapping in the meantime. Nothing of yours was saved: check the fields "
        "and save again."
    )


class MappingForm(forms.Form):
    name = forms.CharField(label=gettext_lazy("Name"), max_length=100)
    school_system = forms.CharField(
        label=gettext_lazy("School system (e.g. ParnasSys, Magister, Somtoday)"), max_length=50
    )
    bsn_column = forms.CharField(label=gettext_lazy("Column with the BSN"), max_length=100)
    date_column = forms.CharField(label=gettext_lazy("Column with the date"), max_length=100)
    kind_column = forms.CharField(label=gettext_lazy("Column with the kind of absence"), max_length=100)
    hours_column = forms.CharField(
        label=gettext_lazy("Column with the hours (per day)"), max_length=100, required=False
    )
    lesson_hour_column = forms.CharField(
        label=gettext_lazy("Column with the lesson hour"), max_length=100, required=False
    )
    date_format = forms.ChoiceField(label=gettext_lazy("Date format"), choices=DateFormat.choices)
    lesson_minutes = forms.IntegerField(
        label=gettext_lazy("Minutes per lesson hour"), min_value=10, max_value=120, initial=60
    )
    kind_codes = forms.CharField(
        label=gettext_lazy(
            "Codes per kind, one per line (e.g. O = ongeoorloofd); a code that is not absence (present, homework "
            "forgotten) as “HV = geen verzuim”: its rows are skipped"
        ),
        widget=forms.Textarea(attrs={"rows": 6}),
        initial="O = ongeoorloofd\nG = geoorloofd\nZ = ziek\nL = te laat\nV = vrijstelling",
    )
    #: The version of the mapping the user read (0 for a new one); a stale version answers 409.
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=0, required=False)


class ImportView(LoginRequiredMixin, View):
    """Upload an absence export; the worker reads it and the report page follows its progress."""

    serves_child_data = False

    def _page(self, request: HttpRequest, form: UploadForm, status: int = 200) -> HttpResponse:
        user = _user(request)
        imports = AbsenceImport.objects.filter(school__in=services.importable_schools(user)).select_related(
            "school", "mapping"
        )[:20]
        return render(request, "attendance/import.html", {"form": form, "imports": imports}, status=status)

    def get(self, request: HttpRequest) -> HttpResponse:
        if not services.may_import_absence(_user(request)):
            raise PermissionDenied
        return self._page(request, UploadForm(_user(request)))

    def post(self, request: HttpRequest) -> HttpResponse:
        user = _user(request)
        if not services.may_import_absence(user):
            raise PermissionDenied
        form = UploadForm(user, request.POST, request.FILES)
        if not form.is_valid():
            return self._page(request, form, 400)
        try:
            record = services.start_upload(
                user, form.cleaned_data["school"], form.cleaned_data["mapping"], form.cleaned_data["file"]
            )
        except ValidationError as exc:
            add_refusal(form, exc)
            return self._page(request, form, 400)
        return redirect("attendance:import-report", import_id=record.pk)


class ImportReportView(LoginRequiredMixin, View):
    """Progress while the file is read; then the outcome, or the per-row report of a refused file."""

    serves_child_data = False

    def get(self, request: HttpRequest, import_id: int) -> HttpResponse:
        record = get_object_or_404(
            AbsenceImport.objects.select_related("school", "mapping"),
            pk=import_id,
            school__in=services.importable_schools(_user(request)),
        )
        busy = record.status in (ImportStatus.QUEUED, ImportStatus.RUNNING)
        progress = importer.read_progress(record.pk) if busy else {"rows": record.rows, "fraction": 1.0}
        context = {"record": record, "busy": busy, "progress": progress, "percent": int(progress["fraction"] * 100)}
        template = (
            "attendance/_import_status.html" if request.headers.get("HX-Request") else "attendance/import_report.html"
        )
        return render(request, template, context)


class MappingListView(LoginRequiredMixin, View):
    serves_child_data = False

    def get(self, request: HttpRequest) -> HttpResponse:
        user = _user(request)
        if not services.may_import_absence(user):
            raise PermissionDenied
        return render(request, "attendance/mappings.html", {"mappings": services.usable_mappings(user)})


class MappingEditView(LoginRequiredMixin, View):
    serves_child_data = False

    def _mapping(self, request: HttpRequest, mapping_id: int | None) -> ColumnMapping | None:
        user = _user(request)
        if not services.may_import_absence(user):
            raise PermissionDenied
        if mapping_id is None:
            return None
        return get_object_or_404(services.usable_mappings(user), pk=mapping_id)

    def get(self, request: HttpRequest, mapping_id: int | None = None) -> HttpResponse:
        mapping = self._mapping(request, mapping_id)
        initial = {}
        if mapping is not None:
            initial = {f: getattr(mapping, f) for f in MappingForm.base_fields if f != "kind_codes"}
            initial["kind_codes"] = services.mapping_codes_text(mapping)
        return render(
            request, "attendance/mapping_form.html", {"form": MappingForm(initial=initial or None), "mapping": mapping}
        )

    def post(self, request: HttpRequest, mapping_id: int | None = None) -> HttpResponse:
        mapping = self._mapping(request, mapping_id)
        user = _user(request)
        form = MappingForm(request.POST)
        if form.is_valid():
            values = dict(form.cleaned_data)
            version = values.pop("version")
            if mapping is not None and version is None:
                form.add_error(None, stale_mapping_message())
                return render(request, "attendance/mapping_form.html", {"form": form, "mapping": mapping}, status=400)
            try:
                values["kind_codes"], values["skip_codes"] = services.parse_kind_codes(values["kind_codes"])
                owner = mapping.owner if mapping else services.admin_organisations(user).first()
                services.save_mapping(user, owner, values, mapping, version=version)  # type: ignore[arg-type]
            except Conflict:
                # Someone saved in between: nothing written; the form keeps the user's values with the new version.
                current = ColumnMapping.objects.get(pk=mapping.pk) if mapping else None
                form = MappingForm({**request.POST.dict(), "version": current.version if current else 0})
                form.is_valid()
                form.add_error(None, stale_mapping_message())
                return render(request, "attendance/mapping_form.html", {"form": form, "mapping": current}, status=409)
            except ValidationError as exc:
                add_refusal(form, exc)
            else:
                messages.success(request, _("The column mapping is saved."))
                return redirect("attendance:mappings")
        return render(request, "attendance/mapping_form.html", {"form": form, "mapping": mapping}, status=400)


SIGNAL_STATUS_LABELS = (
    ("open", gettext_lazy("Open")),
    ("overdue", gettext_lazy("Overdue")),
    ("handled", gettext_lazy("Handled")),
    ("all", gettext_lazy("All")),
)


class SignalListView(ChildRecordView):
    """The absence signals as a work list (issue 14): open signals by their "handelen vóór" date, those past it
    first and marked "Te laat" in words; filters school, kind (protocol) and status (GET); paged with a true count.
    One access-log row per child shown on the page."""

    declaration = Declaration(get=search(ABSENCE), child_kwarg=None)

    def get(self, request: HttpRequest) -> HttpResponse:
        user, params = _user(request), request.GET
        today = timezone.localdate()
        protocols = list(services.signal_protocols(user))
        school = int_or_none(params.get("school"))
        protocol = int_or_none(params.get("kind"))
        protocol = protocol if protocol in {p.pk for p in protocols} else None
        status = choice(params.get("status"), services.SIGNAL_STATUSES, "open")
        found = services.signals_for(user, today=today, status=status, protocol=protocol)
        school = school if school in found.school_ids else None
        schools = list(Organisation.objects.filter(pk__in=found.school_ids).order_by("name"))
        signals = found.signals
        if school:
            signals = signals.filter(child__school_id=school)
        filters = {"school": school or "", "kind": protocol or "", "status": status}
        wp = paginate(signals, params.get("page"), params=filters)
        rows = wp.items
        for s in rows:
            s.overdue = s.handled_at is None and s.due_on < today
        shown = list({s.child_id: s.child for s in rows}.values())
        decisions = found.decisions(shown)
        self.log_shown(shown, decisions=[decisions[c.pk] for c in shown])
        context = {
            "signals": rows,
            "wp": wp,
            "filters": filters,
            "filtered": bool(school or protocol or status != "open"),
            "schools": schools,
            "protocols": protocols,
            "statuses": SIGNAL_STATUS_LABELS,
            "today": today,
        }
        return render(request, "attendance/signals.html", context)


class HandleForm(forms.Form):
    note = forms.CharField(
        label=gettext_lazy("What was done (e.g. reported to DUO, parents invited)"),
        widget=forms.Textarea(attrs={"rows": 3}),
    )


def _signal(request: HttpRequest, child: Any, kwargs: Any) -> ThresholdSignal | None:
    return ThresholdSignal.objects.filter(child=child, pk=kwargs["signal_id"]).select_related("protocol").first()


class SignalView(ChildRecordView):
    # Handling the signal: the service decides and logs it; a page shown again with errors is a read.
    declaration = Declaration(
        get=read(ABSENCE),
        post=update(ABSENCE, service_decides=True, also=Action.READ),
        object_type="absence_signal",
        find=_signal,
    )

    def get(self, request: HttpRequest, child_id: int, signal_id: int) -> HttpResponse:
        context = {"child": self.child, "signal": self.found, "form": HandleForm()}
        return render(request, "attendance/signal.html", context)

    def post(self, request: HttpRequest, child_id: int, signal_id: int) -> HttpResponse:
        child, signal = self.child, self.found
        form = HandleForm(request.POST)
        if form.is_valid():
            try:
                services.handle_signal(_user(request), signal, form.cleaned_data["note"])
            except ValidationError as exc:
                add_refusal(form, exc)
            else:
                messages.success(request, _("The signal is marked as handled."))
                return redirect("attendance:signals")
        self.log_shown_again()
        return render(request, "attendance/signal.html", {"child": child, "signal": signal, "form": form}, status=400)


class ChildAbsenceView(ChildRecordView):
    """A child's absence: hours per kind, the last records, signals and thuiszitter periods."""

    declaration = Declaration(get=read(ABSENCE), object_type="absence")

    def get(self, request: HttpRequest, child_id: int) -> HttpResponse:
        child = self.child
        records = AbsenceRecord.objects.filter(child=child).order_by("-date", "lesson_hour")[:60]
        context = {
            "child": child,
            "summary": services.absence_summary(child),
            "records": records,
            "signals": child.absence_signals.select_related("protocol").order_by("-crossed_on"),
            "periods": child.thuiszitter_periods.select_related("level").order_by("-started_on"),
            "can_register": tasks.may(_user(request), "register_thuiszitter", child)
            and not child.thuiszitter_periods.filter(ended_on__isnull=True).exists(),
        }
        return render(request, "attendance/child_absence.html", context)
