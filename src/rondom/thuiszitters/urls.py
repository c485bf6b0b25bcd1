from django.urls import path

from . import views

app_name = "thuiszitters"
urlpatterns = [
    path("thuiszitters/", views.RegisterListView.as_view(), name="register-list"),
    path("thuiszitters/overzicht/", views.OverviewView.as_view(), name="overview"),
    path("kinderen/<int:child_id>/thuiszitter/nieuw/", views.RegisterView.as_view(), name="register"),
    path("kinderen/<int:child_id>/thuiszitter/<int:thuiszitter_id>/", views.DetailView.as_view(), name="detail"),
]
