from django.urls import path

from . import views

app_name = "cases"
urlpatterns = [
    path("casussen/", views.MyCasesView.as_view(), name="my-cases"),
    path("ondersteuningsteam/", views.TeamAgendaView.as_view(), name="team-agenda"),
    path("hulpvragen/", views.InboxView.as_view(), name="inbox"),
    path("schoolmaatschappelijk-werk/", views.SocialWorkLogView.as_view(), name="social-work-log"),
    path("hulpvragen/<int:request_id>/", views.InboxView.as_view(), name="inbox-action"),
    path("kinderen/<int:child_id>/casus/", views.CasePageView.as_view(), name="case-page"),
    path("kinderen/<int:child_id>/signaal/", views.SignalCreateView.as_view(), name="signal-create"),
    path(
        "kinderen/<int:child_id>/signaal/<int:signal_id>/gesprek/",
        views.ConversationView.as_view(),
        name="conversation",
    ),
    path("kinderen/<int:child_id>/signaal/<int:signal_id>/casus/", views.CaseCreateView.as_view(), name="case-create"),
    path("kinderen/<int:child_id>/casus/<int:case_id>/stap/", views.TransitionView.as_view(), name="transition"),
    path(
        "kinderen/<int:child_id>/casus/<int:case_id>/erbij-halen/",
        views.HelpRequestView.as_view(),
        name="help-request",
    ),
    path("kinderen/<int:child_id>/plan/", views.PlanView.as_view(), name="plan"),
    path("kinderen/<int:child_id>/plan/instemming/", views.AgreementView.as_view(), name="agreement"),
]
