from django.urls import path

from . import pages, werkplan_views

app_name = "funding"
urlpatterns = [
    path("monitoring/verdeling/", pages.AllocationView.as_view(), name="allocation"),
    path("monitoring/pilots/", pages.PilotListView.as_view(), name="pilots"),
    path("monitoring/pilots/<int:pilot_id>/budget/", pages.BudgetView.as_view(), name="pilot-budget"),
    path("werkplannen/", werkplan_views.WerkplanListView.as_view(), name="werkplans"),
    path("werkplannen/<int:organisation_id>/", werkplan_views.WerkplanView.as_view(), name="werkplan"),
]
