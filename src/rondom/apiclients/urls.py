from django.urls import path

from . import views

app_name = "apiclients"
urlpatterns = [
    path("api-koppelingen/", views.ClientsView.as_view(), name="clients"),
    path("api-koppelingen/<int:client_id>/sleutel/", views.ClientActionView.as_view(action="rotate"), name="rotate"),
    path("api-koppelingen/<int:client_id>/beeindigen/", views.ClientActionView.as_view(action="end"), name="end"),
]
