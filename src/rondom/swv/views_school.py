"""The school's and the family's pages of a request to the samenwerkingsverband (issue 16, part 3; docs/swv.md):
the child's requests with their decisions, the request form (filled from the OPP and the case, with a read-only
preview of what is sent), releasing documents on the parents' consent, withdrawing, and the family's page in the
portal. Thin: rondom.swv.services decides and writes."""

from __future__ import annotations

from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path
from django.utils import timezone
from django.utils.formats import date_format, number_format
from django.utils.translation import gettext as _

from rondom.access.declared import ChildRecordView, Declaration, create, read, update
from rondom.accounts.models import User
from rondom.cases.models import Case, Plan
from rondom.core.categories import Action, DataCategory
from rondom.core.errors import Conflict
from rondom.opp.sections import HANDELINGSDEEL_KEYS, SECTIONS
from rondom.portal import services as portal
from rondom.portal.models import FamilyDocument
from rondom.refusals import add_refusal
from rondom.registry.models import Child

from . import services
from .forms_school import FamilyReleaseForm, ReleaseForm, RequestForm, WithdrawForm
from .models import SwvRequest

SUPPORT = DataCategory.SUPPORT


def _user(request: HttpRequest) -> User:
    return request.user  # type: ignore[return-value]


def requests_of(child: Child) -> list[SwvRequest]:
    """The child's requests to a samenwerkingsverband, newest first, with what their pages show."""
    return list(
        SwvRequest.objects.filter(child=child)
        .select_related("swv", "school")
        .prefetch_related("documents")
        .order_by("-received_on", "-pk")
    )


def snapshot_preview(snapshot: dict[str, Any]) -> dict[str, Any]:
    """A snapshot (services.snapshot_of) as the preview shows it: the OPP parts with their labels in order, the
    handelingsdeel rows, the goals and the case."""
    opp = snapshot.get("opp") or {}
    return {
        "plan_version": snapshot.get("plan_version"),
        "sections": [(s.label, opp.get(s.key, "")) for s in SECTIONS if opp.get(s.key)],
        "handelingsdeel": [
            [_shown(k, r.get(k, "")) for k in HANDELINGSDEEL_KEYS[1:]]
            for r in opp.get("handelingsdeel") or []
            if isinstance(r, dict)
        ],
        "goals": [g for g in snapshot.get("goals") or [] if isinstance(g, dict)],
        "case": snapshot.get("case"),
    }


def _shown(key: str, value: Any) -> Any:
    """One handelingsdeel value as a page shows it: dates as dates, hours as a Dutch number, the rest as written."""
    text = str(value or "")
    if key in ("from", "until"):
        try:
            return date_format(date.fromisoformat(text), "j F Y")
        except ValueError:
            return text
    if key == "hours_per_week" and text:
        try:
            return number_format(Decimal(text))
        except (InvalidOperation, ValueError):
            return text
    return text


class ChildRequestsView(ChildRecordView):
    """The child's requests to the samenwerkingsverband: state, deadline, decision and the right to object."""

    declaration = Declaration(get=read(SUPPORT), object_type="swv_requests")

    def get(self, request: HttpRequest, child_id: int) -> HttpResponse:
        return _render_list(request, self.child)


def _render_list(
    request: HttpRequest, child: Child, *, bound: dict[int, WithdrawForm] | None = None, status: int = 200
) -> HttpResponse:
    may_send = services.may_send(_user(request), child)
    rows = []
    for swv_request in requests_of(child):
        form = (bound or {}).get(swv_request.pk) or WithdrawForm(
            initial={"version": swv_request.version}, auto_id=f"withdraw-{swv_request.pk}-%s"
        )
        rows.append({"request": swv_request, "withdraw": form if swv_request.state in services.OPEN_STATES else None})
    context = {"child": child, "rows": rows, "may_send": may_send, "swv": services.school_swv(child)}
    return render(request, "swv/school_requests.html", context, status=status)


def _documents(child: Child) -> list[FamilyDocument]:
    return list(FamilyDocument.objects.filter(child=child).order_by("-created_at")[:100])


class RequestCreateView(ChildRecordView):
    """The request form: pre-filled from the case, with the read-only preview of the OPP and the goals that will be
    sent, the documents the parents released, and a form to record a release."""

    # Only who may create support data opens the form (a teacher reads support but gets 403); the service refuses
    # anyone but the intern begeleider or zorgcoördinator of the child's school.
    declaration = Declaration(
        get=read(SUPPORT, also=Action.CREATE), post=create(SUPPORT), object_type="swv_request_form"
    )

    def get(self, request: HttpRequest, child_id: int) -> HttpResponse:
        return self._render(request)

    def _context(self) -> dict[str, Any]:
        child = self.child
        today = timezone.localdate()
        plan = Plan.objects.filter(child=child).first()
        case = Case.objects.filter(child=child).select_related("status").prefetch_related("history").first()
        swv = services.school_swv(child)
        consents = services.swv_consents(child, swv, today)
        docs = _documents(child)
        have_docs: set[int] = set()
        have_generated: set[str] = set()
        if consents:
            have_docs, have_generated = services.released(consents[0])
        has_plan = plan is not None and bool(plan.version)
        attachable = [(str(d.pk), d.name) for d in docs if d.pk in have_docs]
        if has_plan and services.OPP_PDF in have_generated:
            attachable.insert(0, (services.OPP_PDF, _("The plan with the OPP as PDF")))
        releasable = [(str(d.pk), d.name) for d in docs if d.pk not in have_docs]
        if has_plan and services.OPP_PDF not in have_generated:
            releasable.insert(0, (services.OPP_PDF, _("The plan with the OPP as PDF")))
        return {
            "child": child,
            "plan": plan if has_plan else None,
            "case": case,
            "swv": swv,
            "consents": consents,
            "attachable": attachable,
            "releasable": releasable,
            "preview": snapshot_preview(services.snapshot_of(plan, case)),
            "today": today,
        }

    def _render(
        self,
        request: HttpRequest,
        *,
        form: RequestForm | None = None,
        release: ReleaseForm | None = None,
        status: int = 200,
    ) -> HttpResponse:
        context = self._context()
        if form is None:
            case = context["case"]
            form = RequestForm(
                initial={"question": case.question if case is not None else ""},
                documents=context["attachable"],
                auto_id="request-%s",
            )
        if release is None:
            release = ReleaseForm(
                consents=[(c.pk, _consent_label(c)) for c in context["consents"]],
                documents=context["releasable"],
                auto_id="release-%s",
            )
        context.update({"form": form, "release": release})
        return render(request, "swv/school_form.html", context, status=status)

    def post(self, request: HttpRequest, child_id: int) -> HttpResponse:
        context = self._context()
        user, child, today = _user(request), self.child, context["today"]
        if request.POST.get("action") == "release":
            release = ReleaseForm(
                request.POST,
                consents=[(c.pk, _consent_label(c)) for c in context["consents"]],
                documents=context["releasable"],
                auto_id="release-%s",
            )
            if release.is_valid():
                chosen = release.cleaned_data["documents"]
                consent = next(c for c in context["consents"] if c.pk == release.cleaned_data["consent"])
                try:
                    services.release_documents(
                        user,
                        child,
                        consent=consent,
                        document_ids=[int(d) for d in chosen if d != services.OPP_PDF],
                        opp_pdf=services.OPP_PDF in chosen,
                        today=today,
                    )
                except ValidationError as exc:
                    add_refusal(release, exc)
                else:
                    messages.success(request, _("The released documents are recorded."))
                    return redirect("swv:school-request-create", child_id=child.pk)
            return self._render(request, release=release, status=400)
        form = RequestForm(request.POST, documents=context["attachable"], auto_id="request-%s")
        if form.is_valid():
            data = form.cleaned_data
            try:
                created = services.submit_request(
                    user,
                    child,
                    kind=data["kind"],
                    question=data["question"],
                    case=context["case"],
                    funding_requested=data["funding_requested"],
                    document_ids=data["documents"],
                    today=today,
                )
            except ValidationError as exc:
                add_refusal(form, exc)
            else:
                messages.success(
                    request,
                    _("The request was sent. The samenwerkingsverband decides by %(day)s.")
                    % {"day": _date(created.decide_by)},
                )
                return redirect("swv:school-requests", child_id=child.pk)
        return self._render(request, form=form, status=400)


def _consent_label(consent: Any) -> str:
    """A consent as the release form names it: from when, which parts (never the purpose's code)."""
    return _("Consent of %(day)s (%(parts)s)") % {
        "day": _date(consent.valid_from),
        "parts": ", ".join(consent.category_labels()),
    }


def _date(day: Any) -> str:
    return date_format(day, "j F Y")


def _request(request: HttpRequest, child: Child, kwargs: Any) -> SwvRequest | None:
    return SwvRequest.objects.filter(pk=kwargs["request_id"], child=child).first()


class WithdrawView(ChildRecordView):
    """Withdraw a request not decided yet (POST only); a refusal shows the list again with the form as typed."""

    declaration = Declaration(post=update(SUPPORT), object_type="swv_requests", find=_request, logs_found=False)

    def post(self, request: HttpRequest, child_id: int, request_id: int) -> HttpResponse:
        swv_request: SwvRequest = self.found
        form = WithdrawForm(request.POST, auto_id=f"withdraw-{swv_request.pk}-%s")
        status = 400
        if form.is_valid():
            try:
                services.withdraw_request(
                    _user(request), swv_request, form.cleaned_data["reason"], form.cleaned_data["version"]
                )
            except Conflict as exc:
                form.add_error(None, exc.message)
                status = 409
            except ValidationError as exc:
                add_refusal(form, exc)
            else:
                messages.success(request, _("The request was withdrawn."))
                return redirect("swv:school-requests", child_id=self.child.pk)
        return _render_list(request, self.child, bound={swv_request.pk: form}, status=status)


class PortalRequestsView(ChildRecordView):
    """The family's page: the requests about their child to the samenwerkingsverband and the decisions, with the
    right to object explained in plain words; and releasing documents to the samenwerkingsverband one by one under
    the family's consent. Family grounds only (portal.services.opened); the service decides who releases."""

    login_url = "/portaal/inloggen/"
    declaration = Declaration(
        get=read(SUPPORT),
        post=update(SUPPORT, service_decides=True),
        object_type="portal_swv_requests",
        opens=portal.opened,
    )

    def _release_choices(self, found: Any, today: date) -> tuple[Any, list[tuple[str, str]], list[str]]:
        child = found.child
        consents = services.swv_consents(child, services.school_swv(child), today)
        if not consents:
            return None, [], []
        have_docs, have_generated = services.released(consents[0])
        docs = _documents(child)
        plan = Plan.objects.filter(child=child).first()
        choices = [(str(d.pk), d.name) for d in docs if d.pk not in have_docs]
        if plan is not None and plan.version and services.OPP_PDF not in have_generated:
            choices.insert(0, (services.OPP_PDF, _("The plan with the OPP as PDF")))
        shown = [d.name for d in docs if d.pk in have_docs]
        if services.OPP_PDF in have_generated:
            shown.insert(0, _("The plan with the OPP as PDF"))
        return consents[0], choices, shown

    def _render(self, request: HttpRequest, form: FamilyReleaseForm | None = None, status: int = 200) -> HttpResponse:
        found = self.opened
        consent, choices, shown = self._release_choices(found, timezone.localdate())
        context = {
            "found": found,
            "child": found.child,
            "requests": requests_of(found.child),
            "is_youth": found.capacity == "youth",
            "consent": consent,
            "released": shown,
            "form": form or (FamilyReleaseForm(documents=choices, auto_id="release-%s") if choices else None),
        }
        return render(request, "swv/school_portal.html", context, status=status)

    def get(self, request: HttpRequest, child_id: int) -> HttpResponse:
        return self._render(request)

    def post(self, request: HttpRequest, child_id: int) -> HttpResponse:
        found, today = self.opened, timezone.localdate()
        consent, choices, _shown = self._release_choices(found, today)
        form = FamilyReleaseForm(request.POST, documents=choices, auto_id="release-%s")
        if consent is not None and form.is_valid():
            chosen = form.cleaned_data["documents"]
            try:
                services.release_by_family(
                    _user(request),
                    found,
                    consent_id=consent.pk,
                    document_ids=[int(d) for d in chosen if d != services.OPP_PDF],
                    opp_pdf=services.OPP_PDF in chosen,
                    today=today,
                )
            except ValidationError as exc:
                add_refusal(form, exc)
            except PermissionDenied as exc:
                form.add_error(None, str(exc) or _("You may not do this."))
            else:
                messages.success(request, _("Thank you. The samenwerkingsverband may read these documents now."))
                return redirect("swv:portal-requests", child_id=found.child.pk)
        return self._render(request, form=form, status=400)


urlpatterns: list = [
    path("kinderen/<int:child_id>/swv-aanvraag/", ChildRequestsView.as_view(), name="school-requests"),
    path("kinderen/<int:child_id>/swv-aanvraag/nieuw/", RequestCreateView.as_view(), name="school-request-create"),
    path(
        "kinderen/<int:child_id>/swv-aanvraag/<int:request_id>/intrekken/",
        WithdrawView.as_view(),
        name="school-request-withdraw",
    ),
    path("portaal/kind/<int:child_id>/samenwerkingsverband/", PortalRequestsView.as_view(), name="portal-requests"),
]
