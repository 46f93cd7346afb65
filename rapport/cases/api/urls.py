from django.urls import path

from rapport.cases.api import views

urlpatterns = [
    path("cases/", views.CaseListApi.as_view(), name="api-cases"),
    path("cases/<int:case_id>", views.CaseDetailApi.as_view(), name="api-case"),
    path("cases/<int:case_id>/escalate", views.CaseEscalateApi.as_view(), name="api-case-escalate"),
    path("cases/<int:case_id>/status", views.CaseStatusApi.as_view(), name="api-case-status"),
    path("cases/<int:case_id>/assign", views.CaseAssignApi.as_view(), name="api-case-assign"),
    path("escalations/", views.EscalationListApi.as_view(), name="api-escalations"),
    path(
        "escalation-reasons/",
        views.EscalationReasonListApi.as_view(),
        name="api-escalation-reasons",
    ),
]
