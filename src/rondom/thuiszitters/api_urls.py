from django.urls import path

from . import api

PERIOD = "children/<int:child_id>/thuiszitters/<int:thuiszitter_id>/"

urlpatterns = [
    path("thuiszitters/", api.RegisterListView.as_view(), name="api-thuiszitters"),
    path("thuiszitters/overview/", api.OverviewView.as_view(), name="api-thuiszitter-overview"),
    path("children/<int:child_id>/thuiszitters/", api.RegisterView.as_view(), name="api-thuiszitter-register"),
    path(PERIOD, api.ThuiszitterView.as_view(), name="api-thuiszitter"),
    path(PERIOD + "decide/", api.DecideView.as_view(), name="api-thuiszitter-decide"),
    path(PERIOD + "escalate/", api.EscalateView.as_view(), name="api-thuiszitter-escalate"),
    path(PERIOD + "interim/", api.InterimView.as_view(), name="api-thuiszitter-interim"),
    path(PERIOD + "visit/", api.VisitView.as_view(), name="api-thuiszitter-visit"),
    path(PERIOD + "end/", api.EndView.as_view(), name="api-thuiszitter-end"),
]
