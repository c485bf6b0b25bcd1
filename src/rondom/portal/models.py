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


def _private_storage():  # type: ignore[no-untyped-def]
    """Uploads live in the data folder, never under a public URL: they are only served through a guarded view."""
    from django.core.files.storage import FileSystemStorage

    return FileSystemStorage(location=str(settings.VAR_DIR / "uploads"))


class FamilyDocument(models.Model):
    """A document a parent or youth added to the file (a report, a letter, a photo of a drawing)."""

    child = models.ForeignKey("registry.Child", on_delete=models.CASCADE, related_name="family_documents")
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    capacity = models.CharField(max_length=10)
    file = models.FileField(storage=_private_storage, upload_to="family/")
    name = models.CharField(max_length=200)
    content_type = models.CharField(max_length=100)
    size = models.PositiveIntegerField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]


class SupporterChoice(models.Model):
    """The school offers the family a choice of supporters (e.g. two providers' named people); the family chooses."""

    child = models.ForeignKey("registry.Child", on_delete=models.CASCADE, related_name="supporter_choices")
    question = models.CharField(max_length=200)
    options = models.ManyToManyField("cases.ProviderContact", related_name="+")
    offered_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    offered_at = models.DateTimeField(auto_now_add=True)
    chosen = models.ForeignKey(
        "cases.ProviderContact", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    chosen_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    chosen_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-offered_at"]
