from django.urls import path

from rapport.accounts import views

app_name = "accounts"
urlpatterns = [
    path("login/", views.RapportLoginView.as_view(), name="login"),
    path("logout/", views.RapportLogoutView.as_view(), name="logout"),
    path("second-factor/", views.second_factor, name="second_factor"),
    path("me/", views.my_account, name="me"),
    path("me/state/", views.set_my_state, name="set_state"),
    path("me/tokens/", views.token_create, name="token_create"),
    path("me/tokens/<int:token_id>/revoke/", views.token_revoke, name="token_revoke"),
    path("people/", views.people, name="people"),
    path("people/<int:user_id>/", views.person, name="person"),
    path("security/", views.security, name="security"),
]
