from django.urls import path

from . import views

app_name = "roster"
urlpatterns = [
    path("leerlingen-inlezen/", views.UploadView.as_view(), name="upload"),
    path("leerlingen-inlezen/<int:upload_id>/", views.ReportView.as_view(), name="report"),
    path("leerlingen-inlezen/<int:upload_id>/bevestigen/", views.ConfirmView.as_view(), name="confirm"),
]
urlpatterns += [
    path("leerlingen-inlezen/koppelingen/", views.MappingListView.as_view(), name="mappings"),
    path("leerlingen-inlezen/koppelingen/nieuw/", views.MappingEditView.as_view(), name="mapping-new"),
    path("leerlingen-inlezen/koppelingen/<int:mapping_id>/", views.MappingEditView.as_view(), name="mapping-edit"),
]
