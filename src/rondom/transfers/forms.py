from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from .models import TransferKind


class OfferForm(forms.Form):
    school = forms.CharField(
        label=_("Next school (name or BRIN number)"),
        max_length=200,
        help_text=_("For example Thomas a Kempis College or 20XX."),
    )
    kind = forms.ChoiceField(label=_("Kind of transfer"), choices=TransferKind.choices)
    moves_on = forms.DateField(label=_("First day at the new school"), widget=forms.DateInput(attrs={"type": "date"}))
    previous_access_until = forms.DateField(
        label=_("Your school still reads the record until"),
        help_text=_("At the latest the end of the school year in which the child moves."),
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    message = forms.CharField(
        label=_("Message to the next school"), required=False, max_length=4000, widget=forms.Textarea(attrs={"rows": 4})
    )
    help = forms.MultipleChoiceField(
        label=_("Open help to offer"), required=False, widget=forms.CheckboxSelectMultiple, choices=()
    )
    professionals = forms.MultipleChoiceField(
        label=_("Professionals to introduce"), required=False, widget=forms.CheckboxSelectMultiple, choices=()
    )

    def __init__(self, *args: Any, help_choices: list[tuple[int, str]], people: list[tuple[int, str]], **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.fields["help"].choices = help_choices  # type: ignore[attr-defined]
        self.fields["professionals"].choices = people  # type: ignore[attr-defined]


class DeclineForm(forms.Form):
    decline_reason = forms.CharField(
        label=_("Why does your school decline?"), max_length=2000, widget=forms.Textarea(attrs={"rows": 3})
    )
    version = forms.IntegerField(widget=forms.HiddenInput)


class AcceptForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput)
