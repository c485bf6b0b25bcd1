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
from rondom.attendance.views import stale_mapping_message
from rondom.refusals import add_refusal, refusal_text
from rondom.versioning import Conflict

from . import uploads
from .models import RosterDateFormat, RosterMapping, RosterUpload, UploadKind, UploadStatus


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
    full = forms.BooleanField(
        label=gettext_lazy("This file holds every current pupil of the school"),
        help_text=gettext_lazy(
            "Only then are pupils missing from the file marked as having left. Untick it for an export of some "
            "pupils, such as one group or the new pupils."
        ),
        required=False,
        initial=True,
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
        mappings = [(m.pk, f"{m} ({m.school})" if len(schools) > 1 else str(m)) for m in uploads.usable_mappings(user)]
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
                full=bool(form.cleaned_data.get("full")),
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
            "needs_acknowledgement": record.status == UploadStatus.CHECKED and uploads.needs_acknowledgement(report),
        }
        template = "roster/_status.html" if request.headers.get("HX-Request") else "roster/report.html"
        return render(request, template, context)


class ConfirmView(LoginRequiredMixin, View):
    """The beheerder confirms the dry run: the import itself is queued once, however often this is posted."""

    serves_child_data = False

    def post(self, request: HttpRequest, upload_id: int) -> HttpResponse:
        record = _record(request, upload_id)
        try:
            queued = uploads.confirm(_user(request), record, acknowledged=request.POST.get("acknowledged") == "1")
        except ValidationError as exc:
            messages.error(request, refusal_text(exc))
            return redirect("roster:report", upload_id=record.pk)
        if queued:
            messages.success(request, _("The import has started."))
        return redirect("roster:report", upload_id=record.pk)


#: The mapping form's column fields: a field of the pupils or the parents file -> its label.
COLUMN_LABELS: dict[str, Any] = {
    "key": gettext_lazy("Column with the pupil's key (pupil number)"),
    "pupil_key": gettext_lazy("Column with the pupil's key (in a parents file)"),
    "given_name": gettext_lazy("Column with the given name (roepnaam)"),
    "voorvoegsel": gettext_lazy("Column with the voorvoegsel"),
    "family_name": gettext_lazy("Column with the family name"),
    "date_of_birth": gettext_lazy("Column with the date of birth"),
    "group": gettext_lazy("Column with the group or class"),
    "bsn": gettext_lazy("Column with the BSN"),
    "onderwijsnummer": gettext_lazy("Column with the onderwijsnummer"),
    "teacher_email": gettext_lazy("Column with the e-mail addresses of the group's teachers"),
    "relation": gettext_lazy("Column with the relation to the pupil"),
    "has_authority": gettext_lazy("Column with parental authority (yes/no)"),
    "email": gettext_lazy("Column with the e-mail address"),
    "phone": gettext_lazy("Column with the phone number"),
}


class MappingForm(forms.Form):
    name = forms.CharField(label=gettext_lazy("Name"), max_length=100)
    school: forms.ModelChoiceField[Any] = forms.ModelChoiceField(
        label=gettext_lazy("School"), queryset=Organisation.objects.none(), empty_label=None
    )
    kind = forms.ChoiceField(label=gettext_lazy("Kind of file"), choices=RosterMapping.Kind.choices)
    date_format = forms.ChoiceField(label=gettext_lazy("Date format"), choices=RosterDateFormat.choices)
    relation_values = forms.CharField(
        label=gettext_lazy(
            "The file's own words for a relation, one per line (e.g. “Mama = ouder”); common words such as moeder, "
            "vader, voogd and pleegouder are known already"
        ),
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
    )
    #: The version of the mapping the user read (0 for a new one); a stale version answers 409.
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=0, required=False)

    def __init__(self, user: User, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        schools = uploads.roster_schools(user)
        self.fields["school"].queryset = schools  # type: ignore[attr-defined]
        if len(schools) == 1:
            self.fields["school"].initial = schools[0].pk
            self.fields["school"].widget = forms.HiddenInput()
        for field, label in COLUMN_LABELS.items():
            self.fields[f"column_{field}"] = forms.CharField(label=label, max_length=100, required=False)

    def values(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {
            "name": data["name"],
            "kind": data["kind"],
            "date_format": data["date_format"],
            "columns": {
                ("key" if f == "pupil_key" and data["kind"] == RosterMapping.Kind.PUPILS else f): data[f"column_{f}"]
                for f in COLUMN_LABELS
                if data.get(f"column_{f}")
            },
            "relation_values": uploads.parse_relation_words(data.get("relation_values") or ""),
        }


def _mapping_initial(mapping: RosterMapping) -> dict[str, Any]:
    initial: dict[str, Any] = {
        "name": mapping.name,
        "school": mapping.school_id,
        "kind": mapping.kind,
        "date_format": mapping.date_format,
        "version": mapping.version,
        "relation_values": "\n".join(f"{w} = {r}" for w, r in (mapping.relation_values or {}).items()),
    }
    initial.update({f"column_{f}": v for f, v in (mapping.columns or {}).items()})
    return initial


class MappingListView(LoginRequiredMixin, View):
    """The saved column mappings of the beheerder's schools, for pupils and for parents spreadsheets."""

    serves_child_data = False

    def get(self, request: HttpRequest) -> HttpResponse:
        mappings = uploads.usable_mappings(_allowed(request))
        return render(request, "roster/mappings.html", {"mappings": mappings})


class MappingEditView(LoginRequiredMixin, View):
    """A new or changed column mapping; someone else's save in between answers 409 with the user's values kept."""

    serves_child_data = False

    def _mapping(self, request: HttpRequest, mapping_id: int | None) -> RosterMapping | None:
        user = _allowed(request)
        if mapping_id is None:
            return None
        return get_object_or_404(uploads.usable_mappings(user), pk=mapping_id)

    def _page(self, request: HttpRequest, form: MappingForm, mapping: Any, status: int = 200) -> HttpResponse:
        return render(request, "roster/mapping_form.html", {"form": form, "mapping": mapping}, status=status)

    def get(self, request: HttpRequest, mapping_id: int | None = None) -> HttpResponse:
        mapping = self._mapping(request, mapping_id)
        initial = _mapping_initial(mapping) if mapping else {"version": 0}
        return self._page(request, MappingForm(_user(request), initial=initial), mapping)

    def post(self, request: HttpRequest, mapping_id: int | None = None) -> HttpResponse:
        mapping = self._mapping(request, mapping_id)
        user = _user(request)
        form = MappingForm(user, request.POST)
        if not form.is_valid():
            return self._page(request, form, mapping, 400)
        version = form.cleaned_data.get("version")
        try:
            uploads.save_mapping(
                user,
                mapping.school if mapping else form.cleaned_data["school"],
                form.values(),
                mapping,
                version=version if mapping else None,
            )
        except Conflict:
            current = RosterMapping.objects.get(pk=mapping.pk)  # type: ignore[union-attr]
            form = MappingForm(user, {**request.POST.dict(), "version": current.version})
            form.is_valid()
            form.add_error(None, stale_mapping_message())
            return self._page(request, form, current, 409)
        except ValidationError as exc:
            add_refusal(form, exc, {f: f"column_{f}" for f in COLUMN_LABELS})
            return self._page(request, form, mapping, 400)
        messages.success(request, _("The column mapping is saved."))
        return redirect("roster:mappings")
