"""Staff pages for a signature on paper: record a parent's (or the youth's) signed instemming with the scan, and
download a scan through the guarded view only (the scans are stored outside the static and media folders). Thin:
rondom.opp.instemming.record_paper_instemming decides, writes and logs."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from rondom.access.declared import ChildRecordView, Declaration, read, update
from rondom.accounts.models import User
from rondom.core.categories import Action, DataCategory
from rondom.refusals import add_refusal

from . import instemming as service
from .models import Instemming

DATE = forms.DateInput(format="%Y-%m-%d", attrs={"type": "date"})


class PaperForm(forms.Form):
    signer = forms.ChoiceField(label=gettext_lazy("Who signed"))
    agrees = forms.TypedChoiceField(
        label=gettext_lazy("What did they sign?"),
        choices=[("yes", gettext_lazy("Agrees with the handelingsdeel")), ("no", gettext_lazy("Does not agree"))],
        coerce=lambda v: v == "yes",
        widget=forms.RadioSelect,
    )
    signed_on = forms.DateField(
        label=gettext_lazy("Signed on"), widget=forms.DateInput(format="%Y-%m-%d", attrs={"type": "date"})
    )
    own_words = forms.CharField(
        label=gettext_lazy("What the parent or youth wrote (if anything)"),
        required=False,
        max_length=service.OWN_WORDS_MAX,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    scan = forms.FileField(
        label=gettext_lazy("Scan of the signed paper (PDF, JPG or PNG)"),
        widget=forms.ClearableFileInput(attrs={"accept": ",".join(service.SCAN_SUFFIXES)}),
    )

    def __init__(self, deciders: list[service.Decider], *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.deciders = {d.key: d for d in deciders}
        choices = [(d.key, d.name if d.guardianship else _("The youth himself")) for d in deciders]
        self.fields["signer"].choices = choices  # type: ignore[attr-defined]


class PaperView(ChildRecordView):
    """Record a signature on paper with its scan; the page shows where the instemming stands."""

    # Only who may record it sees the form: a read of the support record that also needs the right to change it.
    declaration = Declaration(
        get=read(DataCategory.SUPPORT, also=Action.UPDATE),
        post=update(DataCategory.SUPPORT),
        object_type="opp_instemming",
    )

    def _render(self, request: HttpRequest, form: PaperForm | None = None, status: int = 200) -> HttpResponse:
        today = timezone.localdate()
        plan = service.current_opp(self.child)
        form = form or PaperForm(service.deciders(self.child, today), initial={"signed_on": today})
        return render(request, "opp/paper.html", {"child": self.child, "plan": plan, "form": form}, status=status)

    def get(self, request: HttpRequest, child_id: int) -> HttpResponse:
        return self._render(request)

    def post(self, request: HttpRequest, child_id: int) -> HttpResponse:
        plan = service.current_opp(self.child)
        if plan is None:  # nothing to sign: the page says so (no form)
            return self._render(request, status=400)
        today = timezone.localdate()
        form = PaperForm(service.deciders(self.child, today), request.POST, request.FILES)
        if form.is_valid():
            decider = form.deciders[form.cleaned_data["signer"]]
            actor: User = request.user  # type: ignore[assignment]
            try:
                service.record_paper_instemming(
                    actor,
                    plan,
                    decider.guardianship,
                    agrees=form.cleaned_data["agrees"],
                    signed_on=form.cleaned_data["signed_on"],
                    scan=form.cleaned_data["scan"],
                    own_words=form.cleaned_data["own_words"],
                    today=today,
                )
            except ValidationError as exc:
                add_refusal(form, exc, fields={"guardianship": "signer"})
            else:
                messages.success(request, _("The signature on paper is recorded with its scan."))
                return redirect("opp:paper", child_id=self.child.pk)
        return self._render(request, form, status=400)


def _instemming_with_scan(request: HttpRequest, child: Any, kwargs: Any) -> Instemming | None:
    return Instemming.objects.filter(child=child, pk=kwargs["instemming_id"]).exclude(scan="").first()


class ScanView(ChildRecordView):
    """Download the scan of a paper signature (an attachment, never shown inline), for who may read the support
    record; the read is logged by the declaration."""

    declaration = Declaration(get=read(DataCategory.SUPPORT), object_type="instemming_scan", find=_instemming_with_scan)

    def get(self, request: HttpRequest, child_id: int, instemming_id: int) -> FileResponse:
        instemming: Instemming = self.found
        return FileResponse(
            instemming.scan.open("rb"),
            as_attachment=True,
            filename=instemming.scan_name or "scan",
            content_type=instemming.scan_content_type or "application/octet-stream",
        )


urlpatterns = [
    path("kinderen/<int:child_id>/opp/instemming-op-papier/", PaperView.as_view(), name="paper"),
    path(
        "kinderen/<int:child_id>/opp/instemming/<int:instemming_id>/scan/", ScanView.as_view(), name="instemming-scan"
    ),
]
