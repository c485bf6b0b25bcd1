from django.urls import path

from . import api

urlpatterns = [
    path("absence/", api.AbsencePostView.as_view(), name="api-absence"),
]
