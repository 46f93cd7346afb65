from django.urls import path

from rapport.cases import views

app_name = "cases"
urlpatterns: list = []
