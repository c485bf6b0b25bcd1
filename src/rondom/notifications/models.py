"""In-app notifications (with an e-mail that only says there is something new: no personal data leaves the app)."""

from __future__ import annotations

from django.conf import settings
from django.db import models


class Notification(models.Model):
    recipient = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications")
    #: What happened, without names: the page behind `url` checks access and logs it.
    title = models.CharField(max_length=200)
    url = models.CharField(max_length=200, blank=True)
    #: Deduplication key, e.g. "signal:12": one notification per recipient and event.
    key = models.CharField(max_length=100)
    created_at = models.DateTimeField(auto_now_add=True)
    read_at = models.DateTimeField(null=True, blank=True)
    emailed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [models.UniqueConstraint(fields=["recipient", "key"], name="unique_notification")]
