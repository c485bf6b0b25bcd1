from django.urls import path

from . import api

urlpatterns = [
    path("children/<int:child_id>/emergency-access/", api.EmergencyAccessView.as_view(), name="api-emergency-access"),
    path("emergency-reviews/", api.EmergencyReviewListView.as_view(), name="api-emergency-reviews"),
    path(
        "emergency-reviews/<int:access_id>/",
        api.EmergencyReviewDetailView.as_view(),
        name="api-emergency-review-detail",
    ),
    path("emergency-reviews/<int:access_id>/review/", api.EmergencyReviewView.as_view(), name="api-emergency-review"),
]
