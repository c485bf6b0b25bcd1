from django.urls import path

from . import oidc, views

app_name = "portal"
urlpatterns = [
    path("portaal/inloggen/", views.LoginView.as_view(), name="login"),
    path("portaal/code/", views.CodeView.as_view(), name="code"),
    path("portaal/inloggen/digid/", oidc.digid_login, name="digid"),
    path("portaal/inloggen/digid/terug/", oidc.digid_callback, name="digid-callback"),
    path("portaal/uitloggen/", views.LogoutView.as_view(), name="logout"),
    path("portaal/", views.HomeView.as_view(), name="home"),
    path("portaal/kind/<int:child_id>/", views.ChildView.as_view(), name="child"),
    path("portaal/kind/<int:child_id>/toestemming/", views.ConsentView.as_view(), name="consents"),
    path("portaal/kind/<int:child_id>/wie-keek/", views.WhoLookedView.as_view(), name="who-looked"),
    path("portaal/kind/<int:child_id>/document/<int:document_id>/", views.DocumentView.as_view(), name="document"),
    path("kinderen/<int:child_id>/keuze-begeleider/", views.OfferChoiceView.as_view(), name="offer-choice"),
    path(
        "kinderen/<int:child_id>/gezinsdocument/<int:document_id>/",
        views.ProfessionalDocumentView.as_view(),
        name="family-document",
    ),
]
