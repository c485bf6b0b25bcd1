"""Web pages of the roster import for a school's functioneel beheerder (issue 15): the upload (*Leerlingen
inlezen*), the dry run's report with its confirmation, the import's progress and outcome, and the column mappings of
spreadsheet exports. Thin: rondom.roster.uploads and the backend (services, readers) decide and write.

Who may: task right ``import_roster`` (the school's own functioneel beheerder); anyone else gets 403 on the pages
and 404 on another school's upload. The report lists pupils by the key and name the school's own system gives them,
to that school's beheerder only; the changes themselves are logged by `apply_roster`."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View

from rondom.accounts.models import Organisation, User
from rondom.refusals import add_refusal

from . import uploads
from .models import RosterUpload, UploadKind, UploadStatus


def _user(request: HttpRequest) -> User:
    return request.user  # type: ignore[return-value]


def _allowed(request: HttpRequest) -> User:
    user = _user(request)
    if not uploads.may_import_roster(user):
        raise PermissionDenied
    return user


class UploadForm(forms.Form):
    school: forms.ModelChoiceField[Any] = forms.ModelChoiceField(
        label=gettext_lazy("School"), queryset=Organisation.objects.none(), empty_label=None
    )
    kind = forms.ChoiceField(
        label=gettext_lazy("What is in the file"),
        choices=UploadKind.choices,
        initial=UploadKind.EDEXML,
        widget=forms.RadioSelect,
    )
    mapping = forms.TypedChoiceField(
        label=gettext_lazy("Column mapping (for a spreadsheet)"), coerce=int, required=False, empty_value=None
    )
    file = forms.FileField(
        label=gettext_lazy("File (EDEXML .xml, or CSV or XLSX)"),
        widget=forms.ClearableFileInput(attrs={"accept": ".xml,.csv,.txt,.xlsx"}),
    )

    def __init__(self, user: User, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        schools = uploads.roster_schools(user)
        field = self.fields["school"]
        field.queryset = schools  # type: ignore[attr-defined]
        if len(schools) == 1:  # one school: nothing to choose
            field.initial = schools[0].pk
            field.widget = forms.HiddenInput()
        mappings = [(m.pk, str(m)) for m in uploads.usable_mappings(user)]
        self.fields["mapping"].choices = [("", _("— none (EDEXML) —")), *mappings]  # type: ignore[attr-defined]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("kind") in (UploadKind.MAPPED, UploadKind.PARENTS) and not data.get("mapping"):
            self.add_error("mapping", _("Choose the column mapping of this spreadsheet."))
        return data


class UploadView(LoginRequiredMixin, View):
    """Leerlingen inlezen: choose the school (when several), what the file is, the mapping of a spreadsheet, and
    the file; the worker then dry-runs it and the report page follows."""

    serves_child_data = False

    def _page(self, request: HttpRequest, form: UploadForm, status: int = 200) -> HttpResponse:
        user = _user(request)
        recent = RosterUpload.objects.filter(school__in=uploads.roster_schools(user)).select_related("school")[:20]
        return render(request, "roster/upload.html", {"form": form, "uploads": recent}, status=status)

    def get(self, request: HttpRequest) -> HttpResponse:
        return self._page(request, UploadForm(_allowed(request)))

    def post(self, request: HttpRequest) -> HttpResponse:
        user = _allowed(request)
        form = UploadForm(user, request.POST, request.FILES)
        if not form.is_valid():
            return self._page(request, form, 400)
        try:
            record = uploads.start_upload(
                user,
                form.cleaned_data["school"],
                form.cleaned_data["kind"],
                form.cleaned_data["file"],
                mapping_id=form.cleaned_data.get("mapping"),
            )
        except ValidationError as exc:
            add_refusal(form, exc)
            return self._page(request, form, 400)
        return redirect("roster:report", upload_id=record.pk)


def _record(request: HttpRequest, upload_id: int) -> RosterUpload:
    """The upload, if it belongs to a school the user is the beheerder of; 404 otherwise (403 without the right)."""
    user = _allowed(request)
    return get_object_or_404(
        RosterUpload.objects.select_related("school"), pk=upload_id, school__in=uploads.roster_schools(user)
    )


class ReportView(LoginRequiredMixin, View):
    """Progress of the dry run or the import; then the dry run's report with the confirm button, the import's
    outcome, or the per-row report of a refused file. Polled by htmx while the worker runs."""

    serves_child_data = False

    def get(self, request: HttpRequest, upload_id: int) -> HttpResponse:
        record = _record(request, upload_id)
        busy = record.status in (UploadStatus.CHECKING, UploadStatus.APPLYING)
        progress = uploads.progress_of(record) if busy else {"rows": 0, "fraction": 1.0}
        report = record.result if record.status == UploadStatus.DONE else record.report
        lists = [
            (_("Pupils added") if record.status == UploadStatus.DONE else _("Pupils to be added"), "added"),
            (_("Pupils changed") if record.status == UploadStatus.DONE else _("Pupils to be changed"), "changed"),
            (
                _("Pupils marked as having left")
                if record.status == UploadStatus.DONE
                else _("Pupils to be marked as having left"),
                "ended",
            ),
        ]
        context = {
            "record": record,
            "lists": [(title, report.get(key) or [], f"roster-{key}") for title, key in lists],
            "error_count": record.report.get("error_count", len(record.errors)),
            "busy": busy,
            "progress": progress,
            "percent": int(progress["fraction"] * 100),
            "report": report,
        }
        template = "roster/_status.html" if request.headers.get("HX-Request") else "roster/report.html"
        return render(request, template, context)


class ConfirmView(LoginRequiredMixin, View):
    """The beheerder confirms the dry run: the import itself is queued once, however often this is posted."""

    serves_child_data = False

    def post(self, request: HttpRequest, upload_id: int) -> HttpResponse:
        record = _record(request, upload_id)
        if uploads.confirm(_user(request), record):
            messages.success(request, _("The import has started."))
        return redirect("roster:report", upload_id=record.pk)
