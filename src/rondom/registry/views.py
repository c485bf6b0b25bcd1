"""Web pages for a child's record. Thin: the policy decides, services write, every look is logged."""

from __future__ import annotations

from typing import cast

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from rondom.access import emergency, policy, tasks
from rondom.access import services as access_services
from rondom.access.declared import (
    NO_CHILD_DATA,
    PER_OBJECT,
    ChildRecordView,
    Declaration,
    create,
    read,
    search,
)
from rondom.accounts.models import User
from rondom.core.categories import Action, DataCategory
from rondom.limits import FREE_TEXT_MAX
from rondom.records import selectors, services
from rondom.refusals import add_refusal

from .bsn import bsn_error
from .models import ChildNote


class SearchForm(forms.Form):
    q = forms.CharField(label=gettext_lazy("Search by name"), required=False, max_length=100)


class NoteForm(forms.Form):
    category = forms.ChoiceField(
        label=gettext_lazy("Part of the record"),
        choices=[(c, label) for c, label in DataCategory.choices if c != DataCategory.IDENTITY],
    )
    text = forms.CharField(
        label=gettext_lazy("Note"), widget=forms.Textarea(attrs={"rows": 4}), max_length=FREE_TEXT_MAX
    )


class EmergencyForm(forms.Form):
    bsn = forms.CharField(
        label=gettext_lazy("BSN of the child"), max_length=11, widget=forms.TextInput(attrs={"autocomplete": "off"})
    )
    reason = forms.CharField(
        label=gettext_lazy("Why do you need access now?"), widget=forms.Textarea(attrs={"rows": 4})
    )

    def clean_bsn(self) -> str:
        value = self.cleaned_data["bsn"]
        error = bsn_error(value)
        if error:
            raise forms.ValidationError(error)
        return str(value)


class ChildListView(ChildRecordView):
    """'Mijn leerlingen': children in the user's scope. The search term travels in a POST body, never in the URL."""

    declaration = Declaration(get=search(DataCategory.IDENTITY), post=search(DataCategory.IDENTITY), child_kwarg=None)

    def get(self, request: HttpRequest) -> HttpResponse:
        return self._render(request, SearchForm())

    def post(self, request: HttpRequest) -> HttpResponse:
        return self._render(request, SearchForm(request.POST))

    def _render(self, request: HttpRequest, form: SearchForm) -> HttpResponse:
        term = form.cleaned_data.get("q", "") if form.is_valid() else ""
        children = list(selectors.search_children(request.user, term)[:50])  # type: ignore[arg-type]
        self.log_shown(children)
        return render(request, "registry/child_list.html", {"form": form, "children": children, "term": term})


class ChildDetailView(ChildRecordView):
    # The record: basic details (the declared read), and one row per note category shown.
    declaration = Declaration(get=read(DataCategory.IDENTITY))

    def get(
        self, request: HttpRequest, child_id: int, note_form: NoteForm | None = None, status: int = 200
    ) -> HttpResponse:
        """The record; `note_form` (from NoteCreateView, after an error) is the posted note form, shown again bound
        with what was typed, answered with `status`."""
        child, decision = self.child, self.decision
        # Read every ground once; decide per part of the record from that.
        bases = policy.bases_for(request.user, child)  # type: ignore[arg-type]
        readable = sorted({c for b in bases for c, m in b.permissions.items() if "r" in m})
        shown = [c for c in readable if c != DataCategory.IDENTITY]
        self.log_parts(((c, "notes", c) for c in shown), bases=bases)
        notes: dict[str, list[ChildNote]] = {c: [] for c in shown}
        for note in child.notes.filter(category__in=shown).select_related("author_organisation"):
            notes[note.category].append(note)
        writable = [
            c
            for c in DataCategory.values
            if c != DataCategory.IDENTITY and policy.decide_with(bases, Action.CREATE, c).allowed
        ]
        sections = [
            {"category": c, "label": DataCategory(c).label, "notes": notes[c], "can_write": c in writable}
            for c in shown
        ]
        form = note_form or NoteForm()
        form.fields["category"].choices = [(c, DataCategory(c).label) for c in writable]  # type: ignore[attr-defined]
        return render(
            request,
            "registry/child_detail.html",
            {
                "child": child,
                "decision": decision,
                "sections": sections,
                "note_form": form if writable else None,
                "can_read_support": DataCategory.SUPPORT in readable,
                "can_read_absence": DataCategory.ABSENCE in readable,
            },
            status=status,
        )


class NoteCreateView(ChildRecordView):
    # The category is chosen in the form; the service decides on it (403) and logs.
    declaration = Declaration(post=create(PER_OBJECT, service_decides=True))

    def post(self, request: HttpRequest, child_id: int) -> HttpResponse:
        form = NoteForm(request.POST)
        if form.is_valid():
            category, child = form.cleaned_data["category"], self.child
            try:
                services.add_note(request.user, child, category, form.cleaned_data["text"])  # type: ignore[arg-type]
            except ValidationError as exc:
                add_refusal(form, exc)
            else:
                messages.success(request, _("The note was saved."))
                return redirect("registry:child-detail", child_id=child.pk)
        # The record page again (400) with the note as typed and the error summary; the page logs what it shows
        # (the record's parts), and the declared path logs the page shown again as a read.
        return ChildDetailView.get(cast(ChildDetailView, self), request, self.child.pk, note_form=form, status=400)


class EmergencyAccessView(ChildRecordView):
    """The emergency button ('noodknop'): find a child by BSN (in the POST body, never the URL), write down why,
    and read the record for a few hours. Every look is logged as emergency access and reviewed afterwards."""

    # Outside the user's scope by design: the service finds the child, decides and logs the button pressed.
    declaration = Declaration(
        get=NO_CHILD_DATA,
        post=create(DataCategory.IDENTITY, service_decides=True),
        object_type="emergency_access",
        child_kwarg=None,
    )

    def get(self, request: HttpRequest) -> HttpResponse:
        if not tasks.may(request.user, "use_emergency_access"):  # type: ignore[arg-type]
            raise PermissionDenied
        return render(request, "registry/emergency.html", {"form": EmergencyForm()})

    def post(self, request: HttpRequest) -> HttpResponse:
        user: User = request.user  # type: ignore[assignment]
        if not tasks.may(user, "use_emergency_access"):
            raise PermissionDenied
        form = EmergencyForm(request.POST)
        status = 400
        if form.is_valid():
            child = selectors.child_by_bsn(form.cleaned_data["bsn"])
            membership = emergency.membership_for(user, child) if child is not None else None
            if child is None or membership is None:
                form.add_error("bsn", _("No child with this BSN is registered in Rondom."))
            else:
                try:
                    access_services.start_emergency_access(user, child, membership, form.cleaned_data["reason"])
                except ValidationError as exc:
                    form.add_error("reason", " ".join(exc.messages))
                except emergency.EmergencyLimitReached as exc:
                    form.add_error(None, exc.message)
                    status = 429
                except PermissionDenied as exc:
                    form.add_error("bsn", str(exc) or _("You cannot use the emergency button for this child."))
                    status = 403
                else:
                    messages.warning(request, _("Emergency access is on. It is logged and will be reviewed."))
                    return redirect("registry:child-detail", child_id=child.pk)
        return render(request, "registry/emergency.html", {"form": form}, status=status)
