from django.urls import path

from . import views

app_name = "consent"
urlpatterns = [
    path("<int:child_id>/toestemming/", views.ConsentListView.as_view(), name="child-consents"),
    path("<int:child_id>/toestemming/<int:consent_id>/intrekken/", views.WithdrawView.as_view(), name="withdraw"),
]
