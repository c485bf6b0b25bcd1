from django.urls import path

from . import views

app_name = "funding"
urlpatterns = [
    path("monitoring/", views.DashboardView.as_view(), name="dashboard"),
]
