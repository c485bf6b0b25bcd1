"""The administration log, read-only, for the privacy officer: a staff account (two-factor) that the platform
administrator gave the permission "Can view administration log entry". The access log itself is not here: its rows
name children (see docs/access-log.md, "Who can read the log")."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from .models import AdministrationLogEntry


@admin.register(AdministrationLogEntry)
class AdministrationLogAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = [
        "occurred_at",
        "actor_name",
        "actor_standing",
        "action",
        "role",
        "subject_user_name",
        "organisation_name",
    ]
    list_filter = ["action", "actor_standing", "organisation_kind"]
    search_fields = ["actor_name", "subject_user_name", "organisation_name"]
    date_hierarchy = "occurred_at"

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        return [f.name for f in AdministrationLogEntry._meta.fields]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
