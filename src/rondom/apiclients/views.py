"""The token endpoint of machine clients (/api/oauth/token/, rate limited) and the functioneel beheerder's page
/api-koppelingen/: create a client, rotate its secret, end it. The secret is shown once, on the answer to the
create or rotate; it is never stored in plain text, kept in the session or put in a URL. docs/api-clients.md."""

from __future__ import annotations

import base64
from typing import Any
from urllib.parse import unquote_plus

from django import forms
from django.conf import settings
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, render
from django.utils import timezone
from django.utils.decorators import method_decorator
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View
from django_ratelimit.decorators import ratelimit
from oauth2_provider.views import TokenView

from rondom.accounts.models import Organisation, User
from rondom.config.scopes import SCOPES
from rondom.core.roles import Role
from rondom.refusals import add_refusal

from . import services
from .models import ApiClient


def _client_id_key(group: str, request: HttpRequest) -> str:
    """django-ratelimit key: the client id of a token request (form field or HTTP Basic), else the address."""
    client_id = request.POST.get("client_id", "")
    header = request.META.get("HTTP_AUTHORIZATION", "")
    if not client_id and header.lower().startswith("basic "):
        try:
            client_id = unquote_plus(base64.b64decode(header[6:]).decode().partition(":")[0])
        except ValueError:
            client_id = ""
    return f"client:{client_id[:100]}" if client_id else f"ip:{request.META.get('REMOTE_ADDR', '')}"


def token_rate(group: str, request: HttpRequest) -> str:
    """django-ratelimit's rate for the token endpoint, read per request (settings.API_TOKEN_RATE_LIMIT)."""
    return str(settings.API_TOKEN_RATE_LIMIT)


@method_decorator(ratelimit(key="ip", rate=token_rate, method="POST", block=False), name="post")
@method_decorator(ratelimit(key=_client_id_key, rate=token_rate, method="POST", block=False), name="post")
class TokenEndpoint(TokenView):
    """OAuth2 token endpoint (RFC 6749 §4.4): ``grant_type=client_credentials`` with the client's id and secret
    (HTTP Basic or form fields) gives a bearer token with the client's scopes. Any other grant answers
    ``unsupported_grant_type``; too many requests (per address and per client id) answer 429 in Dutch."""

    serves_child_data = False

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if getattr(request, "limited", False):
            response = JsonResponse(
                {"error": "slow_down", "error_description": _("Too many token requests. Try again in a minute.")},
                status=429,
            )
            response["Retry-After"] = "60"
            return response
        if request.POST.get("grant_type") != "client_credentials":
            return JsonResponse({"error": "unsupported_grant_type"}, status=400)
        return super().post(request, *args, **kwargs)  # type: ignore[no-any-return]


# --- The beheerder's page ---------------------------------------------------------------------------------------


class ClientForm(forms.Form):
    organisation: forms.ModelChoiceField[Any] = forms.ModelChoiceField(
        label=gettext_lazy("Organisation"), queryset=Organisation.objects.none(), empty_label=None
    )
    name = forms.CharField(
        label=gettext_lazy("Name"),
        max_length=80,
        help_text=gettext_lazy("The system that will use this client, e.g. “ParnasSys verzuim”."),
    )
    scopes = forms.MultipleChoiceField(label=gettext_lazy("May do"), choices=(), widget=forms.CheckboxSelectMultiple)
    role = forms.ChoiceField(
        label=gettext_lazy("Acts in the role"),
        choices=(),
        help_text=gettext_lazy("The access policy decides what the client sees on this role, as for a person."),
    )

    def __init__(self, user: User, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        organisations = services.administered_organisations(user)
        self.fields["organisation"].queryset = Organisation.objects.filter(  # type: ignore[attr-defined]
            pk__in=[o.pk for o in organisations]
        )
        # In words only: the codes are for developers (the schema, docs/api-clients.md, the token's answer).
        self.fields["scopes"].choices = [(k, _(v)) for k, v in SCOPES.items()]  # type: ignore[attr-defined]
        now = timezone.now()
        roles = sorted(
            {r for o in organisations for r in services.client_roles(o) if services.may_give_role(user, o, r, now=now)}
        )
        self.fields["role"].choices = [(r, Role(r).label) for r in roles]  # type: ignore[attr-defined]
        self.fields["role"].initial = services.DEFAULT_ROLE


def _user(request: HttpRequest) -> User:
    return request.user  # type: ignore[return-value]


class ClientsView(LoginRequiredMixin, View):
    """/api-koppelingen/: the clients of the organisations the user is functioneel beheerder of; a new one."""

    serves_child_data = False

    def _page(
        self, request: HttpRequest, form: ClientForm, *, secret: tuple[ApiClient, str] | None = None, status: int = 200
    ) -> HttpResponse:
        organisations = services.administered_organisations(_user(request))
        groups = [(o, list(services.clients_of(o))) for o in organisations]
        for _organisation, clients in groups:
            for c in clients:  # what each client may do, in words (the codes are in the schema and the docs)
                c.scope_labels = [_(SCOPES[s]) if s in SCOPES else s for s in c.scopes]  # type: ignore[attr-defined]
        context = {
            "form": form,
            "groups": groups,
            "secret": secret,
            "token_url": request.build_absolute_uri("/api/oauth/token/"),
        }
        return render(request, "apiclients/clients.html", context, status=status)

    def get(self, request: HttpRequest) -> HttpResponse:
        if not services.administered_organisations(_user(request)):
            raise PermissionDenied
        return self._page(request, ClientForm(_user(request)))

    def post(self, request: HttpRequest) -> HttpResponse:
        user = _user(request)
        if not services.administered_organisations(user):
            raise PermissionDenied
        form = ClientForm(user, request.POST)
        if not form.is_valid():
            return self._page(request, form, status=400)
        data = form.cleaned_data
        try:
            client, secret = services.create_client(
                user,
                data["organisation"],
                name=data["name"],
                scopes=data["scopes"],
                role=data["role"],
                now=timezone.now(),
            )
        except ValidationError as exc:
            add_refusal(form, exc)
            return self._page(request, form, status=400)
        except PermissionDenied as exc:  # a role this beheerder may not give (services.create_client)
            form.add_error("role", str(exc) or _("You may not give a client this role."))
            return self._page(request, form, status=400)
        return self._page(request, ClientForm(user), secret=(client, secret), status=201)


class ClientActionView(ClientsView):
    """POST /api-koppelingen/<id>/sleutel/ (a new secret) and /api-koppelingen/<id>/beeindigen/ (end the client).
    Without the ticked box ``confirm=yes`` nothing changes: the answer is a page that says what will happen and
    asks for the box ("Ja, ik weet het zeker"; no script, the CSP is strict)."""

    action = "rotate"
    http_method_names = ["post"]  # an action, not a page

    def post(self, request: HttpRequest, client_id: int) -> HttpResponse:  # type: ignore[override]
        user = _user(request)
        organisations = services.administered_organisations(user)
        client = get_object_or_404(
            ApiClient.objects.select_related("application", "organisation", "membership"),
            pk=client_id,
            organisation__in=[o.pk for o in organisations],
        )
        form = ClientForm(user)
        if request.POST.get("confirm") != "yes":  # the button asks first; the action needs the ticked box
            context = {"client": client, "action": self.action, "missing": "confirm" in request.POST}
            return render(request, "apiclients/confirm.html", context)
        try:
            if self.action == "rotate":
                secret = services.rotate_secret(user, client, now=timezone.now())
                return self._page(request, form, secret=(client, secret))
            services.end_client(user, client, now=timezone.now())
        except ValidationError as exc:
            add_refusal(form, exc)
            return self._page(request, form, status=400)
        return self._page(request, form)
