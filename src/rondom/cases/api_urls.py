from __future__ import annotations

from django.urls import path

from . import api

urlpatterns = [
    path("cases/", api.CaseListView.as_view(), name="api-cases"),
    path("help-requests/inbox/", api.InboxView.as_view(), name="api-inbox"),
    path(
        "help-requests/<int:request_id>/first-contact/",
        api.FirstContactView.as_view(),
        name="api-help-request-first-contact",
    ),
    path("help-requests/<int:request_id>/join/", api.JoinView.as_view(), name="api-help-request-join"),
    path("help-requests/<int:request_id>/decline/", api.DeclineView.as_view(), name="api-help-request-decline"),
    path("social-work/activities/", api.ActivityView.as_view(), name="api-social-work-activities"),
    path("children/<int:child_id>/signals/", api.SignalListView.as_view(), name="api-child-signals"),
    path(
        "children/<int:child_id>/signals/<int:signal_id>/conversation/",
        api.ConversationView.as_view(),
        name="api-signal-conversation",
    ),
    path("children/<int:child_id>/cases/", api.ChildCaseCreateView.as_view(), name="api-child-cases"),
    path("children/<int:child_id>/cases/<int:case_id>/", api.CaseDetailView.as_view(), name="api-child-case"),
    path(
        "children/<int:child_id>/cases/<int:case_id>/transitions/",
        api.TransitionView.as_view(),
        name="api-case-transitions",
    ),
    path(
        "children/<int:child_id>/cases/<int:case_id>/help-requests/",
        api.HelpRequestCreateView.as_view(),
        name="api-case-help-requests",
    ),
    path(
        "children/<int:child_id>/cases/<int:case_id>/actions/", api.ActionCreateView.as_view(), name="api-case-actions"
    ),
    path("children/<int:child_id>/agenda-items/<int:item_id>/minutes/", api.MinutesView.as_view(), name="api-minutes"),
    path("children/<int:child_id>/plan/", api.PlanView.as_view(), name="api-child-plan"),
    path("children/<int:child_id>/plan/agreements/", api.AgreementView.as_view(), name="api-plan-agreements"),
    path("children/<int:child_id>/plan/evaluations/", api.EvaluationView.as_view(), name="api-plan-evaluations"),
]
