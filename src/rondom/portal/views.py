"""The portal's pages for parents and youths: log in (password, then an e-mail code), my children, the plan in
plain words, consents, and who looked at the file. Thin: rondom.portal.services decides and writes."""

from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login, logout
from django.contrib.auth.forms import AuthenticationForm
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import ValidationError
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.decorators import method_decorator
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View
from django_ratelimit.core import is_ratelimited
from django_ratelimit.decorators import ratelimit

from rondom.access import policy
from rondom.access.declared import ChildRecordView, Declaration, read, update
from rondom.access.rules import Ground
from rondom.accounts.models import User
from rondom.cases.models import Plan, ProviderContact
from rondom.cases.progress import goal_progress
from rondom.core.categories import Action, DataCategory
from rondom.core.roles import Role
from rondom.refusals import add_refusal, refusal_text
from rondom.swv.services import swv_reads_document

from . import oidc, services, uploads
from .models import FamilyDocument, SupporterChoice


def _user(request: HttpRequest) -> User:
    return request.user  # type: ignore[return-value]


class PortalLoginRequired(LoginRequiredMixin):
    login_url = "/portaal/inloggen/"


class CodeForm(forms.Form):
    code = forms.CharField(
        label=gettext_lazy("Code from the e-mail"),
        min_length=6,
        max_length=6,
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric"}),
    )


@method_decorator(ratelimit(key="ip", rate=settings.LOGIN_RATE_LIMIT, method="POST", block=True), name="post")
class LoginView(View):
    """Step 1: user name and password. Who cannot see anything here is told why, kindly, and not logged in."""

    serves_child_data = False

    def get(self, request: HttpRequest) -> HttpResponse:
        return render(request, "portal/login.html", {"form": AuthenticationForm(request), "digid": oidc.enabled()})

    def post(self, request: HttpRequest) -> HttpResponse:
        form = AuthenticationForm(request, data=request.POST)
        if not form.is_valid():
            return render(request, "portal/login.html", {"form": form}, status=400)
        user: User = form.get_user()  # type: ignore[assignment]
        if user.is_professional:
            form.add_error(
                None, _("This is the entrance for parents and youths. Professionals log in here: /accounts/login/")
            )
            return render(request, "portal/login.html", {"form": form}, status=400)
        reason = services.refusal(user)
        if reason:
            return render(
                request, "portal/login.html", {"form": AuthenticationForm(request), "refusal": reason}, status=403
            )
        try:
            sent = services.send_code(user)
        except services.TooManyCodes:
            # The password is right, so the first step is done; no new code, but the last one still works.
            login(request, user, backend="django.contrib.auth.backends.ModelBackend")
            messages.error(request, too_many_codes_message())
            return render(request, "portal/code.html", {"form": CodeForm()}, status=429)
        if not sent:
            form.add_error(None, _("We have no e-mail address for you. Please ask the school to add it."))
            return render(request, "portal/login.html", {"form": form}, status=400)
        login(request, user, backend="django.contrib.auth.backends.ModelBackend")
        return redirect("portal:code")


def too_many_codes_message() -> str:
    return _(
        "You asked for a code too often. We did not send a new code: use the code from the last e-mail, "
        "or wait a few minutes and try again."
    )


class CodeView(PortalLoginRequired, View):
    """Step 2: the six-digit code from the e-mail."""

    serves_child_data = False

    def get(self, request: HttpRequest) -> HttpResponse:
        if _user(request).is_professional:
            return redirect("home")
        # A code is sent when the family has none that still works (unused, not expired): a login through the staff
        # login page sends none itself, and a code of an earlier login is used up.
        usable = services.LoginCode.objects.filter(
            user=_user(request), used_at__isnull=True, expires_at__gt=timezone.now()
        )
        if request.GET.get("nieuw") == "1" or not usable.exists():
            try:
                services.send_code(_user(request))  # one limit per account, shared with the login
            except services.TooManyCodes:
                messages.error(request, too_many_codes_message())
                return render(request, "portal/code.html", {"form": CodeForm()}, status=429)
            messages.info(request, _("We sent a new code to your e-mail address."))
        return render(request, "portal/code.html", {"form": CodeForm()})

    def post(self, request: HttpRequest) -> HttpResponse:
        form = CodeForm(request.POST)
        if is_ratelimited(request, group="portal-code", key="user", rate=settings.VERIFY_RATE_LIMIT, increment=True):
            form.add_error(None, _("You tried too many codes. Wait a few minutes and try again."))
            return render(request, "portal/code.html", {"form": form}, status=429)
        if form.is_valid():
            try:
                services.check_code(_user(request), form.cleaned_data["code"])
            except ValidationError as exc:
                form.add_error("code", exc.messages)
            else:
                request.session.cycle_key()  # a new session key once the second step is proven (session fixation)
                request.session[services.SESSION_KEY] = True
                return redirect("portal:home")
        return render(request, "portal/code.html", {"form": form}, status=400)


class LogoutView(View):
    serves_child_data = False

    def post(self, request: HttpRequest) -> HttpResponse:
        logout(request)
        messages.info(request, _("You are logged out."))
        return redirect("portal:login")


class HomeView(PortalLoginRequired, ChildRecordView):
    # The family's own children, each a read of basic details.
    declaration = Declaration(get=read(DataCategory.IDENTITY), child_kwarg=None)

    def get(self, request: HttpRequest) -> HttpResponse:
        user = _user(request)
        if user.is_professional:  # the portal is the families' door; professionals have their own pages
            return redirect("home")
        children = services.family_children(user)
        self.log_shown([f.child for f in children], action=Action.READ)
        return render(request, "portal/home.html", {"children": children, "refusal": services.refusal(user)})


class RespondForm(forms.Form):
    agrees = forms.TypedChoiceField(
        label=gettext_lazy("Do you agree with the plan?"),
        choices=[("yes", gettext_lazy("Yes")), ("no", gettext_lazy("No, not yet"))],
        coerce=lambda v: v == "yes",
        widget=forms.RadioSelect,
    )
    own_words = forms.CharField(
        label=gettext_lazy("In your own words"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )


class EvaluateForm(forms.Form):
    goal_id = forms.ChoiceField(label=gettext_lazy("Goal"))
    score = forms.TypedChoiceField(
        label=gettext_lazy("Does the help work? (1 = not at all, 5 = very well)"),
        choices=[(str(n), str(n)) for n in range(1, 6)],
        coerce=int,
        widget=forms.RadioSelect,
    )
    value = forms.CharField(
        label=gettext_lazy("Where are we now? (optional)"),
        required=False,
        max_length=20,
        widget=forms.TextInput(attrs={"inputmode": "decimal"}),
        help_text=gettext_lazy("A number: from 0 to 10, or on the goal's own measure. It adds a point to the chart."),
    )
    comment = forms.CharField(
        label=gettext_lazy("What do you notice?"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, goals: list[dict[str, Any]], *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["goal_id"].choices = [(g["id"], g["description"]) for g in goals]  # type: ignore[attr-defined]


class LogbookForm(forms.Form):
    text = forms.CharField(label=gettext_lazy("What happened?"), widget=forms.Textarea(attrs={"rows": 3}))


class DocumentForm(forms.Form):
    file = forms.FileField(
        label=gettext_lazy("Document (PDF, photo, Word, Excel, OpenDocument or text; at most 10 MB)"),
        widget=forms.ClearableFileInput(attrs={"accept": ",".join(uploads.ALLOWED)}),
    )


class ChildView(PortalLoginRequired, ChildRecordView):
    """The plan in plain words, with the forms to react, to say "helpt het?" and to write in the logbook."""

    # Family grounds only (services.opened); each reaction is decided and logged by its service.
    declaration = Declaration(
        get=read(DataCategory.SUPPORT),
        post=update(DataCategory.SUPPORT, service_decides=True),
        object_type="portal_plan",
        opens=services.opened,
    )

    def _render(
        self,
        request: HttpRequest,
        found: services.FamilyChild,
        bound: dict[str, forms.Form] | None = None,
        status: int = 200,
    ) -> HttpResponse:
        plan = Plan.objects.filter(child=found.child).first()
        goals = plan.content.get("goals", []) if plan else []
        forms_shown: dict[str, forms.Form] = {
            "respond": RespondForm(),
            "evaluate": EvaluateForm(goals),
            "logbook": LogbookForm(),
            "document": DocumentForm(),
        }
        forms_shown.update(bound or {})
        helpers = sorted({g.get("support_by", "") for g in goals if g.get("support_by")})
        context = {
            "found": found,
            "child": found.child,
            "plan": plan if plan and plan.version else None,
            "goals": goals,
            "helpers": helpers,
            "forms": forms_shown,
            "logbook": services.logbook(found),
            "documents": FamilyDocument.objects.filter(child=found.child)[:50],
            "choices": SupporterChoice.objects.filter(child=found.child).prefetch_related(
                "options__membership__user", "options__provider"
            ),
            "is_youth": found.capacity == "youth",
            "goal_progress": goal_progress(plan) if plan and plan.version else [],
        }
        return render(request, "portal/child.html", context, status=status)

    def get(self, request: HttpRequest, child_id: int) -> HttpResponse:
        return self._render(request, self.opened)

    def post(self, request: HttpRequest, child_id: int) -> HttpResponse:
        user, found = _user(request), self.opened
        action = request.POST.get("action", "")
        plan = Plan.objects.filter(child=found.child).first()
        goals = plan.content.get("goals", []) if plan else []
        form: forms.Form
        if action == "respond":
            form = RespondForm(request.POST)
            write: Any = lambda d: services.respond_to_plan(user, found, **d)  # noqa: E731
            done = _("Thank you. The school's team can read your reaction.")
        elif action == "evaluate":
            form = EvaluateForm(goals, request.POST)
            write = lambda d: services.evaluate(user, found, **d)  # noqa: E731
            done = _("Thank you for telling us.")
        elif action == "document":
            form = DocumentForm(request.POST, request.FILES)
            write = lambda d: services.add_document(user, found, d["file"])  # noqa: E731
            done = _("The document is added. The team at school can read it.")
        elif action == "choose":
            try:
                services.choose(user, found, int(request.POST.get("choice", "0")), int(request.POST.get("option", "0")))
            except (ValueError, ValidationError) as exc:
                messages.error(
                    request, " ".join(getattr(exc, "messages", [_("Choose one of the supporters on the list.")]))
                )
            else:
                messages.success(request, _("Thank you. The school knows whom you chose."))
            return redirect("portal:child", child_id=found.child.pk)
        elif action == "logbook":
            form = LogbookForm(request.POST)
            write = lambda d: services.add_to_logbook(user, found, **d)  # noqa: E731
            done = _("Added to the logbook.")
        else:
            return redirect("portal:child", child_id=found.child.pk)
        if form.is_valid():
            try:
                write(form.cleaned_data)
            except ValidationError as exc:
                add_refusal(form, exc)
            else:
                messages.success(request, done)
                return redirect("portal:child", child_id=found.child.pk)
        return self._render(request, found, {action: form}, status=400)


class ConsentView(PortalLoginRequired, ChildRecordView):
    """Every consent on one page: what, to whom, for what, until when; withdraw or give again with one action."""

    declaration = Declaration(
        get=read(DataCategory.SUPPORT),
        post=update(DataCategory.SUPPORT, service_decides=True),
        object_type="portal_consents",
        opens=services.opened,
    )

    def get(self, request: HttpRequest, child_id: int) -> HttpResponse:
        user, found = _user(request), self.opened
        return render(
            request,
            "portal/consents.html",
            {"found": found, "child": found.child, "rows": services.consent_rows(user, found)},
        )

    def post(self, request: HttpRequest, child_id: int) -> HttpResponse:
        user, found = _user(request), self.opened
        try:
            consent_id = int(request.POST.get("consent", ""))
        except ValueError:
            return redirect("portal:consents", child_id=found.child.pk)
        if request.POST.get("action") == "renew":
            services.renew(user, found, consent_id)
            messages.success(request, _("You gave the consent again. It counts from today."))
        else:
            try:
                services.withdraw(user, found, consent_id)
            except ValidationError as exc:
                messages.error(request, refusal_text(exc))
            else:
                messages.success(request, _("The consent is withdrawn. From now on they cannot see this any more."))
        return redirect("portal:consents", child_id=found.child.pk)


class WhoLookedView(PortalLoginRequired, ChildRecordView):
    """The access log of this child, readable: who (organisation and role), what, when, and on what ground."""

    declaration = Declaration(get=read(DataCategory.IDENTITY), object_type="access_log", opens=services.opened)

    def get(self, request: HttpRequest, child_id: int) -> HttpResponse:
        user, found = _user(request), self.opened
        # The page shows the others' rows: not the row of this look itself.
        own = self.resolved.logged.seq if self.resolved and self.resolved.logged else None
        entries = [e for e in services.who_looked(found.child, limit=501) if e.seq != own][:500]
        roles, grounds = dict(Role.choices), dict(Ground.choices)
        categories, actions = dict(DataCategory.choices), dict(Action.choices)
        rows = [
            {
                "when": e.occurred_at,
                "who": e.organisation_name
                or (e.user_name if e.user_id == user.pk else None)
                or (_("Privacy officer") if e.ground == Ground.REVIEW else _("Family")),
                "own": e.user_id == user.pk,
                "role": roles.get(e.role) or grounds.get(e.role) or e.role or "—",
                "what": categories.get(e.category, e.category),
                "action": actions.get(e.action, e.action),
                "ground": grounds.get(e.ground, e.ground),
                "consent": e.consent_id,
                "emergency": e.emergency,
            }
            for e in entries
        ]
        return render(request, "portal/who_looked.html", {"found": found, "child": found.child, "rows": rows})


def _document(request: HttpRequest, child: Any, kwargs: Any) -> FamilyDocument | None:
    return FamilyDocument.objects.filter(child=child, pk=kwargs["document_id"]).first()


class DocumentView(PortalLoginRequired, ChildRecordView):
    """Download a document of the family's own (as an attachment, never shown inline)."""

    declaration = Declaration(
        get=read(DataCategory.SUPPORT), object_type="family_document", find=_document, opens=services.opened
    )

    def get(self, request: HttpRequest, child_id: int, document_id: int) -> FileResponse:
        return document_response(self.found)


def document_response(document: Any) -> FileResponse:
    return FileResponse(
        document.file.open("rb"), as_attachment=True, filename=document.name, content_type=document.content_type
    )


def _professional_document(request: HttpRequest, child: Any, kwargs: Any) -> FamilyDocument | None:
    """The family's document the URL names, or None (404). The samenwerkingsverband reads the support record on a
    request (Ground.SWV_REQUEST), but the parents release documents to it one by one (docs/swv.md): on that ground
    only a document released to, or attached to a request of, the user's SWV is found (review of issue 16)."""
    document = _document(request, child, kwargs)
    if document is None:
        return None
    basis = policy.decide(request.user, child, Action.READ, DataCategory.SUPPORT).basis  # type: ignore[arg-type]
    if (
        basis is not None
        and basis.ground == Ground.SWV_REQUEST
        and (basis.membership is None or not swv_reads_document(basis.membership.organisation_id, document))
    ):
        return None
    if basis is not None and basis.ground == Ground.TRANSFER:
        # A warm transfer offers the plan, the people and the open help (docs/transfers.md), not the documents the
        # family added: the receiving school before it accepts and the previous school after it do not open them.
        return None
    return document


class ProfessionalDocumentView(ChildRecordView):
    """A professional who may read the child's support record downloads a document the family added (the SWV: only
    the documents the parents released to it; on a transfer ground: none)."""

    declaration = Declaration(
        get=read(DataCategory.SUPPORT), object_type="family_document", find=_professional_document
    )

    def get(self, request: HttpRequest, child_id: int, document_id: int) -> FileResponse:
        return document_response(self.found)


class OfferChoiceForm(forms.Form):
    question = forms.CharField(
        label=gettext_lazy("What does the family choose?"),
        max_length=200,
        initial=gettext_lazy("Who would you like as supporter?"),
    )
    options: forms.ModelMultipleChoiceField[Any] = forms.ModelMultipleChoiceField(
        label=gettext_lazy("Supporters offered (at least two)"),
        queryset=ProviderContact.objects.none(),
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, child: Any, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["options"].queryset = ProviderContact.objects.filter(  # type: ignore[attr-defined]
            school_id=child.school_id
        ).select_related("membership__user", "provider")
        self.fields["options"].label_from_instance = lambda c: f"{c.membership.user.display_name} ({c.provider})"  # type: ignore[attr-defined]


class OfferChoiceView(ChildRecordView):
    """The school offers the family a choice of supporters; the family chooses in the portal."""

    declaration = Declaration(
        get=read(DataCategory.SUPPORT), post=update(DataCategory.SUPPORT), object_type="supporter_choice"
    )

    def get(self, request: HttpRequest, child_id: int) -> HttpResponse:
        return render(request, "portal/offer_choice.html", {"child": self.child, "form": OfferChoiceForm(self.child)})

    def post(self, request: HttpRequest, child_id: int) -> HttpResponse:
        child = self.child
        form = OfferChoiceForm(child, request.POST)
        if form.is_valid():
            try:
                services.offer_choice(
                    _user(request),
                    child,
                    question=form.cleaned_data["question"],
                    options=list(form.cleaned_data["options"]),
                )
            except ValidationError as exc:
                add_refusal(form, exc)
            else:
                messages.success(request, _("The family can now choose in the portal."))
                return redirect("registry:child-detail", child_id=child.pk)
        return render(request, "portal/offer_choice.html", {"child": child, "form": form}, status=400)
