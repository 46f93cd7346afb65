"""Placeholder: filled in by this module's author."""

from django.http import HttpResponse
from django.urls import path


def _todo(request, *args, **kwargs) -> HttpResponse:
    return HttpResponse("Not built yet.", status=501)


urls: list = [path("todo-modules/", _todo, name="modules")]
