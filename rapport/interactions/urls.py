from django.urls import path

from rapport.interactions import views

app_name = "interactions"
urlpatterns = [
    path("interactions/<int:interaction_id>/", views.detail, name="detail"),
    path(
        "interactions/<int:interaction_id>/attachments/<int:attachment_id>/",
        views.attachment,
        name="attachment",
    ),
    path("interactions/rejected/", views.rejected, name="rejected"),
    path("call-records/", views.call_record_imports, name="call_record_imports"),
    path("call-records/<int:import_id>/", views.call_record_import, name="call_record_import"),
]
