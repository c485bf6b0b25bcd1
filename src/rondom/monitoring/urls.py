from django.urls import path

from . import views

app_name = "monitoring"
urlpatterns = [
    path("monitoring/", views.DashboardView.as_view(), name="dashboard"),
    path("monitoring/vastzetten/", views.FreezeYearView.as_view(), name="freeze-year"),
    path("monitoring/rapport/", views.ReportView.as_view(), name="report"),
    path("monitoring/teksten/", views.ReportTextsView.as_view(), name="report-texts"),
    path("monitoring/onderzoek/", views.ResearchExportView.as_view(), name="research"),
]
