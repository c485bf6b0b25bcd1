"""Login with lockout and rate limit, and two-factor (TOTP) verification and set-up."""

from __future__ import annotations

from typing import Any

import qrcode
import qrcode.image.svg
from django import forms
from django.conf import settings
from django.contrib.auth import login as auth_login
from django.contrib.auth import logout as auth_logout
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.contrib.auth.forms import SetPasswordForm
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
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

from rondom.access.guard import serves_no_child_data

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
