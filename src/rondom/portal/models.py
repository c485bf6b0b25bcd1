"""The family's door: one-time codes for logging in (the demo's second step; DigiD via OIDC can replace it)."""

from __future__ import annotations

from django.conf import settings
from django.db import models


class LoginCode(models.Model):
    """A six-digit code sent by e-mail; only its hash is kept. Valid for a few minutes, once, a few tries."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    code_hash = models.CharField(max_length=128)
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["-created_at"]
