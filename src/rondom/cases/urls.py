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
urlpatterns += [
    path("ondersteuningsteam/overleg/nieuw/", views.MeetingEditView.as_view(), name="meeting-create"),
    path("ondersteuningsteam/overleg/<int:meeting_id>/", views.MeetingView.as_view(), name="meeting"),
    path("ondersteuningsteam/overleg/<int:meeting_id>/wijzigen/", views.MeetingEditView.as_view(), name="meeting-edit"),
    path("ondersteuningsteam/overleg/<int:meeting_id>/agenda/", views.MeetingPrintView.as_view(), name="meeting-print"),
    path(
        "kinderen/<int:child_id>/casus/<int:case_id>/agenda/",
        views.AgendaFromCaseView.as_view(),
        name="agenda-from-case",
    ),
    path("kinderen/<int:child_id>/overleg/<int:item_id>/", views.AgendaItemView.as_view(), name="agenda-item"),
    path("acties/", views.MyActionsView.as_view(), name="my-actions"),
    path("acties/<int:action_id>/klaar/", views.ActionDoneView.as_view(), name="action-done"),
]
