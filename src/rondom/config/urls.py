import threading
from typing import Any

from django.contrib import admin
from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest
from django.shortcuts import redirect, render
from django.urls import include, path, reverse
from django.utils.translation import gettext as _
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView
from rest_framework.permissions import AllowAny

from rondom.access.guard import serves_no_child_data
from rondom.accounts.views import set_language
from rondom.apiclients.views import TokenEndpoint
from rondom.config.readiness import health, ready


@serves_no_child_data
def home(request: HttpRequest):  # type: ignore[no-untyped-def]
    return redirect("registry:child-list")


@serves_no_child_data
def admin_login(request: HttpRequest):  # type: ignore[no-untyped-def]
    """The admin's login: our own login for a visitor; a plain 403 for someone logged in who may not use the admin
    (e.g. a functioneel beheerder who is not staff) — sending them to the login would loop, because our login sends a
    logged-in user straight back to /admin/ (security probe 2, finding 3)."""
    if request.user.is_authenticated and not admin.site.has_permission(request):
        return render(
            request, "403.html", {"message": _("You do not have access to the administration pages.")}, status=403
        )
    return redirect_to_login(request.GET.get("next", "/admin/"), login_url=reverse("accounts:login"))


class SchemaView(SpectacularAPIView):
    serves_child_data = False
    permission_classes = [AllowAny]
    # drf-spectacular loads its extension classes lazily and not thread-safely: two first requests at the same
    # moment in a threaded server crashed with a 500 (found by schemathesis). One generation at a time.
    _lock = threading.Lock()

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> Any:
        with self._lock:
            return super().get(request, *args, **kwargs)


class DocsView(SpectacularSwaggerSplitView):
    serves_child_data = False
    permission_classes = [AllowAny]


api_patterns = [
    path("", include("rondom.registry.api_urls")),
    path("", include("rondom.consent.api_urls")),
    path("", include("rondom.accounts.api_urls")),
    path("", include("rondom.access.api_urls")),
    path("", include("rondom.cases.api_urls")),
    path("", include("rondom.attendance.api_urls")),
    path("", include("rondom.thuiszitters.api_urls")),
    path("", include("rondom.funding.api_urls")),
    path("", include("rondom.monitoring.api_urls")),
    path("", include("rondom.feedback.api_urls")),
    path("", include("rondom.portal.api_urls")),
    path("", include("rondom.notifications.api_urls")),
]

urlpatterns = [
    path("", home, name="home"),
    # Kubernetes probes (rondom.config.readiness, docs/deployment.md): liveness and readiness.
    path("health", serves_no_child_data(health), name="health"),
    path("ready", serves_no_child_data(ready), name="ready"),
    path("accounts/", include("rondom.accounts.urls")),
    path("i18n/setlang/", set_language, name="set_language"),
    path("kinderen/", include("rondom.registry.urls")),
    path("kinderen/", include("rondom.consent.urls")),
    path("", include("rondom.cases.urls")),
    path("", include("rondom.attendance.urls")),
    path("", include("rondom.roster.urls")),
    path("", include("rondom.thuiszitters.urls")),
    path("", include("rondom.notifications.urls")),
    path("", include("rondom.portal.urls")),
    path("", include("rondom.funding.urls")),
    path("", include("rondom.feedback.urls")),
    path("", include("rondom.monitoring.urls")),
    path("", include("rondom.records.urls")),
    path("", include("rondom.apiclients.urls")),
    path("", include("rondom.opp.urls")),
    path("", include("rondom.swv.urls")),
    path("", include("rondom.transfers.urls")),
    # Machine clients: OAuth2 client credentials (rondom.apiclients, docs/api-clients.md).
    path("api/oauth/token/", TokenEndpoint.as_view(), name="oauth-token"),
    path("api/", include(api_patterns)),
    path("api/schema/", SchemaView.as_view(), name="schema"),
    path("api/docs/", DocsView.as_view(url_name="schema"), name="api-docs"),
    # The admin uses our login (rate limit, lockout, two-factor), not its own form.
    path("admin/login/", admin_login, name="admin-login"),
    path("admin/", admin.site.urls),
]

# JSON error answers under /api/ (the OpenAPI schema documents JSON), the usual pages elsewhere.
handler400 = "rondom.config.middleware.bad_request"
handler403 = "rondom.config.middleware.permission_denied"
handler404 = "rondom.config.middleware.not_found"
handler500 = "rondom.config.middleware.server_error"
