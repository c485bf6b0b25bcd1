from django.urls import path

from . import api

urlpatterns = [
    path("absence/", api.AbsencePostView.as_view(), name="api-absence"),
    path("absence-signals/", api.AbsenceSignalListView.as_view(), name="api-absence-signals"),
    path("children/<int:child_id>/absence/", api.ChildAbsenceView.as_view(), name="api-child-absence"),
    path(
        "children/<int:child_id>/absence-signals/<int:signal_id>/",
        api.AbsenceSignalView.as_view(),
        name="api-absence-signal",
    ),
    path(
        "children/<int:child_id>/absence-signals/<int:signal_id>/handle/",
        api.AbsenceSignalHandleView.as_view(),
        name="api-absence-signal-handle",
    ),
]
