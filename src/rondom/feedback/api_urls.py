from django.urls import path

from . import api

urlpatterns = [
    path(
        "children/<int:child_id>/plan/questionnaire/",
        api.TeacherQuestionnaireView.as_view(),
        name="api-teacher-questionnaire",
    ),
    path(
        "children/<int:child_id>/plan/questionnaire/answer/",
        api.TeacherAnswerView.as_view(),
        name="api-teacher-questionnaire-answer",
    ),
    path(
        "portal/children/<int:child_id>/questionnaire/",
        api.FamilyQuestionnaireView.as_view(),
        name="api-portal-questionnaire",
    ),
    path(
        "portal/children/<int:child_id>/questionnaire/answer/",
        api.FamilyAnswerView.as_view(),
        name="api-portal-questionnaire-answer",
    ),
]
