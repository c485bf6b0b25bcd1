from django.urls import path

from . import api

urlpatterns = [
    path("organisations/", api.OrganisationListView.as_view(), name="api-organisations"),
    path("memberships/", api.MembershipCreateView.as_view(), name="api-memberships"),
    path("me/", api.MeView.as_view(), name="api-me"),
]
