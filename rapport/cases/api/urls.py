from django.urls import path

from rapport.cases.api import views

urlpatterns: list = []
