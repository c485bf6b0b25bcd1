"""Admin for functioneel beheer: organisations and users only. Children's records are never in the admin:
they are reachable only through the access policy (a test checks this)."""

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin

from .models import Membership, Organisation, User


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0


@admin.register(User)
class RondomUserAdmin(UserAdmin):
    inlines = [MembershipInline]


@admin.register(Organisation)
class OrganisationAdmin(admin.ModelAdmin):
    list_display = ["name", "kind", "brin", "vestiging", "school_type"]
    list_filter = ["kind", "school_type"]
    search_fields = ["name", "brin"]
