"""The forms of the OPP's staff pages: the OPP's parts (sections, handelingsdeel rows, the child's voice and the
parents' view per section), marking a plan as an OPP, and the yearly evaluation with the parents.

The handelingsdeel rows are numbered fields ``handelingsdeel-<i>-<key>`` (the keys of
rondom.opp.sections.HANDELINGSDEEL_KEYS): the service's error keys for a row use the same names. Without JavaScript
a row is added by a submit button that shows the form again with one more empty row; a row is removed by ticking its
"remove" box. The form checks only the types (a date is a date); the rules are the service's (rondom.opp.services).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from django import forms
from django.utils.formats import number_format
from django.utils.translation import gettext_lazy as _

from rondom.limits import FREE_TEXT_MAX

from .sections import SECTIONS, UITSTROOMPROFIELEN, VOICE_KEYS, OppBasis, section_label
from .services import HANDELINGSDEEL_ROWS_MAX, ROW_FIELD_MAX

_ROW = re.compile(r"^handelingsdeel-(\d+)-(\w+)$")
ROW_TEXT_FIELDS = (("support", _("What support")), ("by", _("By whom")), ("where", _("Where")))


def posted_rows(data: Mapping[str, Any]) -> list[int]:
    """The row numbers of a posted form, in order (at most one more than allowed, so too many is refused)."""
    rows = sorted({int(m.group(1)) for key in data if (m := _ROW.match(key))})
    return rows[: HANDELINGSDEEL_ROWS_MAX + 1]


def _textarea(rows: int = 3) -> forms.Textarea:
    return forms.Textarea(attrs={"rows": rows})


class OppForm(forms.Form):
    """The OPP's parts. `opp`: the stored OPP (shape of `content["opp"]`) for a new form; `rows`: the row numbers of a
    posted form (`posted_rows`); `extra_rows`: empty rows added at the end."""

    base_version = forms.IntegerField(widget=forms.HiddenInput)

    def __init__(
        self,
        *args: Any,
        opp: dict[str, Any] | None = None,
        rows: list[int] | None = None,
        extra_rows: int = 0,
        **kwargs: Any,
    ) -> None:
        opp = opp or {}
        initial: dict[str, Any] = dict(kwargs.pop("initial", None) or {})
        stored = [r for r in opp.get("handelingsdeel", []) if isinstance(r, dict)]
        numbers = list(rows) if rows is not None else list(range(len(stored)))
        numbers += [max(numbers, default=-1) + 1 + i for i in range(extra_rows)]
        if rows is None:
            for i, row in enumerate(stored):
                for key, value in row.items():
                    initial[f"handelingsdeel-{i}-{key}"] = _shown(key, value)
            for section in SECTIONS:
                initial[section.key] = opp.get(section.key, "")
            for part in ("child_voice", "parents_view"):
                for key, value in (opp.get(part) or {}).items():
                    initial[f"{part}-{key}"] = value
        kwargs["initial"] = initial
        super().__init__(*args, **kwargs)
        self.row_numbers = numbers
        for section in SECTIONS:
            if section.key == "uitstroomprofiel":
                self.fields[section.key] = forms.ChoiceField(
                    label=str(section.label),
                    required=False,
                    choices=[("", "—"), *UITSTROOMPROFIELEN],
                    help_text=_("Required in special education."),
                )
            elif section.key == "uitstroombestemming":
                self.fields[section.key] = forms.CharField(
                    label=str(section.label),
                    required=False,
                    max_length=FREE_TEXT_MAX,
                    help_text=_("Required. For example: vmbo basis/kader, havo, praktijkonderwijs."),
                )
            else:
                self.fields[section.key] = forms.CharField(
                    label=str(section.label), required=False, max_length=FREE_TEXT_MAX, widget=_textarea()
                )
        for i in numbers:
            prefix = f"handelingsdeel-{i}-"
            self.fields[prefix + "id"] = forms.CharField(required=False, widget=forms.HiddenInput)
            for key, label in ROW_TEXT_FIELDS:
                self.fields[prefix + key] = forms.CharField(label=label, required=False, max_length=ROW_FIELD_MAX)
            self.fields[prefix + "hours_per_week"] = forms.CharField(
                label=_("Hours per week"),
                required=False,
                max_length=10,
                widget=forms.TextInput(attrs={"inputmode": "decimal"}),
            )
            for key, label in (("from", _("From")), ("until", _("Until"))):
                self.fields[prefix + key] = forms.DateField(
                    label=label, required=False, widget=forms.DateInput(format="%Y-%m-%d", attrs={"type": "date"})
                )
            self.fields[prefix + "remove"] = forms.BooleanField(label=_("Remove this row"), required=False)
        for part, name in (("child_voice", _("In the child's own words")), ("parents_view", _("The parents' view"))):
            for key in VOICE_KEYS:
                self.fields[f"{part}-{key}"] = forms.CharField(
                    label=f"{name}: {section_label(key)}", required=False, max_length=FREE_TEXT_MAX, widget=_textarea(2)
                )

    # --- what the template walks ---------------------------------------------------------------------------

    def section_fields(self) -> list[forms.BoundField]:
        return [self[s.key] for s in SECTIONS]

    def row_blocks(self) -> list[dict[str, Any]]:
        blocks = []
        for n, i in enumerate(self.row_numbers, start=1):
            prefix = f"handelingsdeel-{i}-"
            blocks.append(
                {
                    "n": n,
                    "id": self[prefix + "id"],
                    "fields": [self[prefix + k] for k in ("support", "by", "where", "hours_per_week", "from", "until")],
                    "remove": self[prefix + "remove"],
                }
            )
        return blocks

    def voice_blocks(self) -> list[dict[str, Any]]:
        return [
            {"label": section_label(key), "child": self[f"child_voice-{key}"], "parents": self[f"parents_view-{key}"]}
            for key in VOICE_KEYS
        ]

    # --- what the service gets ------------------------------------------------------------------------------

    def opp(self) -> tuple[dict[str, Any], list[int]]:
        """The OPP to save (shape of `content["opp"]`) and, per row sent, its row number in the form (so that the
        service's error ``handelingsdeel-<index>-...`` lands on the right field). Removed and empty rows are left
        out. Call after is_valid()."""
        data = self.cleaned_data
        opp: dict[str, Any] = {s.key: data.get(s.key) or "" for s in SECTIONS}
        rows, kept = [], []
        for i in self.row_numbers:
            prefix = f"handelingsdeel-{i}-"
            if data.get(prefix + "remove"):
                continue
            row: dict[str, Any] = {}
            for key in ("id", "support", "by", "where", "hours_per_week"):
                row[key] = data.get(prefix + key) or ""
            for key in ("from", "until"):
                value = data.get(prefix + key)
                row[key] = value.isoformat() if isinstance(value, date) else ""
            if not any(v for k, v in row.items() if k != "id"):
                continue
            rows.append(row)
            kept.append(i)
        opp["handelingsdeel"] = rows
        for part in ("child_voice", "parents_view"):
            opp[part] = {key: data.get(f"{part}-{key}") or "" for key in VOICE_KEYS if data.get(f"{part}-{key}")}
        return opp, kept

    def error_fields(self, kept: list[int]) -> dict[str, str]:
        """The service's row error keys (index in the list sent) onto the form's field names (row numbers)."""
        mapping = {}
        for index, number in enumerate(kept):
            for key in ("support", "by", "where", "hours_per_week", "from", "until"):
                mapping[f"handelingsdeel-{index}-{key}"] = f"handelingsdeel-{number}-{key}"
        return mapping


def _shown(key: str, value: Any) -> Any:
    """A stored handelingsdeel value as the form shows it: the hours (stored with a decimal point, "1.5") in the
    user's own notation through Django's l10n ("1,5" in Dutch); the services read both."""
    if key == "hours_per_week" and value:
        try:
            return number_format(Decimal(str(value)))
        except (InvalidOperation, ValueError):
            return value
    return value


class StartForm(forms.Form):
    basis = forms.ChoiceField(label=_("Why is this plan an OPP?"), choices=OppBasis.CHOICES, widget=forms.RadioSelect)


class EvaluationForm(forms.Form):
    held_on = forms.DateField(label=_("Held on"), widget=forms.DateInput(format="%Y-%m-%d", attrs={"type": "date"}))
    with_parents = forms.BooleanField(label=_("The parents took part"), required=False, initial=True)
    summary = forms.CharField(label=_("What was concluded"), max_length=FREE_TEXT_MAX, widget=_textarea())
