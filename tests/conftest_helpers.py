"""Helpers shared by the tests and the benchmarks."""

from __future__ import annotations

from django.test import Client
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_totp.models import TOTPDevice

from rondom.accounts.middleware import FAMILY_VERIFIED
from rondom.accounts.models import User


def verified_client(client: Client, user: User, *, verified: bool = True) -> Client:
    """Log a user in; professionals also pass the second factor (a confirmed TOTP device) unless told not to."""
    client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
    if verified and user.is_professional:
        device, _ = TOTPDevice.objects.get_or_create(user=user, name="test", defaults={"confirmed": True})
        session = client.session
        session[DEVICE_ID_SESSION_KEY] = device.persistent_id
        session.save()
    elif verified:  # a family login confirmed with the e-mail code
        session = client.session
        session[FAMILY_VERIFIED] = True
        session.save()
    return client


def wait_until_serving(url: str, *, tries: int = 150, pause: float = 0.2) -> None:
    """Wait until a server started by a test answers `url` + `/health`; RuntimeError when it never does."""
    import time
    import urllib.request

    for _ in range(tries):
        try:
            urllib.request.urlopen(f"{url}/health", timeout=1)
            return
        except OSError:
            time.sleep(pause)
    raise RuntimeError("the demo server did not start")
