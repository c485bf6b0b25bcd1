"""The school's forms for a request to the samenwerkingsverband: the request itself, releasing documents on the
parents' consent, withdrawing. Thin: rondom.swv.services checks the rules."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from .models import RequestKind
from .services import FUNDING_MAX, QUESTION_MAX


class RequestForm(forms.Form):
    kind = forms.ChoiceField(label=_("What do you ask the samenwerkingsverband?"), choices=RequestKind.choices)
    question = forms.CharField(
        label=_("Question to the samenwerkingsverband"),
        max_length=QUESTION_MAX,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("Filled in from the case; change it when the question to the samenwerkingsverband is different."),
    )
    funding_requested = forms.DecimalField(
        label=_("Funding requested (euro), extra support only"),
        required=False,
        min_value=0,
        max_value=FUNDING_MAX,
        decimal_places=2,
        max_digits=9,
        localize=True,
        widget=forms.TextInput(attrs={"inputmode": "decimal"}),
    )
    documents = forms.MultipleChoiceField(
        label=_("Documents to attach (released by the parents)"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, *args: Any, documents: list[tuple[str, str]] = (), **kwargs: Any) -> None:  # type: ignore[assignment]
        super().__init__(*args, **kwargs)
        self.fields["documents"].choices = list(documents)  # type: ignore[attr-defined]


class ReleaseForm(forms.Form):
    consent = forms.TypedChoiceField(label=_("Consent for the samenwerkingsverband"), coerce=int)
    documents = forms.MultipleChoiceField(
        label=_("Documents the parents released"), widget=forms.CheckboxSelectMultiple
    )

    def __init__(
        self,
        *args: Any,
        consents: list[tuple[int, str]] = (),  # type: ignore[assignment]
        documents: list[tuple[str, str]] = (),  # type: ignore[assignment]
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["consent"].choices = list(consents)  # type: ignore[attr-defined]
        self.fields["documents"].choices = list(documents)  # type: ignore[attr-defined]


class WithdrawForm(forms.Form):
    reason = forms.CharField(label=_("Why is the request withdrawn?"), max_length=QUESTION_MAX)
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=0)


class FamilyReleaseForm(forms.Form):
    """The family releases documents to the samenwerkingsverband themselves (portal)."""

    documents = forms.MultipleChoiceField(
        label=_("Which documents may the samenwerkingsverband read?"), widget=forms.CheckboxSelectMultiple
    )

    def __init__(self, *args: Any, documents: list[tuple[str, str]] = (), **kwargs: Any) -> None:  # type: ignore[assignment]
        super().__init__(*args, **kwargs)
        self.fields["documents"].choices = list(documents)  # type: ignore[attr-defined]
