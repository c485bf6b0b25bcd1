from django.urls import path

from . import api

urlpatterns = [
    path("organisations/", api.OrganisationListView.as_view(), name="api-organisations"),
    path(
        "organisations/<int:organisation_id>/links/", api.OrganisationLinkView.as_view(), name="api-organisation-links"
    ),
    path("memberships/", api.MembershipCreateView.as_view(), name="api-memberships"),
    path("memberships/<int:membership_id>/end/", api.MembershipEndView.as_view(), name="api-membership-end"),
    path("administration-log/", api.AdministrationLogView.as_view(), name="api-administration-log"),
    path("me/", api.MeView.as_view(), name="api-me"),
]
