from django.urls import path  # noqa: F401

from . import portal_views, views, views_paper

app_name = "opp"
urlpatterns = [*views.urlpatterns, *portal_views.urlpatterns, *views_paper.urlpatterns]
