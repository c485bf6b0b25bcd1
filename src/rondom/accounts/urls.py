from django.urls import path

from . import views

app_name = "accounts"
urlpatterns = [
    path("login/", views.LoginView.as_view(), name="login"),
    path("logout/", views.LogoutView.as_view(), name="logout"),
    path("tweestaps/", views.otp_verify, name="otp"),
    path("tweestaps/instellen/", views.otp_setup, name="otp-setup"),
    path("sso/", views.sso_login, name="sso"),
    path("sso/terug/", views.sso_callback, name="sso-callback"),
    path("uitnodiging/<str:uidb64>/<str:token>/", views.accept_invitation, name="invitation"),
]
