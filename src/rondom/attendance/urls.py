from django.urls import path

from . import views

app_name = "attendance"
urlpatterns = [
    path("verzuim/import/", views.ImportView.as_view(), name="import"),
    path("verzuim/import/<int:import_id>/", views.ImportReportView.as_view(), name="import-report"),
    path("verzuim/koppelingen/", views.MappingListView.as_view(), name="mappings"),
    path("verzuim/koppelingen/nieuw/", views.MappingEditView.as_view(), name="mapping-new"),
    path("verzuim/koppelingen/<int:mapping_id>/", views.MappingEditView.as_view(), name="mapping-edit"),
    path("verzuim/signalen/", views.SignalListView.as_view(), name="signals"),
    path("kinderen/<int:child_id>/verzuim/", views.ChildAbsenceView.as_view(), name="child-absence"),
    path("kinderen/<int:child_id>/verzuimsignaal/<int:signal_id>/", views.SignalView.as_view(), name="signal"),
]
