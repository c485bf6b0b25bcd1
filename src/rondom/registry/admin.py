"""Admin: only the refused BSN attempts, read-only, for the privacy officer. Children's records are never in the
admin (tests/test_routes_guarded.py); a refused attempt names the record's number, not its contents."""

from __future__ import annotations

from django.contrib import admin
from django.http import HttpRequest

from .models import RefusedBsn


@admin.register(RefusedBsn)
class RefusedBsnAdmin(admin.ModelAdmin):
    list_display = ["occurred_at", "user", "school", "child_id_edited"]
    list_filter = ["school"]
    date_hierarchy = "occurred_at"

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False
