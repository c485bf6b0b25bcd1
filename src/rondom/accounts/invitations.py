"""The one-time link of an invitation: Django's password-reset token (an HMAC over the account's password hash,
last login and the moment it was made), with its own salt, checked against a `now` the caller passes.

The link works once: setting the password changes the hash the token was made over, so the same link no longer
checks. It expires after ``settings.PASSWORD_RESET_TIMEOUT`` seconds (Django's setting; 3 days unless configured).
No hand-rolled cryptography: `django.contrib.auth.tokens.PasswordResetTokenGenerator` makes and checks it."""

from __future__ import annotations

from datetime import UTC, datetime

from django.contrib.auth.tokens import PasswordResetTokenGenerator
from django.utils import timezone
from django.utils.encoding import force_bytes, force_str
from django.utils.http import urlsafe_base64_decode, urlsafe_base64_encode

from .models import User


class InvitationTokens(PasswordResetTokenGenerator):
    """Tokens for an invitation, made and checked at `now` (an aware datetime; default: the current moment)."""

    key_salt = "rondom.accounts.invitations.InvitationTokens"

    def __init__(self, now: datetime | None = None) -> None:
        super().__init__()
        self._at = now

    def _now(self) -> datetime:
        # Django counts naive seconds since 2001; use UTC so the count does not depend on the server's zone.
        moment = self._at or timezone.now()
        return moment.astimezone(UTC).replace(tzinfo=None)


def link_parts(user: User, now: datetime | None = None) -> tuple[str, str]:
    """(uidb64, token) for the invitation link of `user`, made at `now`. Raises nothing."""
    return urlsafe_base64_encode(force_bytes(user.pk)), InvitationTokens(now).make_token(user)


def invited_user(uidb64: str, token: str, now: datetime | None = None) -> User | None:
    """The active account the link (uidb64, token) was made for, when the token still checks at `now`: not used
    (the password is still the unusable one it was made over), not older than PASSWORD_RESET_TIMEOUT, and not a
    single sign-on account (one with a StaffIdentity: it signs in only through its provider). Else None;
    raises nothing for any input."""
    try:
        pk = int(force_str(urlsafe_base64_decode(uidb64)))
    except (TypeError, ValueError, OverflowError):
        return None
    user = User.objects.filter(pk=pk, is_active=True).first()
    if user is None or not InvitationTokens(now).check_token(user, token):
        return None
    if user.staff_identities.exists():  # a single sign-on account never gets a password (docs/sso.md)
        return None
    return user
