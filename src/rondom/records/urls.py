"""The functioneel beheerder's pages (records.views): people and roles, the support team, the named contacts."""

from django.urls import path

from . import views

app_name = "records"
urlpatterns = [
    path("beheer/medewerkers/", views.StaffHomeView.as_view(), name="staff-home"),
    path("beheer/<int:organisation_id>/medewerkers/", views.StaffListView.as_view(), name="staff-list"),
    path("beheer/<int:organisation_id>/medewerkers/uitnodigen/", views.InviteView.as_view(), name="staff-invite"),
    path("beheer/<int:organisation_id>/medewerkers/bestand/", views.BulkInviteView.as_view(), name="staff-bulk"),
    path("beheer/<int:organisation_id>/medewerkers/<int:user_id>/", views.PersonView.as_view(), name="staff-person"),
    path("beheer/ondersteuningsteam/", views.TeamHomeView.as_view(), name="team-home"),
    path("beheer/<int:organisation_id>/ondersteuningsteam/", views.TeamView.as_view(), name="team"),
    path("beheer/contactpersonen/", views.ContactsHomeView.as_view(), name="contacts-home"),
    path("beheer/<int:organisation_id>/contactpersonen/", views.ContactsView.as_view(), name="contacts"),
]
