"""Consent pages on a child's record: every consent on one page, give and withdraw."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from rondom.access import policy
from rondom.access.declared import ChildRecordView, Declaration, create, read, update
from rondom.accounts.models import Organisation
from rondom.core.categories import Action, DataCategory
from rondom.records import consent as services
from rondom.refusals import add_refusal, refusal_text
from rondom.registry.models import Child

from .models import Capacity, Consent, Purpose


class ConsentForm(forms.Form):
    purpose = forms.ChoiceField(label=gettext_lazy("Purpose"), choices=Purpose.choices)
    categories = forms.MultipleChoiceField(
        label=gettext_lazy("Parts of the record"), choices=DataCategory.choices, widget=forms.CheckboxSelectMultiple
    )
    recipient = forms.ModelChoiceField(
        label=gettext_lazy("Recipient"), queryset=Organisation.objects.all(), required=False
    )
    parents = forms.MultipleChoiceField(
        label=gettext_lazy("Given by parents with authority"), required=False, widget=forms.CheckboxSelectMultiple
    )
    youth = forms.BooleanField(label=gettext_lazy("Given by the youth"), required=False)
    valid_until = forms.DateField(
        label=gettext_lazy("Valid until"),
        required=False,
        widget=forms.DateInput(format="%Y-%m-%d", attrs={"type": "date"}),
    )

    def __init__(self, child: Child, *args, **kwargs) -> None:  # type: ignore[no-untyped-def]
        super().__init__(*args, **kwargs)
        self.child = child
        self.fields["parents"].choices = [  # type: ignore[attr-defined]
            (str(g.pk), g.user.get_full_name() or g.user.username)
            for g in child.guardianships.filter(has_authority=True).select_related("user")
        ]


def _givers(form: ConsentForm) -> list[services.Giver]:
    guardianships = {str(g.pk): g for g in form.child.guardianships.all()}
    givers = [services.Giver(Capacity.PARENT, guardianships[pk]) for pk in form.cleaned_data["parents"]]
    if form.cleaned_data["youth"]:
        givers.append(services.Giver(Capacity.YOUTH))
    return givers


class ConsentListView(ChildRecordView):
    declaration = Declaration(get=read(DataCategory.SUPPORT), post=create(DataCategory.SUPPORT), object_type="consents")

    def get(self, request: HttpRequest, child_id: int) -> HttpResponse:
        return self._render(request, self.child, ConsentForm(self.child))

    def post(self, request: HttpRequest, child_id: int) -> HttpResponse:
        child = self.child
        form = ConsentForm(child, request.POST)
        if form.is_valid():
            try:
                services.give_consent(
                    request.user,  # type: ignore[arg-type]
                    child,
                    purpose=form.cleaned_data["purpose"],
                    categories=form.cleaned_data["categories"],
                    recipient=form.cleaned_data["recipient"],
                    givers=_givers(form),
                    valid_until=form.cleaned_data["valid_until"],
                )
            except ValidationError as exc:
                add_refusal(form, exc)
            else:
                messages.success(request, _("The consent was recorded."))
                return redirect("consent:child-consents", child_id=child.pk)
        return self._render(request, child, form, status=400)

    def _render(self, request: HttpRequest, child: Child, form: ConsentForm, status: int = 200) -> HttpResponse:
        consents = Consent.objects.filter(child=child).select_related("recipient").prefetch_related("givers")
        can_write = policy.decide(request.user, child, Action.CREATE, DataCategory.SUPPORT).allowed  # type: ignore[arg-type]
        return render(
            request,
            "consent/consent_list.html",
            {"child": child, "consents": consents, "form": form if can_write else None},
            status=status,
        )


def _consent(request: HttpRequest, child: Child, kwargs: Any) -> Consent | None:
    return Consent.objects.filter(pk=kwargs["consent_id"], child=child).first()


class WithdrawView(ChildRecordView):
    # No read row: nothing is shown here; the withdrawal itself is logged by the service (or nothing happens).
    # Who may withdraw is the service's rule (403 there); reading the support record is needed first.
    declaration = Declaration(
        post=update(DataCategory.SUPPORT, service_decides=True, also=Action.READ), object_type="consent", find=_consent
    )

    def post(self, request: HttpRequest, child_id: int, consent_id: int) -> HttpResponse:
        child, consent = self.child, self.found
        capacity = request.POST.get("on_behalf", "")
        guardianship = child.guardianships.filter(has_authority=True).first()
        giver = services.Giver(capacity, guardianship if capacity == Capacity.PARENT else None) if capacity else None
        try:
            services.withdraw_consent(request.user, consent, on_behalf=giver)  # type: ignore[arg-type]
        except ValidationError as exc:
            messages.error(request, refusal_text(exc))
        else:
            messages.success(request, _("The consent was withdrawn. Access that relied on it has ended."))
        return redirect("consent:child-consents", child_id=child.pk)
