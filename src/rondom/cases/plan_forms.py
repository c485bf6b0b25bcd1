"""The plan form: as many goals as the work needs, each with a multi-line target, an owner, the support and its own
evaluation date (docs/cases.md, "One plan").

The goals are numbered fields ``goal_<i>_<key>`` (``GOAL_KEYS``). Without JavaScript the page adds a goal by a submit
button that shows the form again with one more empty goal (``PlanForm.from_post(..., add=True)``); a goal is removed
by ticking its "remove" box (gone when the plan is saved or the form is shown again). Dates are checked for sense
against the ``today`` the view passes (``rondom.limits.planned_date_error``): no evaluation in the past, none more
than a year ahead.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import date
from typing import Any

from django import forms
from django.utils import formats
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from rondom.formats import number
from rondom.limits import GOAL_FIELD_MAX, PLAN_GOALS_MAX, latest_planned_date, planned_date_error

from .measures import MEASURE_KEYS, NotANumber, measure_error, number_text, parse_number
from .plans import DOMAIN_LABELS
from .services import GOAL_KEYS, MIN_EDUCATION_GOALS_WITH_TREATMENT

DOMAIN_CHOICES: list[tuple[str, Any]] = [("", "—"), *DOMAIN_LABELS.items()]
#: The text fields of a goal, in the order the form shows them; the two long ones are text areas.
_TEXT_FIELDS = ("description", "target", "owner", "support", "support_by", "support_where")
_TEXTAREAS = {"description": 2, "target": 3, "support": 2}
_ROW = re.compile(r"^goal_(\d+)_(\w+)$")
#: The measure of a goal (cases.measures), shown after its evaluation date.
MEASURE_CHOICES: list[tuple[str, Any]] = [
    ("scale", gettext_lazy("Scale from 0 to 10")),
    ("own", gettext_lazy("Own measure (a name, a unit, a start value and an aim)")),
]
_MEASURE_TEXT = ("measure_zero", "measure_ten", "measure_name", "measure_unit")
_MEASURE_NUMBERS = ("measure_start", "measure_aim")


def _date_widget(today: date) -> forms.DateInput:
    return forms.DateInput(
        format="%Y-%m-%d",
        attrs={"type": "date", "min": today.isoformat(), "max": latest_planned_date(today).isoformat()},
    )


def _range_help(today: date) -> str:
    return _("From today until %(last)s at the latest.") % {
        "last": formats.date_format(latest_planned_date(today), "j F Y")
    }


def _number_initial(value: Any) -> str:
    """A stored number ("2.5") as the user types it in Dutch ("2,5"); anything else as it is."""
    try:
        return number(parse_number(value), grouping=False)
    except NotANumber:
        return str(value or "")


def posted_rows(data: Mapping[str, Any]) -> list[int]:
    """The goal numbers (``i`` of ``goal_<i>_...``) in a posted form, in order, at most PLAN_GOALS_MAX + 1 of them
    (one more than allowed, so that too many goals is refused with a message, not cut off silently)."""
    rows = sorted({int(m.group(1)) for key in data if (m := _ROW.match(key)) and m.group(1).isdigit()})
    return rows[: PLAN_GOALS_MAX + 1]


class PlanForm(forms.Form):
    """The plan: whether it includes treatment, the next evaluation and the goals (``goals`` fills them; one block
    per dict, keys of ``GOAL_KEYS``). ``today`` is the day the dates are checked against. ``rows`` are the goal
    numbers of a posted form (``posted_rows``); ``focus`` is the number of a goal whose first field gets the focus
    (the one just added)."""

    includes_treatment = forms.BooleanField(
        label=gettext_lazy("The plan includes treatment by a youth-care provider"),
        required=False,
        help_text=gettext_lazy("Then the plan holds at least two education goals (domain school)."),
    )
    next_evaluation = forms.DateField(label=gettext_lazy("Next evaluation of the plan"), required=False)
    base_version = forms.IntegerField(widget=forms.HiddenInput)

    def __init__(
        self,
        *args: Any,
        today: date,
        goals: list[dict[str, Any]] | None = None,
        rows: list[int] | None = None,
        focus: int | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.today = today
        evaluation = self.fields["next_evaluation"]
        evaluation.widget = _date_widget(today)
        evaluation.help_text = _range_help(today) + " " + _("A goal without its own date is evaluated then.")
        if rows is None:
            rows = list(range(len(goals or [])))
        self.rows = rows
        for position, i in enumerate(rows):
            goal = (goals or [])[position] if goals and position < len(goals) else {}
            self._add_goal_fields(i, position + 1, goal, autofocus=focus == i)

    def _add_goal_fields(self, i: int, n: int, goal: dict[str, Any], *, autofocus: bool) -> None:
        labels = {
            "description": _("Goal %(n)d: what do we want to reach?"),
            "target": _("Goal %(n)d: concrete target"),
            "owner": _("Goal %(n)d: owner"),
            "support": _("Goal %(n)d: what support or help"),
            "support_by": _("Goal %(n)d: support by"),
            "support_where": _("Goal %(n)d: where (school, home, elsewhere)"),
        }
        self.fields[f"goal_{i}_id"] = forms.CharField(required=False, widget=forms.HiddenInput, initial=goal.get("id"))
        domain_attrs = {"autofocus": True} if autofocus else {}
        self.fields[f"goal_{i}_domain"] = forms.ChoiceField(
            label=_("Goal %(n)d: domain") % {"n": n},
            choices=DOMAIN_CHOICES,
            required=False,
            initial=goal.get("domain"),
            widget=forms.Select(attrs=domain_attrs),
            help_text=_("Work goals from 16 years."),
        )
        for key in _TEXT_FIELDS:
            widget = forms.Textarea(attrs={"rows": _TEXTAREAS[key]}) if key in _TEXTAREAS else forms.TextInput
            self.fields[f"goal_{i}_{key}"] = forms.CharField(
                label=labels[key] % {"n": n},
                required=False,
                initial=goal.get(key),
                max_length=GOAL_FIELD_MAX,
                widget=widget,
                strip=True,
            )
        self.fields[f"goal_{i}_target"].help_text = _("Write it so that everyone can see whether it is reached.")
        self.fields[f"goal_{i}_owner"].help_text = _("Who works on this goal and sees to it.")
        self.fields[f"goal_{i}_evaluate_on"] = forms.DateField(
            label=_("Goal %(n)d: evaluate on") % {"n": n},
            required=False,
            initial=goal.get("evaluate_on") or None,
            widget=_date_widget(self.today),
            help_text=_("Empty: at the next evaluation of the plan."),
        )
        self._add_measure_fields(i, n, goal)
        self.fields[f"goal_{i}_remove"] = forms.BooleanField(
            label=_("Remove goal %(n)d from the plan") % {"n": n}, required=False
        )

    def _add_measure_fields(self, i: int, n: int, goal: dict[str, Any]) -> None:
        """The goal's measure (cases.measures): the scale with what 0 and 10 mean, or an own measure."""
        self.fields[f"goal_{i}_measure_kind"] = forms.ChoiceField(
            label=_("Goal %(n)d: how do we measure progress?") % {"n": n},
            choices=MEASURE_CHOICES,
            required=False,
            initial=goal.get("measure_kind") or "scale",
            help_text=_("Each evaluation adds a point to the goal's chart."),
        )
        labels = {
            "measure_zero": (_("Goal %(n)d: scale, 0 means"), _("For example: nothing of the goal is reached.")),
            "measure_ten": (_("Goal %(n)d: scale, 10 means"), _("For example: the goal is fully reached.")),
            "measure_name": (_("Goal %(n)d: own measure, name"), _("For example: days present")),
            "measure_unit": (_("Goal %(n)d: own measure, unit"), _("For example: per week")),
            "measure_start": (_("Goal %(n)d: start value"), _("A number; on the scale from 0 to 10.")),
            "measure_aim": (_("Goal %(n)d: aim"), _("A number; on the scale from 0 to 10.")),
        }
        for key, (label, help_text) in labels.items():
            attrs = {"inputmode": "decimal"} if key in _MEASURE_NUMBERS else {}
            self.fields[f"goal_{i}_{key}"] = forms.CharField(
                label=label % {"n": n},
                required=False,
                initial=_number_initial(goal.get(key)) if key in _MEASURE_NUMBERS else goal.get(key) or "",
                max_length=GOAL_FIELD_MAX if key in _MEASURE_TEXT else 20,
                widget=forms.TextInput(attrs=attrs),
                help_text=help_text,
                strip=True,
            )

    @classmethod
    def from_post(cls, data: Mapping[str, Any], *, today: date, add: bool = False, **kwargs: Any) -> PlanForm:
        """An unbound form showing what was posted again (nothing checked, no errors): the goals ticked for removal
        left out, with one more empty goal when ``add``; its first field gets the focus."""
        goals = [
            {key: data.get(f"goal_{i}_{key}", "") for key in GOAL_KEYS}
            for i in posted_rows(data)
            if not data.get(f"goal_{i}_remove")
        ]
        if add:
            goals.append({})
        initial = {
            "includes_treatment": bool(data.get("includes_treatment")),
            "next_evaluation": data.get("next_evaluation", ""),
            "base_version": data.get("base_version", ""),
        }
        return cls(initial=initial, today=today, goals=goals, focus=len(goals) - 1 if add else None, **kwargs)

    def goal_blocks(self) -> list[dict[str, Any]]:
        """The goals as blocks for the template: ``[{"n": 1, "id": BoundField, "fields": [BoundField, ...],
        "remove": BoundField}]``."""
        blocks = []
        for n, i in enumerate(self.rows, start=1):
            names = ["domain", *_TEXT_FIELDS, "evaluate_on", *MEASURE_KEYS]
            blocks.append(
                {
                    "n": n,
                    "id": self[f"goal_{i}_id"],
                    "fields": [self[f"goal_{i}_{key}"] for key in names],
                    "remove": self[f"goal_{i}_remove"],
                }
            )
        return blocks

    def plan_fields(self) -> list[forms.BoundField]:
        """The fields about the whole plan (not the goals), for the top of the form."""
        return [self["includes_treatment"], self["next_evaluation"], self["base_version"]]

    def clean_next_evaluation(self) -> date | None:
        value: date | None = self.cleaned_data.get("next_evaluation")
        error = planned_date_error(value, self.today, label=str(self.fields["next_evaluation"].label))
        if error:
            raise forms.ValidationError(error)
        return value

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if len(self.rows) > PLAN_GOALS_MAX:
            self.add_error(None, _("A plan holds at most %(max)d goals.") % {"max": PLAN_GOALS_MAX})
        education = 0
        for i in self.rows:
            if cleaned.get(f"goal_{i}_remove") or self._empty(i):
                continue
            self._check_goal(i)
            education += cleaned.get(f"goal_{i}_domain") == "school"
        if cleaned.get("includes_treatment") and education < MIN_EDUCATION_GOALS_WITH_TREATMENT:
            self.add_error(
                "includes_treatment",
                _(
                    "A plan that includes treatment by a youth-care provider holds at least two education goals "
                    "(it now has %(n)d)."
                )
                % {"n": education},
            )
        return cleaned

    def _empty(self, i: int) -> bool:
        # The choice of the measure has a default ("scale"): it alone does not make a goal.
        keys = ["domain", *_TEXT_FIELDS, "evaluate_on", *(k for k in MEASURE_KEYS if k != "measure_kind")]
        return not any(self.cleaned_data.get(f"goal_{i}_{key}") for key in keys) and not any(
            self.errors.get(f"goal_{i}_{key}") for key in keys
        )

    def _check_goal(self, i: int) -> None:
        cleaned = self.cleaned_data
        needed = {
            "domain": _("Choose the domain of this goal."),
            "description": _("Say what we want to reach."),
            "target": _("Write down the concrete target."),
            "owner": _("Say who works on this goal."),
        }
        for key, message in needed.items():
            name = f"goal_{i}_{key}"
            if name not in self.errors and not cleaned.get(name):
                self.add_error(name, message)
        name = f"goal_{i}_evaluate_on"
        error = planned_date_error(cleaned.get(name), self.today, label=str(self.fields[name].label))
        if error and name not in self.errors:
            self.add_error(name, error)
        self._check_measure(i)

    def _check_measure(self, i: int) -> None:
        """A number that is no number on its own field; any other rule of the measure (cases.measures) on the
        choice of the measure."""
        cleaned = self.cleaned_data
        for key in _MEASURE_NUMBERS:
            name = f"goal_{i}_{key}"
            try:
                number = parse_number(cleaned.get(name))
            except NotANumber:
                self.add_error(name, _("Write a number, with at most two decimals."))
                return
            cleaned[name] = number_text(number)
        goal = {key: cleaned.get(f"goal_{i}_{key}") or "" for key in MEASURE_KEYS}
        message = measure_error(goal, self.rows.index(i) + 1)
        if message and f"goal_{i}_measure_kind" not in self.errors:
            self.add_error(f"goal_{i}_measure_kind", message)

    def goals(self) -> list[dict[str, Any]]:
        """The goals to save (after ``is_valid``): empty and removed blocks left out; ``evaluate_on`` as ISO date
        or ``""``. Shape: ``[{key: str for key in GOAL_KEYS}]``."""
        rows = []
        for i in self.rows:
            if self.cleaned_data.get(f"goal_{i}_remove") or self._empty(i):
                continue
            row = {key: self.cleaned_data.get(f"goal_{i}_{key}") or "" for key in GOAL_KEYS}
            on = self.cleaned_data.get(f"goal_{i}_evaluate_on")
            row["evaluate_on"] = on.isoformat() if on else ""
            rows.append(row)
        return rows
