"""Admin for the platform administrator: organisations, users, roles and the gemeente configuration. Children's
records are never in the admin: they are reachable only through the access policy (a test checks this).

Only a superuser changes organisations, roles and the gemeente configuration here, and every such save goes through
`records.administration`, so it is checked against the task rights and written to the administration log like a change
through the API (issue 12, finding 1). Roles are ended, never deleted; an organisation's kind is fixed once made."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin
from django.http import HttpRequest

from rondom.records import administration as services

from .models import Membership, MunicipalityOrganisation, Organisation, User


class SuperuserOnlyMixin:
    """Only the platform administrator (a superuser) sees or changes these records in the admin."""

    def has_module_permission(self, request: HttpRequest) -> bool:
        return bool(request.user.is_active and request.user.is_superuser)

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return bool(request.user.is_active and request.user.is_superuser)

    def has_add_permission(self, request: HttpRequest, *args: Any) -> bool:
        return bool(request.user.is_active and request.user.is_superuser)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return bool(request.user.is_active and request.user.is_superuser)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # roles end, organisations stay: history and the logs refer to them


class MembershipInline(SuperuserOnlyMixin, admin.TabularInline):  # type: ignore[type-arg]
    """A user's roles, read-only here: grant and end them on the role's own page (through the service)."""

    model = Membership
    extra = 0
    fields = ["organisation", "role", "valid_from", "valid_until"]
    readonly_fields = ["organisation", "role", "valid_from", "valid_until"]
    show_change_link = True

    def has_add_permission(self, request: HttpRequest, *args: Any) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(User)
class RondomUserAdmin(SuperuserOnlyMixin, UserAdmin):  # type: ignore[type-arg]
    inlines = [MembershipInline]


@admin.register(Membership)
class MembershipAdmin(SuperuserOnlyMixin, admin.ModelAdmin):  # type: ignore[type-arg]
    """Grant a role (add) or end it (change: only the last day can be set)."""

    list_display = ["user", "organisation", "role", "valid_from", "valid_until"]
    list_filter = ["role"]
    search_fields = ["user__username", "organisation__name"]

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        return ["user", "organisation", "role", "valid_from"] if obj is not None else []

    def save_model(self, request: HttpRequest, obj: Membership, form: Any, change: bool) -> None:
        actor: User = request.user  # type: ignore[assignment]
        if not change:
            saved = services.grant_role(actor, obj.user, obj.organisation, obj.role, obj.valid_from, obj.valid_until)
            obj.pk = saved.pk
            obj._state.adding = False
        elif "valid_until" in form.changed_data and obj.valid_until is not None:
            services.end_role(actor, Membership.objects.get(pk=obj.pk), obj.valid_until)
        # Any other change (clearing an end date) is not saved: a new role is granted instead.


@admin.register(Organisation)
class OrganisationAdmin(SuperuserOnlyMixin, admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ["name", "kind", "brin", "vestiging", "school_type"]
    list_filter = ["kind", "school_type"]
    search_fields = ["name", "brin"]

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        return ["kind"] if obj is not None else []

    def save_model(self, request: HttpRequest, obj: Organisation, form: Any, change: bool) -> None:
        actor: User = request.user  # type: ignore[assignment]
        if not change:
            data = {
                f: getattr(obj, f)
                for f in ("name", "kind", "brin", "vestiging", "school_type", "municipality", "parent")
            }
            data["serves_municipalities"] = list(form.cleaned_data.get("serves_municipalities") or [])
            wanted_sso = obj.sso_value
            obj.pk = services.create_organisation(actor, data).pk
            obj._state.adding = False
            if wanted_sso:
                services.configure_sso(actor, obj, wanted_sso)
            return
        if "sso_value" in form.changed_data:  # decides who may get an account at a single sign-on: logged
            services.configure_sso(actor, obj, obj.sso_value)
        # The links (part of, serves) are set by the service in save_related, which logs old and new.
        obj._wanted_parent = obj.parent  # type: ignore[attr-defined]
        obj.parent = Organisation.objects.get(pk=obj.pk).parent
        super().save_model(request, obj, form, change)

    def save_related(self, request: HttpRequest, form: Any, formsets: Any, change: bool) -> None:
        actor: User = request.user  # type: ignore[assignment]
        if not change:
            return  # the service set the links and logged them
        obj: Organisation = form.instance
        services.link_organisation(
            actor,
            obj,
            parent=getattr(obj, "_wanted_parent", obj.parent),
            serves=list(form.cleaned_data.get("serves_municipalities") or []),
        )


@admin.register(MunicipalityOrganisation)
class MunicipalityOrganisationAdmin(SuperuserOnlyMixin, admin.ModelAdmin):  # type: ignore[type-arg]
    """Which organisation is the gemeente of which municipality: the source of a municipality's authority."""

    list_display = ["municipality", "organisation", "configured_at", "configured_by"]
    fields = ["municipality", "organisation"]

    def save_model(self, request: HttpRequest, obj: MunicipalityOrganisation, form: Any, change: bool) -> None:
        actor: User = request.user  # type: ignore[assignment]
        saved = services.configure_municipality(actor, obj.organisation, obj.municipality)
        obj.pk = saved.pk
        obj._state.adding = False
