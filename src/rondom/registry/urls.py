from django.urls import path

from . import views

app_name = "registry"
urlpatterns = [
    path("", views.ChildListView.as_view(), name="child-list"),
    path("<int:child_id>/", views.ChildDetailView.as_view(), name="child-detail"),
    path("<int:child_id>/aantekeningen/", views.NoteCreateView.as_view(), name="note-create"),
    path("noodtoegang/", views.EmergencyAccessView.as_view(), name="emergency"),
]
