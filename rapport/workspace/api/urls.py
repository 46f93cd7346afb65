from django.urls import path

from rapport.workspace.api import views

urlpatterns = [
    path("screen-pop", views.ScreenPopApi.as_view(), name="api-screen-pop"),
    path(
        "customers/<int:customer_id>/timeline",
        views.CustomerTimelineApi.as_view(),
        name="api-customer-timeline",
    ),
]
