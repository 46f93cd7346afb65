from django.urls import path

from rapport.workspace import views

app_name = "workspace"
urlpatterns = [
    path("desk/", views.desktop, name="desktop"),
    path("desk/pop/", views.pop, name="pop"),
    path("desk/contacts/<int:interaction_id>/caller/", views.quick_create, name="quick_create"),
    path("desk/contacts/<int:interaction_id>/notes/", views.note, name="note"),
    path("desk/contacts/<int:interaction_id>/wrap-up/", views.wrap_up, name="wrap_up"),
    path("desk/contacts/<int:interaction_id>/reply/", views.reply, name="reply"),
    path("desk/contacts/<int:interaction_id>/escalate/", views.escalate, name="escalate"),
]
