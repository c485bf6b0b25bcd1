from django.urls import path

from . import api

urlpatterns = [
    path("monitoring/", api.MonitoringView.as_view(), name="api-monitoring"),
]
