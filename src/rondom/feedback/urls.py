from django.urls import path

from . import views

app_name = "feedback"
urlpatterns = [
    # Parents and youths, in the portal (the portal's own URL style: /portaal/kind/<id>/...).
    path(
        "portaal/kind/<int:child_id>/vragenlijst/", views.PortalQuestionnaireView.as_view(), name="portal-questionnaire"
    ),
    # Teachers and mentors, next to the professionals' plan page (/kinderen/<id>/plan/).
    path(
        "kinderen/<int:child_id>/plan/vragenlijst/",
        views.TeacherQuestionnaireView.as_view(),
        name="teacher-questionnaire",
    ),
    path("aanbieders/beoordelen/", views.ProviderRatingsView.as_view(), name="provider-ratings"),
]
