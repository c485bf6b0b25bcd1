from django.urls import path

from . import api

urlpatterns = [
    path("children/", api.ChildListView.as_view(), name="api-children"),
    path("children/<int:child_id>/", api.ChildDetailView.as_view(), name="api-child"),
    path("children/<int:child_id>/notes/", api.NoteListView.as_view(), name="api-child-notes"),
    path("children/<int:child_id>/notes/<int:note_id>/", api.NoteDetailView.as_view(), name="api-child-note"),
]
