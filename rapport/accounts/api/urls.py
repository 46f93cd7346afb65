from django.urls import path

from rapport.accounts.api import views

urlpatterns = [
    path("auth/token", views.TokenCreateApi.as_view(), name="api-auth-token"),
    path("auth/tokens", views.TokenListApi.as_view(), name="api-auth-tokens"),
    path(
        "auth/tokens/<int:token_id>", views.TokenRevokeApi.as_view(), name="api-auth-token-revoke"
    ),
    path("auth/me", views.MeApi.as_view(), name="api-auth-me"),
    path("users/", views.UserListApi.as_view(), name="api-users"),
    path("users/<int:user_id>", views.UserDetailApi.as_view(), name="api-user"),
    path(
        "users/<int:user_id>/states", views.AgentStateHistoryApi.as_view(), name="api-user-states"
    ),
    path("teams/", views.TeamListApi.as_view(), name="api-teams"),
    path("agents/me/state", views.MyStateApi.as_view(), name="api-agent-state"),
]
