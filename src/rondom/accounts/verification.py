"""The professionals' second step (TOTP) with an atomic attempt counter.

django-otp's own throttling reads the failure count, compares, then writes `count + 1` from Python: concurrent
wrong codes all pass the check before any write lands (the security probe's race, issue 12 finding 4). Here every
comparison first claims a try with one UPDATE that carries the limit in its WHERE, on the device's own
`throttling_failure_count`; a right code resets it, and the time step it used is recorded with a conditional UPDATE
too, so a code is accepted once even by two requests at the same moment (RFC 6238 section 5.2: no reuse).
"""

from __future__ import annotations

import hashlib
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.contrib.auth.signals import user_logged_in
from django.core.cache import cache
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Case, F, Q, Value, When
from django.dispatch import receiver
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice


def claim_attempt(device: TOTPDevice, now: datetime) -> bool:
    """Count one try on the device, atomically, when fewer than settings.VERIFY_ATTEMPTS were made.

    The count starts again after settings.VERIFY_COOLOFF_MINUTES without a try. Returns False (nothing written)
    when the limit is reached. One SQL UPDATE, the same on SQLite and PostgreSQL.
    """
    cutoff = now - timedelta(minutes=settings.VERIFY_COOLOFF_MINUTES)
    stale = Q(throttling_failure_timestamp__isnull=True) | Q(throttling_failure_timestamp__lt=cutoff)
    return bool(
        TOTPDevice.objects.filter(pk=device.pk)
        .filter(stale | Q(throttling_failure_count__lt=settings.VERIFY_ATTEMPTS))
        .update(
            throttling_failure_count=Case(When(stale, then=Value(1)), default=F("throttling_failure_count") + 1),
            throttling_failure_timestamp=now,
        )
    )


def verify_totp(device: TOTPDevice, token: str, *, now: datetime | None = None) -> None:
    """Accept a six-digit TOTP code (RFC 6238, the device's step, drift and tolerance) or raise ValidationError.

    At most settings.VERIFY_ATTEMPTS comparisons per device per cool-off, whatever arrives at once; a code is
    accepted once. On success the count is reset. `device` may be read a moment earlier: a time step used since is
    caught by the conditional UPDATE. Messages are plain and name no secret.
    """
    now = now or timezone.now()
    if not claim_attempt(device, now):
        raise ValidationError(
            _("Too many wrong codes. Wait %(minutes)d minutes and try again.")
            % {"minutes": settings.VERIFY_COOLOFF_MINUTES}
        )
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    totp.time = now.timestamp()
    try:
        value = int(token)
    except (TypeError, ValueError):
        value = -1
    if value < 0 or not totp.verify(value, device.tolerance, device.last_t + 1):
        raise ValidationError(_("This code is not correct or has expired."))
    used = TOTPDevice.objects.filter(pk=device.pk, last_t__lt=totp.t()).update(
        last_t=totp.t(),
        drift=totp.drift,
        throttling_failure_count=0,
        throttling_failure_timestamp=None,
        last_used_at=now,
    )
    if not used:  # the same code, accepted a moment ago by another request
        raise ValidationError(_("This code is not correct or has expired."))


def _password_key(username: str) -> str:
    return "rondom:password-tries:" + hashlib.sha256(username.strip().lower().encode()).hexdigest()


def claim_password_attempt(username: str) -> bool:
    """Count one password try for this user name, atomically, before the password is compared.

    django-axes counts a failure only *after* the comparison, so guesses sent at the same moment would all be
    compared before the lockout applies. This counter lives in the cache (`incr` is atomic in Redis and in the local
    memory cache), expires after the axes cool-off and is cleared by a successful login. Returns False when
    settings.AXES_FAILURE_LIMIT tries were already made. The key holds a hash of the user name, not the name.
    """
    key = _password_key(username)
    timeout = int(float(settings.AXES_COOLOFF_TIME) * 3600)
    cache.add(key, 0, timeout)
    try:
        count = cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.add(key, 1, timeout)
        count = 1
    return bool(count <= settings.AXES_FAILURE_LIMIT)


class PasswordAttemptBackend:
    """Authentication backend placed between django-axes and ModelBackend: claims a try before the password is
    compared, and refuses (as a lockout, answered by axes' lockout page) when the limit is reached. It never logs
    anyone in itself."""

    def authenticate(
        self, request: HttpRequest | None, username: str | None = None, password: str | None = None, **kwargs: Any
    ) -> None:
        if username is None or password is None:
            return None
        if not claim_password_attempt(username):
            if request is not None:
                request.axes_locked_out = True  # type: ignore[attr-defined]
            raise PermissionDenied("too many password tries")
        return None

    def get_user(self, user_id: int) -> None:
        return None


@receiver(user_logged_in)
def _clear_password_tries(sender: Any, request: HttpRequest | None, user: Any, **kwargs: Any) -> None:
    cache.delete(_password_key(user.get_username()))
