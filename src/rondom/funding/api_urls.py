from django.urls import path

from . import api

urlpatterns = [
    path("funding/allocation/", api.AllocationView.as_view(), name="api-funding-allocation"),
    path("funding/pilots/", api.PilotListView.as_view(), name="api-funding-pilots"),
]
