"""Login with lockout and rate limit, and two-factor (TOTP) verification and set-up."""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qs, urlencode, urlparse

import qrcode
import qrcode.image.svg
from django import forms
from django.conf import settings
from django.contrib import auth
from django.contrib.auth import login as auth_login
from django.contrib.auth import logout as auth_logout
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.contrib.auth.forms import SetPasswordForm
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.decorators import method_decorator
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_POST
from django_otp import login as otp_login
from django_otp.plugins.otp_totp.models import TOTPDevice
from django_ratelimit.decorators import ratelimit
from mozilla_django_oidc.views import OIDCAuthenticationRequestView

from rondom.access.guard import serves_no_child_data
from rondom.records import staff_sso

from .invitations import invited_user
from .verification import verify_totp


@serves_no_child_data
def locked_out(request: HttpRequest, credentials: Any = None, *args: Any, **kwargs: Any) -> HttpResponse:
    return render(request, "accounts/locked_out.html", status=429)


@serves_no_child_data
def rate_limited(request: HttpRequest, exception: Exception) -> HttpResponse:
    return render(request, "accounts/locked_out.html", status=429)


@method_decorator(ratelimit(key="ip", rate=settings.LOGIN_RATE_LIMIT, method="POST", block=True), name="post")
class LoginView(auth_views.LoginView):
    serves_child_data = False
    template_name = "accounts/login.html"
    redirect_authenticated_user = True

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        return {**super().get_context_data(**kwargs), "staff_sso": staff_sso.enabled()}

    def get_form(self, form_class: Any = None) -> Any:
        # No autofocus: as on every page, the keyboard starts at the top (the skip link, then the heading), and a
        # screen reader does not land in the middle of the page (WCAG 2.4.3).
        form = super().get_form(form_class)
        form.fields["username"].widget.attrs.pop("autofocus", None)
        return form


class LogoutView(auth_views.LogoutView):
    serves_child_data = False


class TokenForm(forms.Form):
    token = forms.CharField(
        label=gettext_lazy("Code from your authenticator app"),
        min_length=6,
        max_length=6,
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric"}),
    )


def verify_rate(group: str, request: HttpRequest) -> str:
    """django-ratelimit's rate for the verification steps, read per request (settings.VERIFY_RATE_LIMIT)."""
    return str(settings.VERIFY_RATE_LIMIT)


@serves_no_child_data
@login_required
@ratelimit(key="user", rate=verify_rate, method="POST", block=True)
def otp_verify(request: HttpRequest) -> HttpResponse:
    """Second step of the login for professionals."""
    user = request.user
    device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
    if device is None:
        return redirect("accounts:otp-setup")
    form = TokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            verify_totp(device, form.cleaned_data["token"])
        except ValidationError as exc:
            form.add_error("token", exc.messages)
        else:
            request.session.cycle_key()  # a new session key once the second factor is proven (session fixation)
            otp_login(request, device)
            target = request.GET.get("next", "")
            if not url_has_allowed_host_and_scheme(target, {request.get_host()}, require_https=request.is_secure()):
                target = ""
            return redirect(target or settings.LOGIN_REDIRECT_URL)
    return render(request, "accounts/otp_verify.html", {"form": form})


@serves_no_child_data
@login_required
@ratelimit(key="user", rate=verify_rate, method="POST", block=True)
def otp_setup(request: HttpRequest) -> HttpResponse:
    """Link an authenticator app: shown once, before the first verified login."""
    user = request.user
    if TOTPDevice.objects.filter(user=user, confirmed=True).exists():
        return redirect("accounts:otp")
    device, _created = TOTPDevice.objects.get_or_create(user=user, confirmed=False, defaults={"name": "authenticator"})
    form = TokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            verify_totp(device, form.cleaned_data["token"])
        except ValidationError as exc:
            form.add_error("token", exc.messages)
        else:
            device.confirmed = True
            device.save(update_fields=["confirmed"])
            request.session.cycle_key()
            otp_login(request, device)
            return redirect(settings.LOGIN_REDIRECT_URL)
    image = qrcode.make(device.config_url, image_factory=qrcode.image.svg.SvgPathImage)
    svg = image.to_string(encoding="unicode")
    return render(request, "accounts/otp_setup.html", {"form": form, "qr_svg": svg})


#: The `state` values of single sign-ons started in this session (the families' DigiD flow keeps its own apart).
STAFF_SSO_STATES = "rondom_staff_sso_states"


class StaffSSORequestView(OIDCAuthenticationRequestView):
    """Off to the organisation's identity provider, with this client's settings (records.staff_sso)."""

    @staticmethod
    def get_settings(attr: str, *args: Any) -> Any:
        if attr == "OIDC_RP_SCOPES":
            return staff_sso.scopes()
        return staff_sso.get_setting(attr, *args)

    def get(self, request: HttpRequest) -> HttpResponse:
        response: HttpResponse = super().get(request)
        state = parse_qs(urlparse(response["Location"]).query)["state"][0]
        request.session[STAFF_SSO_STATES] = [*request.session.get(STAFF_SSO_STATES, [])[-4:], state]
        return response


def _sso_refused(request: HttpRequest, refused: staff_sso.StaffRefused | None) -> HttpResponse:
    refused = refused or staff_sso.StaffRefused("token")
    message = staff_sso.refusal_message(refused.reason, refused.claim)
    return render(request, "accounts/sso_refused.html", {"message": message, "reason": refused.reason}, status=403)


@serves_no_child_data
@ratelimit(key="ip", rate=settings.LOGIN_RATE_LIMIT, method="GET", block=True)
def sso_login(request: HttpRequest) -> HttpResponse:
    """Start of a single sign-on for professionals; the route answers 404 unless a provider is configured."""
    if not staff_sso.enabled():
        raise Http404
    return StaffSSORequestView.as_view()(request)


@serves_no_child_data
@ratelimit(key="ip", rate=settings.LOGIN_RATE_LIMIT, method="GET", block=True)
def sso_callback(request: HttpRequest) -> HttpResponse:
    """Back from the identity provider. The `state` must be one this session started for single sign-on and works
    once; the backend exchanges the code and applies the rules (records.staff_sso.sign_on). Accepted with proven
    MFA: verified at once (the StaffIdentity as django-otp device); without: on to the TOTP step. Refused: a Dutch
    page (403) that names a missing claim but no value, and nobody is signed in."""
    if not staff_sso.enabled():
        raise Http404
    state = request.GET.get("state", "")
    ours = request.session.get(STAFF_SSO_STATES, [])
    states = request.session.get("oidc_states", {})
    entry = states.pop(state, None) if state in ours else None
    if state in ours:
        request.session[STAFF_SSO_STATES] = [s for s in ours if s != state]
        request.session["oidc_states"] = states
    if request.GET.get("error"):
        return _sso_refused(request, staff_sso.StaffRefused("cancelled"))
    if entry is None or not request.GET.get("code"):
        return _sso_refused(request, None)
    setattr(request, staff_sso.FLOW_ATTR, True)
    user = staff_sso.StaffOIDCBackend().authenticate(
        request, nonce=entry.get("nonce"), code_verifier=entry.get("code_verifier")
    )
    result: staff_sso.SignOn | None = getattr(request, staff_sso.RESULT_ATTR, None)
    if user is None or result is None or not user.is_active:
        return _sso_refused(request, getattr(request, staff_sso.REFUSAL_ATTR, None))
    auth.login(request, user, backend=staff_sso.BACKEND_PATH)  # a new session key
    target = request.session.pop("oidc_login_next", None) or ""
    if not url_has_allowed_host_and_scheme(target, {request.get_host()}, require_https=request.is_secure()):
        target = ""
    if result.mfa:
        otp_login(request, result.identity)
        return redirect(target or settings.LOGIN_REDIRECT_URL)
    otp_step = redirect("accounts:otp")
    if target:
        otp_step["Location"] += "?" + urlencode({"next": target})
    return otp_step


@serves_no_child_data
@sensitive_post_parameters("new_password1", "new_password2")
@never_cache
@ratelimit(key="ip", rate=verify_rate, method="POST", block=True)
def accept_invitation(request: HttpRequest, uidb64: str, token: str) -> HttpResponse:
    """The invitation's one-time link (accounts.invitations): set a password, then link an authenticator app
    (otp_setup). A used or expired link shows a page that says so (400), never whose account it was."""
    account = invited_user(uidb64, token, timezone.now())
    if account is None:
        return render(request, "accounts/invitation_invalid.html", status=400)
    form = SetPasswordForm(account, request.POST or None)
    if request.method == "POST" and form.is_valid():
        form.save()  # a new password hash: the link no longer checks
        if request.user.is_authenticated:
            auth_logout(request)
        auth_login(request, account, backend="django.contrib.auth.backends.ModelBackend")
        return redirect("accounts:otp-setup")
    return render(
        request, "accounts/invitation.html", {"form": form, "account": account}, status=400 if form.errors else 200
    )


@serves_no_child_data
@require_POST
def set_language(request: HttpRequest) -> HttpResponse:
    from django.views.i18n import set_language as django_set_language

    return django_set_language(request)
