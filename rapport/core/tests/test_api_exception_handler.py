"""Every API error is JSON {"code", "message", "fields"} with the status its kind implies."""

import pytest
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.db import IntegrityError
from django.http import Http404
from rest_framework import serializers
from rest_framework.permissions import AllowAny
from rest_framework.test import APIRequestFactory
from rest_framework.views import APIView

from rapport.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed

pytestmark = pytest.mark.django_db


class _Payload(serializers.Serializer):
    name = serializers.CharField()
    age = serializers.IntegerField(min_value=0)


class _Raises(APIView):
    """A stand-in view: raises what it is told to, so the project's handler shapes the answer."""

    permission_classes = [AllowAny]
    authentication_classes: list = []
    to_raise: Exception | None = None

    def post(self, request):
        if self.to_raise is not None:
            raise self.to_raise
        _Payload(data=request.data).is_valid(raise_exception=True)
        raise AssertionError("unreachable")


def _call(exc: Exception | None = None, data: dict | None = None):
    view = _Raises.as_view(to_raise=exc)
    response = view(APIRequestFactory().post("/x", data or {}, format="json"))
    return response.status_code, response.data


def test_validation_failed_is_400_with_fields():
    status, body = _call(
        ValidationFailed("Bad phone.", code="invalid_phone", fields={"phone": ["Not a phone."]})
    )

    assert status == 400
    assert body == {
        "code": "invalid_phone",
        "message": "Bad phone.",
        "fields": {"phone": ["Not a phone."]},
    }


def test_serializer_errors_are_400_with_each_field_named():
    status, body = _call(data={"age": -1})

    assert status == 400
    assert set(body) == {"code", "message", "fields"}
    assert body["code"] == "invalid"
    assert body["message"] == "Some fields are not valid."
    assert set(body["fields"]) == {"name", "age"}
    assert all(isinstance(m, str) for messages in body["fields"].values() for m in messages)


def test_not_found_is_404():
    status, body = _call(NotFound("No such customer."))

    assert status == 404
    assert body == {"code": "not_found", "message": "No such customer.", "fields": {}}


def test_django_404_has_the_same_shape():
    status, body = _call(Http404("gone"))

    assert status == 404
    assert set(body) == {"code", "message", "fields"}
    assert body["code"] == "not_found"


def test_conflict_is_409():
    status, body = _call(Conflict("Taken by Ann Lee (customer 4).", fields={"email": ["Taken."]}))

    assert status == 409
    assert body == {
        "code": "conflict",
        "message": "Taken by Ann Lee (customer 4).",
        "fields": {"email": ["Taken."]},
    }


def test_integrity_error_is_409_not_500():
    status, body = _call(IntegrityError("UNIQUE constraint failed"))

    assert status == 409
    assert body["code"] == "conflict"
    assert "UNIQUE" not in body["message"]


def test_permission_denied_is_403():
    status, body = _call(PermissionDenied("Only admin may erase customers."))
    django_status, django_body = _call(DjangoPermissionDenied())

    assert (status, body["code"], body["message"]) == (
        403,
        "forbidden",
        "Only admin may erase customers.",
    )
    assert django_status == 403
    assert set(django_body) == {"code", "message", "fields"}


def test_unauthenticated_api_call_has_the_error_shape(client):
    response = client.get("/api/v1/customers/")

    assert response.status_code in (401, 403)
    assert set(response.json()) == {"code", "message", "fields"}
    assert response.json()["code"] == "not_authenticated"


def test_an_unexpected_error_is_not_swallowed():
    with pytest.raises(ZeroDivisionError):
        _call(ZeroDivisionError())
