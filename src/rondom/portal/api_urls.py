from django.urls import path

from . import api

urlpatterns = [
    path("portal/children/", api.ChildrenView.as_view(), name="api-portal-children"),
    path("portal/children/<int:child_id>/", api.ChildPlanView.as_view(), name="api-portal-child"),
    path("portal/children/<int:child_id>/consents/", api.ConsentsView.as_view(), name="api-portal-consents"),
    path("portal/children/<int:child_id>/who-looked/", api.WhoLookedView.as_view(), name="api-portal-who-looked"),
]
