from django.urls import path

from rapport.workspace import views

app_name = "workspace"
urlpatterns: list = []
