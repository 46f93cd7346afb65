"""Fuzz every API operation from our own OpenAPI schema: nothing a client can send may cause a 500,
and every response must match the schema we publish."""

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance, status_code_conformance

from rapport.accounts import services as account_services
from rapport.customers.tests.factories import ContactPointFactory, HoldingFactory, HouseholdFactory

# Serving the schema needs no database, so it is loaded once at collection.
schema = schemathesis.openapi.from_wsgi("/api/schema/", get_wsgi_application())


@pytest.fixture(autouse=True)
def keep_the_test_connection():
    """The schema's WSGI calls go past Django's test client, which is what normally stops a
    finished request from closing the test's database connection; do the same here."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture
def admin_token(make_user) -> str:
    admin = make_user("admin", "supervisor")
    household = HouseholdFactory()
    point = ContactPointFactory(customer__household=household)
    HoldingFactory(customer=point.customer)
    return account_services.api_token_issue(user=admin, name="fuzz").key


@schema.parametrize()
@settings(
    max_examples=8,
    deadline=None,
    suppress_health_check=[
        HealthCheck.function_scoped_fixture,
        HealthCheck.too_slow,
        HealthCheck.filter_too_much,
    ],
)
@pytest.mark.django_db
def test_api_never_fails_and_matches_its_schema(case, admin_token):
    case.call_and_validate(
        headers={"Authorization": f"Token {admin_token}"},
        checks=[not_a_server_error, status_code_conformance, response_schema_conformance],
    )
