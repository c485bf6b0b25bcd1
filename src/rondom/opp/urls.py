from django.urls import path  # noqa: F401

from . import portal_views, views

app_name = "opp"
urlpatterns = [*views.urlpatterns, *portal_views.urlpatterns]
