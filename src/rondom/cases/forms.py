"""Forms of the support-team meetings (issue 14, point 6): plan a meeting, put a case on an agenda from the case
page, the minutes, a decision and an action per case. The services decide; these forms only parse."""

from __future__ import annotations

import datetime
from datetime import date
from typing import Any

from django import forms
from django.db.models import QuerySet
from django.utils import formats
from django.utils.translation import gettext_lazy as _

from rondom.accounts.models import Membership, User
from rondom.limits import latest_planned_date

from .models import Meeting

DATE = forms.DateInput(format="%Y-%m-%d", attrs={"type": "date"})
TIME = forms.TimeInput(format="%H:%M", attrs={"type": "time"})


def meeting_label(meeting: Meeting) -> str:
    """`di 3 december 2026, 15:00–16:30, Lokaal 12` in the active language (Django's date formats)."""
    when = formats.date_format(meeting.date, "D j F Y")
    if meeting.starts_at:
        when += ", " + formats.time_format(meeting.starts_at, "H:i")
        if meeting.ends_at:
            when += "–" + formats.time_format(meeting.ends_at, "H:i")
    return f"{when}, {meeting.place}" if meeting.place else when


def limit_planned_date(field: forms.Field, today: date) -> None:
    """Give a date field of a planned day (a meeting, a due date) the range the services check
    (rondom.limits.planned_date_error): min/max on the date input and the range in the help text. `today` is the
    view's `timezone.localdate()`."""
    last = latest_planned_date(today)
    field.widget = forms.DateInput(
        format="%Y-%m-%d", attrs={"type": "date", "min": today.isoformat(), "max": last.isoformat()}
    )
    field.help_text = _("From today until %(last)s at the latest.") % {"last": formats.date_format(last, "j F Y")}


class MemberChoice(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return f"{obj.user.display_name} — {obj.get_role_display()}, {obj.organisation}"


class MembersChoice(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return f"{obj.user.display_name} — {obj.get_role_display()}, {obj.organisation}"


class PeopleChoice(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return str(obj.display_name)


class MeetingChoice(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return meeting_label(obj)


class MeetingForm(forms.Form):
    """A meeting: date, start and end time, place, chair, who is invited to the whole meeting."""

    date = forms.DateField(label=_("Date of the meeting"), widget=DATE)
    starts_at = forms.TimeField(label=_("Start time"), widget=TIME)
    ends_at = forms.TimeField(label=_("End time"), required=False, widget=TIME)
    place = forms.CharField(
        label=_("Place or online link"), required=False, max_length=300, help_text=_("A room, an address or a link.")
    )
    chair = MemberChoice(label=_("Chair"), queryset=Membership.objects.none(), required=False)
    invited = MembersChoice(
        label=_("Invite to the whole meeting"),
        queryset=Membership.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )

    def __init__(self, *args: Any, members: QuerySet[Membership], today: datetime.date, **kwargs: Any) -> None:
        """`today`: the view's `timezone.localdate()`, the day the date is checked against (no wall clock here)."""
        super().__init__(*args, **kwargs)
        self.today = today
        limit_planned_date(self.fields["date"], today)
        members = members.select_related("user", "organisation").order_by("user__last_name", "pk")
        self.fields["chair"].queryset = members  # type: ignore[attr-defined]
        self.fields["invited"].queryset = members  # type: ignore[attr-defined]


class AgendaFromCaseForm(forms.Form):
    """Put the case on an upcoming meeting of the child's school team, or on a new one planned here at once."""

    meeting = MeetingChoice(
        label=_("Meeting"),
        queryset=Meeting.objects.none(),
        required=False,
        empty_label=_("A new meeting (fill in below)"),
    )
    new_date = forms.DateField(label=_("New meeting: date"), required=False, widget=DATE)
    new_starts_at = forms.TimeField(label=_("New meeting: start time"), required=False, widget=TIME)
    new_ends_at = forms.TimeField(label=_("New meeting: end time"), required=False, widget=TIME)
    new_place = forms.CharField(label=_("New meeting: place or online link"), required=False, max_length=300)
    invited = MembersChoice(
        label=_("Invite (only people who know the child)"),
        queryset=Membership.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    parents_invited = forms.BooleanField(label=_("Invite the parents"), required=False, initial=True)
    youth_invited = forms.BooleanField(label=_("Invite the youth too"), required=False)

    def __init__(
        self, *args: Any, meetings: QuerySet[Meeting], people: QuerySet[Membership], today: date, **kwargs: Any
    ) -> None:
        """`today`: the view's `timezone.localdate()`, the day a new meeting's date is checked against."""
        super().__init__(*args, **kwargs)
        self.today = today
        limit_planned_date(self.fields["new_date"], today)
        self.fields["meeting"].queryset = meetings  # type: ignore[attr-defined]
        self.fields["invited"].queryset = people.select_related("user", "organisation")  # type: ignore[attr-defined]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("meeting") is None:
            if not data.get("new_date") and "new_date" not in self.errors:
                self.add_error("new_date", _("Choose a meeting, or fill in the date of a new one."))
            if not data.get("new_starts_at") and "new_starts_at" not in self.errors:
                self.add_error("new_starts_at", _("Choose the start time of the new meeting."))
        return data


class MinutesForm(forms.Form):
    minutes = forms.CharField(label=_("Meeting minutes"), required=False, widget=forms.Textarea(attrs={"rows": 6}))
    present = PeopleChoice(
        label=_("Present"), queryset=User.objects.none(), widget=forms.CheckboxSelectMultiple, required=False
    )
    version = forms.IntegerField(widget=forms.HiddenInput)

    def __init__(self, *args: Any, people: QuerySet[User], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["present"].queryset = people  # type: ignore[attr-defined]


class DecisionForm(forms.Form):
    text = forms.CharField(label=_("Decision"), widget=forms.Textarea(attrs={"rows": 2}))


class ActionForm(forms.Form):
    description = forms.CharField(label=_("Action"), widget=forms.Textarea(attrs={"rows": 2}))
    owner = MemberChoice(label=_("Owner"), queryset=Membership.objects.none())
    due = forms.DateField(label=_("Due date"), widget=DATE)

    def __init__(self, *args: Any, owners: QuerySet[Membership], today: date, **kwargs: Any) -> None:
        """`today`: the view's `timezone.localdate()`, the day the due date is checked against."""
        super().__init__(*args, **kwargs)
        self.today = today
        limit_planned_date(self.fields["due"], today)
        self.fields["owner"].queryset = owners.select_related("user", "organisation")  # type: ignore[attr-defined]
