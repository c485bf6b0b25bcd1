"""The samenwerkingsverband's forms: planning, advice, decision, start and end of an arrangement. The rules are the
service's (rondom.swv.decisions); these only read the fields. Each form has its own prefix, so the page's several
forms have no duplicate ids."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from rondom.formfields import LocalDecimalField

from .models import Expertise, TlvCategory

DATE = forms.DateInput(format="%Y-%m-%d", attrs={"type": "date"})
YES_NO = [("yes", _("Yes")), ("no", _("No"))]


class _Versioned(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=0)


class PlanForm(_Versioned):
    meeting_on = forms.DateField(
        label=_("Meeting of the samenwerkingsverband"), widget=DATE, help_text=_("A working day, today or later.")
    )


class AdviceForm(forms.Form):
    expertise = forms.ChoiceField(label=_("Your expertise"), choices=Expertise.choices)
    recommends = forms.ChoiceField(label=_("Do you recommend granting?"), choices=YES_NO, widget=forms.RadioSelect)
    text = forms.CharField(label=_("Advice"), widget=forms.Textarea(attrs={"rows": 5}), max_length=5000)


class DecisionForm(_Versioned):
    granted = forms.ChoiceField(
        label=_("Decision"), choices=[("yes", _("Grant")), ("no", _("Refuse"))], widget=forms.RadioSelect
    )
    reason = forms.CharField(label=_("Reasons"), widget=forms.Textarea(attrs={"rows": 4}), max_length=5000)
    tlv_category = forms.ChoiceField(
        label=_("Category (declaration for special education only)"),
        choices=[("", "—"), *TlvCategory.choices],
        required=False,
    )
    valid_from = forms.DateField(label=_("Valid from"), widget=DATE, required=False)
    valid_until = forms.DateField(
        label=_("Valid until"),
        widget=DATE,
        required=False,
        help_text=_("A declaration holds for at least one school year; extra support for at most one."),
    )
    funding_granted = LocalDecimalField(
        label=_("Funding granted (euro)"), required=False, min_value=0, max_digits=9, decimal_places=2
    )
    late_reason = forms.CharField(
        label=_("Reason for deciding late"),
        widget=forms.Textarea(attrs={"rows": 2}),
        required=False,
        max_length=2000,
        help_text=_("Required when the decision comes after the last day to decide."),
    )

    def __init__(self, *args: Any, kind_has_category: bool = True, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not kind_has_category:
            del self.fields["tlv_category"]


class StartForm(_Versioned):
    started_on = forms.DateField(label=_("Started on"), widget=DATE)


class EndForm(_Versioned):
    ended_on = forms.DateField(label=_("Ended on"), widget=DATE)
