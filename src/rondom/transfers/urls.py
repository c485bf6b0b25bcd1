from django.urls import path

from . import views

app_name = "transfers"

urlpatterns = [
    path("overstap/", views.IncomingView.as_view(), name="incoming"),
    path("kinderen/<int:child_id>/overstap/", views.OfferView.as_view(), name="offer"),
    path("kinderen/<int:child_id>/overstap/<int:transfer_id>/", views.TransferView.as_view(), name="transfer"),
    path("kinderen/<int:child_id>/overstap/<int:transfer_id>/rapport.pdf", views.ReportView.as_view(), name="report"),
    path("kinderen/<int:child_id>/overstap/<int:transfer_id>/overstapdossier.xml", views.OsoView.as_view(), name="oso"),
    path("portaal/kind/<int:child_id>/overstap/", views.PortalConsentView.as_view(), name="portal-consent"),
]
