"""The warm transfer's pages: the sending school's offer form, the transfer's own page (status; the receiving school
accepts or declines there), the receiving school's incoming list, the onderwijskundig rapport (PDF), the OSO
overstapdossier (XML) and the family's consent in the portal. Access is declared (docs/adding-a-page.md); the rules
live in transfers.services."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from rondom.access import log, policy
from rondom.access.declared import Access as DeclaredAccess
from rondom.access.declared import ChildRecordView, Declaration, create, export, read, search, update
from rondom.accounts.models import User
from rondom.core.categories import Action, DataCategory
from rondom.core.errors import Conflict, Refused
from rondom.core.grounds import Ground
from rondom.portal import services as portal_services
from rondom.portal.views import PortalLoginRequired
from rondom.refusals import add_refusal, refusal_text
from rondom.registry.models import Child

from . import oso, report, services
from .forms import AcceptForm, DeclineForm, OfferForm
from .models import Transfer, TransferState

SUPPORT = DataCategory.SUPPORT


def _user(request: HttpRequest) -> User:
    return request.user  # type: ignore[return-value]


def _transfer_of(request: HttpRequest, child: Child, kwargs: Any) -> Transfer | None:
    return (
        Transfer.objects.filter(child=child, pk=kwargs.get("transfer_id"))
        .select_related("from_school", "to_school", "child")
        .first()
    )


class OfferView(ChildRecordView):
    """The sending school offers the plan, the people and the open help to the next school."""

    declaration = Declaration(
        get=read(SUPPORT, also=Action.UPDATE), post=update(SUPPORT, service_decides=True), object_type="transfer"
    )

    def _form(self, data: Any = None) -> OfferForm:
        today = timezone.localdate()
        helps = [(h.pk, f"{h.provider.name}: {h.question[:80]}") for h in services.open_help(self.child)]
        people = [
            (m.pk, f"{m.user.display_name} ({m.get_role_display()}, {m.organisation.name})")
            for m in services.involved_professionals(self.child, today)
        ]
        return OfferForm(data, help_choices=helps, people=people)

    def _page(self, request: HttpRequest, form: OfferForm, status: int = 200) -> HttpResponse:
        open_transfer = Transfer.objects.filter(child=self.child, state=TransferState.OFFERED).first()
        return render(
            request,
            "transfers/offer.html",
            {"child": self.child, "form": form, "open_transfer": open_transfer},
            status=status,
        )

    def get(self, request: HttpRequest, child_id: int) -> HttpResponse:
        return self._page(request, self._form())

    def post(self, request: HttpRequest, child_id: int) -> HttpResponse:
        form = self._form(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            try:
                transfer = services.offer_transfer(
                    _user(request),
                    self.child,
                    to_school=services.find_school(data["school"]),
                    kind=data["kind"],
                    moves_on=data["moves_on"],
                    previous_access_until=data["previous_access_until"],
                    message=data["message"],
                    help_ids=[int(i) for i in data["help"]],
                    professional_ids=[int(i) for i in data["professionals"]],
                    today=timezone.localdate(),
                )
            except ValidationError as exc:
                add_refusal(form, exc, {"to_school": "school", "child": "school"})
            except Refused as exc:
                add_refusal(form, exc)
            else:
                messages.success(request, _("The transfer is offered. The next school sees it once the family agrees."))
                return redirect("transfers:transfer", child_id=self.child.pk, transfer_id=transfer.pk)
        return self._page(request, form, status=400)


class TransferView(ChildRecordView):
    """One transfer: its status for the sending school; for the receiving school its receipt and the decision."""

    declaration = Declaration(
        get=read(SUPPORT),
        post=update(SUPPORT, service_decides=True, also=Action.READ),
        object_type="transfer",
        find=_transfer_of,
    )

    def _receiving(self) -> bool:
        basis = self.decision.basis
        return (
            self.found.state == TransferState.OFFERED
            and basis is not None
            and basis.ground == Ground.TRANSFER
            and basis.membership is not None
            and basis.membership.organisation_id == self.found.to_school_id
        )

    def _sending(self) -> bool:
        basis = self.decision.basis
        return (
            self.found.state == TransferState.OFFERED
            and basis is not None
            and basis.ground == Ground.SCHOOL_ROLE
            and basis.membership is not None
            and basis.membership.organisation_id == self.found.from_school_id
        )

    def _page(self, request: HttpRequest, status: int = 200, **forms: Any) -> HttpResponse:
        transfer: Transfer = self.found
        receiving = self._receiving()
        version = {"version": transfer.version}
        context = {
            "child": self.child,
            "transfer": transfer,
            "receiving": receiving,
            "sending": self._sending(),
            "withdraw_form": forms.get("withdraw_form") or AcceptForm(initial=version, auto_id="withdraw_%s"),
            "accept_form": forms.get("accept_form") or AcceptForm(initial=version, auto_id="accept_%s"),
            "decline_form": forms.get("decline_form") or DeclineForm(initial=version, auto_id="decline_%s"),
            "help": transfer.help.select_related("help_request__provider"),
            "professionals": transfer.professionals.select_related("membership__user", "membership__organisation"),
            "may_print": _may_print(self.decision, transfer),
        }
        return render(request, "transfers/transfer.html", context, status=status)

    def get(self, request: HttpRequest, child_id: int, transfer_id: int) -> HttpResponse:
        if self._receiving():
            services.record_receipt(self.found, now=timezone.now())
        return self._page(request)

    def post(self, request: HttpRequest, child_id: int, transfer_id: int) -> HttpResponse:
        user, transfer = _user(request), self.found
        if request.POST.get("action") == "withdraw":
            withdraw = AcceptForm(request.POST, auto_id="withdraw_%s")
            if withdraw.is_valid():
                try:
                    services.withdraw_transfer(
                        user, transfer, version=withdraw.cleaned_data["version"], today=timezone.localdate()
                    )
                except (Conflict, ValidationError, Refused) as exc:
                    add_refusal(withdraw, exc)
                    status = 409 if isinstance(exc, Conflict) else 400
                    return self._page(request, status=status, withdraw_form=withdraw)
                messages.success(request, _("The transfer is withdrawn."))
                return redirect("registry:child-detail", child_id=self.child.pk)
            return self._page(request, status=400, withdraw_form=withdraw)
        if request.POST.get("action") == "decline":
            form: Any = DeclineForm(request.POST, auto_id="decline_%s")
            slot = "decline_form"
        else:
            form = AcceptForm(request.POST, auto_id="accept_%s")
            slot = "accept_form"
        if form.is_valid():
            try:
                if slot == "decline_form":
                    services.decline_transfer(
                        user,
                        transfer,
                        reason=form.cleaned_data["decline_reason"],
                        version=form.cleaned_data["version"],
                        now=timezone.now(),
                    )
                    messages.success(request, _("You declined the transfer. The child stays at its school."))
                    return redirect("transfers:incoming")
                services.accept_transfer(
                    user, transfer, version=form.cleaned_data["version"], today=timezone.localdate(), now=timezone.now()
                )
            except Conflict as exc:
                add_refusal(form, exc)
                self.found = Transfer.objects.select_related("from_school", "to_school", "child").get(pk=transfer.pk)
                return self._page(request, status=409, **{slot: form})
            except ValidationError as exc:
                add_refusal(form, exc)
            else:
                messages.success(request, _("You accepted the transfer. The child is now a pupil of your school."))
                return redirect("registry:child-detail", child_id=self.child.pk)
        return self._page(request, status=400, **{slot: form})


def _may_print(decision: Any, transfer: Transfer) -> bool:
    """The report is for the sending school (its own school role before acceptance, the transfer's ground after)
    and, after acceptance, for the receiving school; not for the receiving school while it decides."""
    basis = decision.basis
    if basis is None or basis.membership is None:
        return False
    org = basis.membership.organisation_id
    if org == transfer.from_school_id:
        return True
    return org == transfer.to_school_id and transfer.state == TransferState.ACCEPTED


class ReportView(ChildRecordView):
    """The onderwijskundig rapport as a PDF, logged as a print."""

    declaration = Declaration(get=DeclaredAccess(Action.PRINT, SUPPORT), object_type="transfer_report")

    def find_object(self, child: Child) -> Any:
        transfer = _transfer_of(self.request, child, self.kwargs)
        if transfer is None:
            return None
        decision = policy.decide(_user(self.request), child, Action.PRINT, SUPPORT)
        if not _may_print(decision, transfer):
            raise PermissionDenied
        return transfer

    def get(self, request: HttpRequest, child_id: int, transfer_id: int) -> HttpResponse:
        user, today = _user(request), timezone.localdate()
        absence = policy.decide(user, self.child, Action.PRINT, DataCategory.ABSENCE)
        if absence.allowed:
            log.log_read(
                user, absence, self.child, object_type="transfer_report", object_id=self.found.pk
            )  # logs: print
        body = report.render(self.found, today=today, with_absence=absence.allowed)
        response = HttpResponse(body, content_type="application/pdf")
        response["Content-Disposition"] = f'attachment; filename="onderwijskundig-rapport-{self.found.pk}.pdf"'
        return response


class _NoDossier(Exception):
    """No OSO dossier can be made for the transfer found (raised before anything is logged)."""

    def __init__(self, error: ValidationError) -> None:
        super().__init__(str(error))
        self.error = error


class OsoView(ChildRecordView):
    """The transfer as an OSO overstapdossier (XML, rondom.transfers.oso), logged as an export: for the same readers
    as the report (the sending school; the receiving school after acceptance). A transfer that is not offered or
    accepted, or a sending school without BRIN and vestiging number: 409 with the reason, nothing logged."""

    declaration = Declaration(get=export(SUPPORT), object_type="transfer_oso")

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> Any:
        try:
            return super().dispatch(request, *args, **kwargs)
        except _NoDossier as exc:
            return render(request, "409.html", {"message": refusal_text(exc.error)}, status=409)

    def find_object(self, child: Child) -> Any:
        transfer = _transfer_of(self.request, child, self.kwargs)
        if transfer is None:
            return None
        decision = policy.decide(_user(self.request), child, Action.EXPORT, SUPPORT)
        if not _may_print(decision, transfer):
            raise PermissionDenied
        try:
            oso.check(transfer)
        except ValidationError as exc:
            raise _NoDossier(exc) from exc
        return transfer

    def get(self, request: HttpRequest, child_id: int, transfer_id: int) -> HttpResponse:
        body = oso.build(self.found, today=timezone.localdate())
        response = HttpResponse(body, content_type="application/xml; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="overstapdossier-{self.found.pk}.xml"'
        return response


class IncomingView(ChildRecordView):
    """The receiving school's list of transfers waiting for its decision (only those the family consented to)."""

    declaration = Declaration(get=search(SUPPORT), object_type="transfer", child_kwarg=None)

    def get(self, request: HttpRequest) -> HttpResponse:
        found = services.incoming(_user(request), today=timezone.localdate())
        self.log_shown(
            [i.transfer.child for i in found],
            decisions=[i.decision for i in found],
            object_type="transfer",
            object_ids=[i.transfer.pk for i in found],
        )
        return render(request, "transfers/incoming.html", {"incoming": found})


class PortalConsentView(PortalLoginRequired, ChildRecordView):
    """The family reads what goes to the next school and agrees with one action."""

    declaration = Declaration(
        get=read(SUPPORT),
        post=create(SUPPORT, service_decides=True),
        object_type="transfer",
        opens=portal_services.opened,
    )

    def _transfer(self) -> Transfer | None:
        return (
            Transfer.objects.filter(child=self.opened.child, state=TransferState.OFFERED)
            .select_related("to_school", "from_school")
            .first()
        )

    def _page(self, request: HttpRequest, status: int = 200, error: str = "") -> HttpResponse:
        transfer = self._transfer()
        today = timezone.localdate()
        context = {
            "child": self.opened.child,
            "transfer": transfer,
            "error": error,
            "consent": services.consent_in_force(transfer, today) if transfer else None,
            "alone": services.family_may_consent_alone(self.opened.child, self.opened.capacity, today),
            "is_youth": self.opened.capacity == "youth",
        }
        return render(request, "transfers/portal_consent.html", context, status=status)

    def get(self, request: HttpRequest, child_id: int) -> HttpResponse:
        return self._page(request)

    def post(self, request: HttpRequest, child_id: int) -> HttpResponse:
        transfer = self._transfer()
        if transfer is None:
            raise Http404
        try:
            services.consent_in_portal(_user(request), self.opened, transfer, today=timezone.localdate())
        except ValidationError as exc:
            return self._page(request, status=400, error=refusal_text(exc))
        messages.success(request, _("Thank you. The next school may now read the plan."))
        return redirect("transfers:portal-consent", child_id=self.opened.child.pk)
