"""The samenwerkingsverband's pages (issue 16, part 3): the loket's queue, one request (the snapshot the school sent,
the documents the parents released, the advice, planning and decision), where an expert advises too.

Access is declared (rondom.access.declared): the queue is a list (one `search` row per child shown, on the ground
that put it there: SWV_REQUEST); the request page a read of the child's support on that ground, the request found
under the child and only at an SWV where the user is loket or expert (404 otherwise). Changes go through
rondom.swv.decisions, which decide who may do what and log."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django import forms
from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Count
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from rondom.access import policy, tasks
from rondom.access.declared import ChildRecordView, Declaration, read, search, update
from rondom.accounts.models import User
from rondom.core.categories import Action, DataCategory
from rondom.core.errors import Conflict, DomainError, NotInScope
from rondom.opp.sections import OppBasis
from rondom.refusals import add_refusal
from rondom.worklist import choice, paginate

from . import decisions, rules
from .expiry import expiring, not_started
from .forms_loket import AdviceForm, DecisionForm, EndForm, PlanForm, StartForm
from .models import RequestKind, RequestState, SwvRequest
from .views_school import snapshot_preview

#: The queue's state filter: open (waiting for a decision), each decided state, or all.
FILTERS = ("open", RequestState.GRANTED, RequestState.REFUSED, RequestState.WITHDRAWN, "all")


def my_swvs(user: User) -> set[int]:
    """The SWVs where the user is loket or expert today (task right work_swv_requests)."""
    return {m.organisation_id for m in tasks.memberships(user, "work_swv_requests")}


class QueueView(ChildRecordView):
    """The loket's queue: the requests to the user's SWV, filtered by state (open by default, the earliest last day
    to decide first, overdue ones marked), paged, and the granted ones that need attention (not started in time,
    validity ending soon). A request whose child the user may no longer read (withdrawn, consent ended) is listed
    without the child's name."""

    declaration = Declaration(get=search(DataCategory.SUPPORT), child_kwarg=None, object_type="swv_request")

    def get(self, request: HttpRequest) -> HttpResponse:
        today = timezone.localdate()
        swvs = my_swvs(request.user)  # type: ignore[arg-type]
        state = choice(request.GET.get("toestand"), FILTERS, "open")
        found = SwvRequest.objects.filter(swv_id__in=swvs).select_related("child", "school")
        counts = dict(found.order_by().values_list("state").annotate(n=Count("pk")))
        if state == "open":
            found = found.filter(state__in=rules.OPEN_STATES).order_by("decide_by", "pk")
        elif state != "all":
            found = found.filter(state=state).order_by("-decided_at", "-pk")
        page = paginate(found, request.GET.get("page"), params={"toestand": state})
        attention = list(
            (not_started(today) | expiring(today)).filter(swv_id__in=swvs).select_related("child", "school")
        )
        shown = [*page.items, *attention]
        allowed = policy.decide_many(request.user, [r.child for r in shown], Action.SEARCH, DataCategory.SUPPORT)  # type: ignore[arg-type]
        readable = [r for r in shown if allowed[r.child_id].allowed]
        self.log_shown(
            [r.child for r in readable],
            decisions=[allowed[r.child_id] for r in readable],
            object_ids=[r.pk for r in readable],
            object_type="swv_request",
        )
        rows = [
            {
                "request": r,
                "named": allowed[r.child_id].allowed,
                "overdue": r.state in rules.OPEN_STATES and r.decide_by < today,
            }
            for r in page.items
        ]
        notices = [
            {
                "request": r,
                "named": allowed[r.child_id].allowed,
                "late_start": r.start_by is not None and r.start_by < today and r.started_on is None,
            }
            for r in attention
        ]
        summary = [(value, label, counts.get(value, 0)) for value, label in RequestState.choices]
        return render(
            request,
            "swv/loket_queue.html",
            {
                "page": page,
                "rows": rows,
                "notices": notices,
                "summary": summary,
                "state": state,
                "filters": _filters(),
                "is_member": bool(swvs),
                "today": today,
            },
        )


def _filters() -> list[tuple[str, str]]:
    return [
        ("open", _("Waiting for a decision")),
        (RequestState.GRANTED, _("Granted")),
        (RequestState.REFUSED, _("Refused")),
        (RequestState.WITHDRAWN, _("Withdrawn")),
        ("all", _("All")),
    ]


def _find(request: HttpRequest, child: Any, kwargs: Any) -> SwvRequest | None:
    """The request the URL names, of this child, made to an SWV where the user is loket or expert."""
    return (
        SwvRequest.objects.filter(
            pk=kwargs.get("swv_request_id"),
            child=child,
            swv_id__in=my_swvs(request.user),  # type: ignore[arg-type]
        )
        .select_related("school", "swv", "child")
        .first()
    )


ACTIONS = ("plan", "advise", "decide", "start", "end")


class RequestView(ChildRecordView):
    """One request: what the school sent (the question, the OPP parts copied in, the released documents), the
    advice, and the forms the user's role and the request's state allow (loket: plan, decide, start, end; expert:
    advise). POST `action` names the form; each form has its own prefix."""

    declaration = Declaration(
        get=read(DataCategory.SUPPORT),
        post=update(DataCategory.SUPPORT, service_decides=True, also=Action.READ),
        object_type="swv_request",
        find=_find,
    )

    def get(self, request: HttpRequest, child_id: int, swv_request_id: int) -> HttpResponse:
        return self._render(request, self.found)

    def post(self, request: HttpRequest, child_id: int, swv_request_id: int) -> HttpResponse:
        swv_request: SwvRequest = self.found
        action = request.POST.get("action", "")
        if action not in ACTIONS:
            raise Http404
        today = timezone.localdate()
        user: User = request.user  # type: ignore[assignment]
        form = self._forms(swv_request, request.POST, action)[action]
        if not form.is_valid():
            return self._render(request, swv_request, status=400, **{action: form})
        data = form.cleaned_data
        try:
            if action == "plan":
                decisions.plan_on_meeting(user, swv_request, data["meeting_on"], data["version"], today=today)
                done = _("The request is planned on the meeting.")
            elif action == "advise":
                decisions.give_advice(
                    user, swv_request, data["expertise"], data["recommends"] == "yes", data["text"], today=today
                )
                done = _("Your advice is recorded.")
            elif action == "decide":
                decisions.decide(
                    user,
                    swv_request,
                    granted=data["granted"] == "yes",
                    reason=data["reason"],
                    tlv_category=data.get("tlv_category") or "",
                    valid_from=data["valid_from"],
                    valid_until=data["valid_until"],
                    funding_granted=data["funding_granted"],
                    late_reason=data["late_reason"],
                    version=data["version"],
                    today=today,
                )
                done = _("The decision is recorded.")
            elif action == "start":
                decisions.record_start(user, swv_request, data["started_on"], data["version"], today=today)
                done = _("The start is recorded.")
            else:
                decisions.record_end(user, swv_request, data["ended_on"], data["version"], today=today)
                done = _("The end is recorded.")
        except NotInScope:
            raise
        except Conflict as conflict:
            add_refusal(form, conflict)
            swv_request.refresh_from_db()
            return self._render(request, swv_request, status=409, **{action: form})
        except (ValidationError, DomainError) as error:
            add_refusal(form, error)  # type: ignore[arg-type]
            status = getattr(error, "status", 400)
            return self._render(request, swv_request, status=status, **{action: form})
        messages.success(request, done)
        return HttpResponseRedirect(reverse("swv:loket-request", args=[swv_request.child_id, swv_request.pk]))

    def _forms(self, r: SwvRequest, data: Any = None, bound: str = "") -> dict[str, forms.Form]:
        """Every form of the page, unbound, or the one named `bound` bound to `data`."""
        today = timezone.localdate()
        initial = {"version": r.version}

        def make(name: str, cls: type[forms.Form], **kw: Any) -> forms.Form:
            if name == bound:
                return cls(data, prefix=name, **kw)
            return cls(prefix=name, **kw)

        return {
            "plan": make("plan", PlanForm, initial={**initial, "meeting_on": r.meeting_on}),
            "advise": make("advise", AdviceForm),
            "decide": make(
                "decide",
                DecisionForm,
                initial={**initial, "valid_from": today},
                kind_has_category=r.kind == RequestKind.TLV,
            ),
            "start": make("start", StartForm, initial={**initial, "started_on": today}),
            "end": make("end", EndForm, initial={**initial, "ended_on": today}),
        }

    def _render(self, request: HttpRequest, r: SwvRequest, *, status: int = 200, **bound: forms.Form) -> HttpResponse:
        today = timezone.localdate()
        user: User = request.user  # type: ignore[assignment]
        loket = bool(decisions.memberships_at(user, r.swv_id, decisions.DECIDE))
        expert = bool(decisions.memberships_at(user, r.swv_id, decisions.ADVISE))
        advices = list(r.advices.select_related("expert__user"))
        advised = any(a.expert.user_id == request.user.pk for a in advices)
        is_open = r.state in rules.OPEN_STATES
        forms_ = self._forms(r)
        forms_.update(bound)
        rule = rules.ADVICE_RULES[r.kind]
        return render(
            request,
            "swv/loket_request.html",
            {
                "r": r,
                "child": self.child,
                "parts": _parts(r.snapshot),
                "documents": list(r.documents.all()),
                "advices": advices,
                "advice_needed": rule.count,
                "advice_missing": rules.advice_missing(r.kind, [(a.expert_id, a.expertise) for a in advices]),
                "overdue": is_open and r.decide_by < today,
                "forms": forms_,
                "may_plan": loket and is_open,
                "may_decide": loket and rules.may_move(r.state, RequestState.GRANTED),
                "may_advise": expert and is_open and not advised,
                "may_start": loket
                and r.state == RequestState.GRANTED
                and r.kind in rules.KINDS_THAT_START
                and r.started_on is None,
                "may_end": loket and r.started_on is not None and r.ended_on is None,
                "late_start": r.start_by is not None and r.start_by < today and r.started_on is None,
                "expiring": r.valid_until is not None
                and r.state == RequestState.GRANTED
                and today <= r.valid_until <= today + timedelta(days=settings.SWV_EXPIRY_NOTICE_DAYS),
            },
            status=status,
        )


def _parts(snapshot: Any) -> list[tuple[str, str]]:
    """The snapshot as (title, text) pairs to show, what the school sent, as sent: its `parts` (a list of
    {title, text}) if it has them, else the shape services.snapshot_of writes (the plan's version, the OPP parts
    with their labels, the handelingsdeel, the goals and the case's question), in words, never its keys."""
    if not isinstance(snapshot, dict):
        return []
    parts = snapshot.get("parts")
    if isinstance(parts, list):
        return [
            (str(p.get("title") or p.get("label") or ""), str(p.get("text") or p.get("value") or ""))
            for p in parts
            if isinstance(p, dict)
        ]
    preview = snapshot_preview(snapshot)
    shown: list[tuple[str, str]] = []
    if preview["plan_version"]:
        basis = dict(OppBasis.CHOICES).get(str(snapshot.get("opp_basis") or ""), "")
        shown.append((_("Plan version %(v)s") % {"v": preview["plan_version"]}, str(basis)))
    shown += [(str(label), str(text)) for label, text in preview["sections"]]
    if preview["handelingsdeel"]:
        hours = _("Hours per week")
        rows = [
            ", ".join(x for x in (support, by, where, f"{hours}: {h}" if h else "", f"{start} – {end}") if x.strip())
            for support, by, where, h, start, end in preview["handelingsdeel"]
        ]
        shown.append((_("Handelingsdeel: the support"), "\n".join(rows)))
    if preview["goals"]:
        goals = [" — ".join(str(g[k]) for k in ("description", "target") if g.get(k)) for g in preview["goals"]]
        shown.append((_("Goals"), "\n".join(goals)))
    case = preview["case"]
    if isinstance(case, dict) and case.get("question"):
        shown.append((_("The case"), str(case["question"])))
    return shown


urlpatterns: list = [
    path("swv/loket/", QueueView.as_view(), name="loket-queue"),
    path(
        "swv/loket/<int:child_id>/aanvraag/<int:swv_request_id>/",
        RequestView.as_view(),
        name="loket-request",
    ),
]
