"""Request types for type checking: behind login, `request.user` is a Rapport user."""

from django.http import HttpRequest
from django_htmx.middleware import HtmxDetails
from rest_framework.request import Request

from rapport.accounts.models import User


class AuthedHttpRequest(HttpRequest):
    user: User
    htmx: HtmxDetails


class AuthedRequest(Request):
    user: User
