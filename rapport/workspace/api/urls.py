from django.urls import path

from rapport.workspace.api import views

urlpatterns: list = []
