"""The professionals' second step (TOTP) with an atomic attempt counter.

django-otp's own throttling reads the failure count, compares, then writes `count + 1` from Python: concurrent
wrong codes all pass the check before any write lands (the security probe's race, issue 12 finding 4). Here every
comparison first claims a try with one UPDATE that carries the limit in its WHERE, on the device's own
`throttling_failure_count`; a right code resets it, and the time step it used is recorded with a conditional UPDATE
too, so a code is accepted once even by two requests at the same moment (RFC 6238 section 5.2: no reuse).
"""

from __future__ import annotations

import time
from datetime import datetime, timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db.models import Case, F, Q, Value, When
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
    totp.time = time.time()
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
