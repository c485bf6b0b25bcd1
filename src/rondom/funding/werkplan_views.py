"""The werkplan of school social work per school and school year: the school writes it, the school and the
wijkteam each approve it, and it counts only when both did. Thin: the rules are in services.py."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View

from rondom.accounts.models import User
from rondom.core.schoolyear import SchoolYear
from rondom.exports import FORMATS, table_response
from rondom.refusals import refusal_text
from rondom.versioning import Conflict

from . import services
from .models import Werkplan


def stale_message() -> str:
    """The Dutch answer to a werkplan someone else saved after you read it."""
    return _(
        "Someone else saved the werkplan in the meantime. Nothing of yours was saved: read the current text above, "
        "then save again."
    )


class WerkplanForm(forms.Form):
    text = forms.CharField(
        label=gettext_lazy("Werkplan"),
        widget=forms.Textarea(attrs={"rows": 10}),
        help_text=gettext_lazy("What school social work will do at this school this year, and with whom."),
        max_length=20000,
    )
    #: The version the writer read (0: no werkplan yet); a stale version is refused with 409 (rondom.versioning).
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=0)


def not_confirmed_message() -> str:
    """Said when an approval is sent without its confirmation: nothing was approved."""
    return _("Tick that you know your approval cannot be withdrawn. Nothing has been approved yet.")


def _user(request: HttpRequest) -> User:
    return request.user  # type: ignore[return-value]


class WerkplanListView(LoginRequiredMixin, View):
    serves_child_data = False

    def get(self, request: HttpRequest) -> HttpResponse:
        if not services.may_see_werkplans(_user(request)):
            raise PermissionDenied
        schools = services.schools_for(_user(request))
        year = str(SchoolYear.current())
        plans = {
            p.school_id: p for p in Werkplan.objects.filter(school__in=[s for s, _side in schools], school_year=year)
        }
        rows = [{"school": s, "side": side, "plan": plans.get(s.pk)} for s, side in schools]
        kind = request.GET.get("format")
        if kind in FORMATS:
            header = [_("School"), _("Approved by the school"), _("Approved by the wijkteam"), _("Status")]
            lines = [
                [
                    school.name,
                    _day(plans.get(school.pk), "school"),
                    _day(plans.get(school.pk), "wijkteam"),
                    _status(plans.get(school.pk)),
                ]
                for school, _side in schools
            ]
            return table_response(f"werkplannen-{year}", header, lines, kind)
        return render(request, "funding/werkplan_list.html", {"rows": rows, "year": year})


def _day(plan: Werkplan | None, side: str) -> str:
    moment = getattr(plan, f"{side}_approved_at", None) if plan else None
    return timezone.localtime(moment).date().isoformat() if moment else ""


def _status(plan: Werkplan | None) -> str:
    if plan is None:
        return _("not written yet")
    return _("counts") if plan.counts else _("awaiting approval")


class WerkplanView(LoginRequiredMixin, View):
    serves_child_data = False

    def _find(self, request: HttpRequest, organisation_id: int) -> tuple[Any, str, Werkplan | None, str]:
        for school, side in services.schools_for(_user(request)):
            if school.pk == organisation_id:
                year = str(SchoolYear.current())
                return school, side, Werkplan.objects.filter(school=school, school_year=year).first(), year
        raise Http404

    def _render(
        self, request: HttpRequest, organisation_id: int, form: WerkplanForm | None = None, status: int = 200
    ) -> HttpResponse:
        school, side, plan, year = self._find(request, organisation_id)
        if form is None:
            form = WerkplanForm(initial={"text": plan.text if plan else "", "version": plan.version if plan else 0})
        mine_done = plan is not None and getattr(plan, f"{side}_approved_at") is not None
        context = {"school": school, "side": side, "plan": plan, "year": year, "form": form, "mine_done": mine_done}
        return render(request, "funding/werkplan.html", context, status=status)

    def get(self, request: HttpRequest, organisation_id: int) -> HttpResponse:
        return self._render(request, organisation_id)

    def post(self, request: HttpRequest, organisation_id: int) -> HttpResponse:
        school, _side, plan, year = self._find(request, organisation_id)
        user = _user(request)
        if request.POST.get("action") == "approve":
            if plan is None:
                raise Http404
            if request.POST.get("confirm") != "on":
                # An approval cannot be withdrawn: it is given only with the tick next to what is approved.
                messages.error(request, not_confirmed_message())
                return HttpResponseRedirect(reverse("funding:werkplan", args=[school.pk]), status=303)
            version = request.POST.get("version", "")
            try:
                services.approve(user, plan, version=int(version) if version.isascii() and version.isdigit() else None)
            except Conflict:
                messages.error(request, stale_message())
                return HttpResponseRedirect(reverse("funding:werkplan", args=[school.pk]), status=303)
            except ValidationError as error:
                messages.error(request, refusal_text(error))
            else:
                messages.success(request, _("Your approval is recorded."))
            return HttpResponseRedirect(reverse("funding:werkplan", args=[school.pk]))
        form = WerkplanForm(request.POST)
        if not form.is_valid():
            return self._render(request, organisation_id, form, status=400)
        try:
            services.write(user, school, year, form.cleaned_data["text"], version=form.cleaned_data["version"])
        except Conflict:
            # Someone saved in between: nothing is written; the page shows the current text above the form and
            # keeps the user's own text in the form, with the new version, to compare and save again.
            current = Werkplan.objects.filter(school=school, school_year=year).first()
            data = {"text": form.cleaned_data["text"], "version": current.version if current else 0}
            form = WerkplanForm(data)
            form.is_valid()
            form.add_error(None, stale_message())
            return self._render(request, organisation_id, form, status=409)
        except ValidationError as error:
            form.add_error("text", error.messages)
            return self._render(request, organisation_id, form, status=400)
        messages.success(
            request, _("The werkplan is saved. It counts once the school and the wijkteam both approved it.")
        )
        return HttpResponseRedirect(reverse("funding:werkplan", args=[school.pk]))
