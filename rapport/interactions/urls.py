from django.urls import path

from rapport.interactions import views

app_name = "interactions"
urlpatterns: list = []
