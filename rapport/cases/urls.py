"""Pages of cases."""

from django.urls import path

from rapport.cases import views

app_name = "cases"
urlpatterns = [
    path("cases/", views.case_list, name="list"),
    path("cases/new/", views.case_create, name="create"),
    path("cases/escalations/", views.escalation_analysis, name="escalation_analysis"),
    path("cases/<int:case_id>/", views.case_detail, name="detail"),
    path("cases/<int:case_id>/status/", views.case_status, name="status"),
    path("cases/<int:case_id>/assign/", views.case_assign, name="assign"),
    path("cases/<int:case_id>/priority/", views.case_priority, name="priority"),
    path("cases/<int:case_id>/reply/", views.case_reply, name="reply"),
    path("cases/<int:case_id>/escalate/", views.case_escalate, name="escalate"),
]
