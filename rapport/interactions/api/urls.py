from django.urls import path

from rapport.interactions.api import views

urlpatterns: list = []
