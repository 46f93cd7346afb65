from django.urls import path

from rapport.interactions.api import views

urlpatterns: list = [
    path(
        "channels/<str:channel>/messages",
        views.ChannelMessageApi.as_view(),
        name="api-channel-messages",
    ),
    path("telephony/events", views.TelephonyEventsApi.as_view(), name="api-telephony-events"),
    path("interactions/", views.InteractionListApi.as_view(), name="api-interactions"),
    path(
        "interactions/<int:interaction_id>",
        views.InteractionDetailApi.as_view(),
        name="api-interaction",
    ),
    path(
        "call-record-imports/",
        views.CallRecordImportListApi.as_view(),
        name="api-call-record-imports",
    ),
    path(
        "call-record-imports/<int:import_id>",
        views.CallRecordImportDetailApi.as_view(),
        name="api-call-record-import",
    ),
]
