from django.urls import path

from . import api

urlpatterns = [
    path("children/<int:child_id>/consents/", api.ConsentListView.as_view(), name="api-child-consents"),
    path(
        "children/<int:child_id>/consents/<int:consent_id>/withdraw/",
        api.WithdrawView.as_view(),
        name="api-consent-withdraw",
    ),
]
