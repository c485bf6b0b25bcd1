"""The family portal's pages of the OPP: the handelingsdeel in plain language with one action, "Ik stem in" or "Ik
stem niet in" (with the own words), and the same for the minutes of a support-team meeting the family was invited
to. Thin: rondom.opp.instemming decides and writes; the portal's door (portal.services.opened) opens the child on a
family ground only and the read is logged by the declaration."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from rondom.access import tasks
from rondom.access.declared import ChildRecordView, Declaration, read, update
from rondom.accounts.models import User
from rondom.cases.models import AgendaItem
from rondom.consent.models import Capacity
from rondom.core.categories import DataCategory
from rondom.notifications.services import memberships_for
from rondom.portal import services as portal
from rondom.refusals import add_refusal

from . import instemming as service
from .hashing import minutes_hash
from .models import Instemming
from .sections import SECTIONS


class PortalLoginRequired(LoginRequiredMixin):
    """The portal's login first (as portal.views does; the web layer of portal is not imported from a domain app)."""

    login_url = "/portaal/inloggen/"


class AnswerForm(forms.Form):
    """The one action: the button pressed (`answer`: "yes" or "no", the two submit buttons, not a field), the own
    words, and the hash of what the page showed. `cleaned_data["agrees"]`: the button as a bool."""

    own_words = forms.CharField(
        label=gettext_lazy("In your own words (needed when you do not agree)"),
        required=False,
        max_length=service.OWN_WORDS_MAX,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    shown_hash = forms.CharField(widget=forms.HiddenInput, max_length=64)

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        answer = self.data.get("answer")
        if answer not in ("yes", "no"):
            raise ValidationError(_("Press “I agree” or “I do not agree”."))
        cleaned["agrees"] = answer == "yes"
        return cleaned


@dataclass(frozen=True)
class Row:
    """One row of the handelingsdeel, ready for a readable sentence."""

    support: str
    by: str
    where: str
    hours: Decimal | None
    start: date | None
    end: date | None


def _date(value: Any) -> date | None:
    try:
        return date.fromisoformat(str(value))
    except ValueError:
        return None


def _hours(value: Any) -> Decimal | None:
    try:
        return Decimal(str(value)) if str(value).strip() else None
    except InvalidOperation:
        return None


def rows_of(content: dict[str, Any]) -> list[Row]:
    """The handelingsdeel of a plan's content as rows (opp.sections: support, by, where, hours, from, until)."""
    return [
        Row(
            str(r.get("support", "")),
            str(r.get("by", "")),
            str(r.get("where", "")),
            _hours(r.get("hours_per_week", "")),
            _date(r.get("from", "")),
            _date(r.get("until", "")),
        )
        for r in (content.get("opp") or {}).get("handelingsdeel", [])
    ]


def _school_contacts(found: portal.FamilyChild) -> list[str]:
    """The names of the school's intern begeleider(s) and zorgcoördinator(s): whom the family can reach."""
    return sorted(
        {
            m.user.display_name
            for role in sorted(tasks.roles_of(service.CONVERSATION_TASK))
            for m in memberships_for(role, found.child)
        }
    )


def _own_answer(status: service.Status | None, user: User, found: portal.FamilyChild) -> Instemming | None:
    if status is None:
        return None
    for person in status.people:
        answer = person.answer
        if answer is None:
            continue
        if found.capacity == Capacity.YOUTH and person.decider.capacity == Capacity.YOUTH:
            return answer
        if person.decider.guardianship is not None and person.decider.guardianship.user_id == user.pk:
            return answer
    return None


def _user(request: HttpRequest) -> User:
    return request.user  # type: ignore[return-value]


class OppView(PortalLoginRequired, ChildRecordView):
    """The handelingsdeel in plain language, where the instemming stands, and the one action."""

    declaration = Declaration(
        get=read(DataCategory.SUPPORT),
        post=update(DataCategory.SUPPORT, service_decides=True),
        object_type="portal_opp",
        opens=portal.opened,
    )

    def _render(
        self, request: HttpRequest, form: AnswerForm | None = None, status: int = 200, stale: Any = None
    ) -> HttpResponse:
        found: portal.FamilyChild = self.opened
        user = _user(request)
        today = timezone.localdate()
        plan = service.current_opp(found.child)
        opp_status = service.instemming_status(plan, today) if plan is not None else None
        content_hash = service.current_hash(plan) if plan is not None else ""
        opp = plan.content.get("opp", {}) if plan is not None else {}
        sections = [(s.plain, opp.get(s.key, "")) for s in SECTIONS if opp.get(s.key)]
        asked = found.capacity == Capacity.YOUTH or any(
            d.guardianship is not None and d.guardianship.user_id == user.pk
            for d in service.deciders(found.child, today)
        )
        context = {
            "found": found,
            "child": found.child,
            "is_youth": found.capacity == Capacity.YOUTH,
            "plan": plan,
            "sections": sections,
            "rows": rows_of(plan.content) if plan is not None else [],
            "goals": plan.content.get("goals", []) if plan is not None else [],
            "status": opp_status,
            "own": _own_answer(opp_status, user, found),
            "asked": asked,
            "form": form or AnswerForm(initial={"shown_hash": content_hash}),
            "contacts": _school_contacts(found),
            "minutes": service.minutes_items(found),
            "stale": stale or [],
        }
        return render(request, "opp/portal_opp.html", context, status=status)

    def get(self, request: HttpRequest, child_id: int) -> HttpResponse:
        return self._render(request)

    def post(self, request: HttpRequest, child_id: int) -> HttpResponse:
        found: portal.FamilyChild = self.opened
        form = AnswerForm(request.POST)
        if form.is_valid():
            agrees = form.cleaned_data["agrees"]
            try:
                service.give_instemming(
                    _user(request),
                    found,
                    agrees=agrees,
                    own_words=form.cleaned_data["own_words"],
                    shown_hash=form.cleaned_data["shown_hash"],
                    method=service.method_of_session(request.session),
                    now=timezone.now(),
                )
            except ValidationError as exc:
                add_refusal(form, exc)
            else:
                messages.success(request, _done_message(agrees))
                return redirect("opp:portal-opp", child_id=found.child.pk)
        stale = "shown_hash" in form.errors
        if stale:  # an old version: show the new one, with the words the person typed
            fresh = AnswerForm(
                initial={
                    "shown_hash": service.current_hash(plan) if (plan := service.current_opp(found.child)) else "",
                    "own_words": request.POST.get("own_words", ""),
                }
            )
            return self._render(request, fresh, status=409, stale=form.errors["shown_hash"])
        return self._render(request, form, status=400)


def _done_message(agrees: bool) -> str:
    if agrees:
        return _("Thank you. The school knows you agree.")
    return _(
        "Thank you for telling us. The school will contact you soon to talk about it. Nothing in the plan changes "
        "without that conversation."
    )


def _agenda_item(request: HttpRequest, child: Any, kwargs: Any) -> AgendaItem | None:
    """The agenda item with minutes the URL names, of this child, that this person was invited to or attended; None
    (404) otherwise — decided here, before the declaration logs the read, so a 404 logs nothing (review of issue 16)."""
    item = (
        AgendaItem.objects.filter(pk=kwargs["item_id"], case__child=child)
        .exclude(minutes="")
        .select_related("meeting__team__school")
        .first()
    )
    if item is None or not service._may_answer_minutes(portal.opened(_user(request), child.pk), item, _user(request)):
        return None
    return item


class MinutesView(PortalLoginRequired, ChildRecordView):
    """The minutes of one agenda item the family was invited to (or attended), and the same one action."""

    declaration = Declaration(
        get=read(DataCategory.SUPPORT),
        post=update(DataCategory.SUPPORT, service_decides=True),
        object_type="portal_minutes",
        find=_agenda_item,
        opens=portal.opened,
    )

    def _check(self, request: HttpRequest) -> AgendaItem:
        item: AgendaItem = self.found
        if not service._may_answer_minutes(self.opened, item, _user(request)):
            raise Http404
        return item

    def _render(
        self,
        request: HttpRequest,
        item: AgendaItem,
        form: AnswerForm | None = None,
        status: int = 200,
        stale: Any = None,
    ) -> HttpResponse:
        found: portal.FamilyChild = self.opened
        today = timezone.localdate()
        minutes_status = service.minutes_status(item, today)
        context = {
            "found": found,
            "child": found.child,
            "is_youth": found.capacity == Capacity.YOUTH,
            "item": item,
            "status": minutes_status,
            "own": _own_answer(minutes_status, _user(request), found),
            "form": form or AnswerForm(initial={"shown_hash": minutes_hash(item.minutes)}),
            "contacts": _school_contacts(found),
            "stale": stale or [],
        }
        return render(request, "opp/portal_minutes.html", context, status=status)

    def get(self, request: HttpRequest, child_id: int, item_id: int) -> HttpResponse:
        return self._render(request, self._check(request))

    def post(self, request: HttpRequest, child_id: int, item_id: int) -> HttpResponse:
        item = self._check(request)
        form = AnswerForm(request.POST)
        if form.is_valid():
            agrees = form.cleaned_data["agrees"]
            try:
                service.give_minutes_instemming(
                    _user(request),
                    self.opened,
                    item.pk,
                    agrees=agrees,
                    own_words=form.cleaned_data["own_words"],
                    shown_hash=form.cleaned_data["shown_hash"],
                    method=service.method_of_session(request.session),
                    now=timezone.now(),
                )
            except ValidationError as exc:
                add_refusal(form, exc)
            else:
                messages.success(request, _done_message(agrees))
                return redirect("opp:portal-minutes", child_id=item.case.child_id, item_id=item.pk)
        stale = "shown_hash" in form.errors
        if stale:
            item.refresh_from_db()
            fresh = AnswerForm(
                initial={"shown_hash": minutes_hash(item.minutes), "own_words": request.POST.get("own_words", "")}
            )
            return self._render(request, item, fresh, status=409, stale=form.errors["shown_hash"])
        return self._render(request, item, form, status=400)


urlpatterns = [
    path("portaal/kind/<int:child_id>/opp/", OppView.as_view(), name="portal-opp"),
    path("portaal/kind/<int:child_id>/notulen/<int:item_id>/", MinutesView.as_view(), name="portal-minutes"),
]
